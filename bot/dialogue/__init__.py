"""Dialogue: turns an Inbound into a Reply through ordered handler groups."""

from bot.dialogue.engine import Dialogue, Handler, Turn


def default_dialogue() -> Dialogue:
    """The handler order: an open conversation first, then events, then commands, then the intent route."""
    from bot.dialogue import faq, handlers
    from bot.scheduling.survey_flow import SurveyFlow
    from bot.tickets import intake

    return Dialogue(
        [
            [intake.AnonymousOpinion(), handlers.HumanHandoff(), handlers.EmergencyWhere(), handlers.Clarification(),
             faq.MenuChoice(), SurveyFlow(), handlers.WithdrawConfirm(), handlers.AddToFiled(), intake.Intake(),
             intake.ResumeIntake(), intake.Binding()],
            [handlers.Events(), handlers.NonText()],
            [handlers.Commands()],
            [handlers.IntentRoute()],
        ]
    )


__all__ = ["Dialogue", "Handler", "Turn", "default_dialogue"]
