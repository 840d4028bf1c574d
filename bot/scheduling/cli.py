"""`linli scheduler`: run the one scheduler (or wait for it), a lone sender, announcements, the API stand-in."""

from __future__ import annotations

import json
import signal
import threading

import click

from bot.config import get_settings


def _stop_on_signals(stop: threading.Event) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())


@click.group(invoke_without_command=True)
@click.pass_context
def scheduler(ctx: click.Context) -> None:
    """Run the scheduled jobs and the outbox sender (only one process at a time runs them; others wait)."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.db import upgrade
    from bot.scheduling.runner import Runner

    settings = get_settings()
    upgrade(settings.database_url)
    stop = threading.Event()
    _stop_on_signals(stop)
    runner = Runner(settings).start()
    click.echo(f"linli scheduler {runner.holder}: waiting for the scheduler lease (another scheduler may hold it)")
    while not stop.is_set():
        if runner.became_leader.wait(1):
            click.echo("this process now runs the scheduler and the sender")
            runner.became_leader.clear()
    runner.shutdown(wait=True)


@scheduler.command()
@click.option("--until-idle", is_flag=True, help="Exit when nothing is left to send (tests, batch runs).")
@click.option("--threads", type=int, default=None)
@click.option("--batch", type=int, default=None)
def send(until_idle: bool, threads: int | None, batch: int | None) -> None:
    """Run only an outbox sender (safe next to other senders: rows are claimed atomically)."""
    from bot.db import engine_for
    from bot.scheduling.sender import Sender

    settings = get_settings()
    sender = Sender(engine=engine_for(settings.database_url), settings=settings, threads=threads, batch=batch)
    stop = threading.Event()
    _stop_on_signals(stop)
    if until_idle:
        _send_until_idle(sender, stop)
    else:
        sender.run_forever(stop)
    sender.close()
    click.echo(json.dumps(dict(sender.stats), ensure_ascii=False))


def _send_until_idle(sender, stop: threading.Event) -> None:
    from sqlalchemy import func, select
    from sqlmodel import Session

    from bot.models import Outbox
    from bot.scheduling.outbox import SENDABLE_KINDS

    while not stop.is_set():
        if sender.run_once() > 0:
            continue
        with Session(sender.engine) as session:
            left = session.execute(select(func.count()).where(
                Outbox.kind.in_(SENDABLE_KINDS), Outbox.status.in_(("pending", "failed", "sending")))).scalar_one()
            session.commit()
        if left == 0:
            return
        stop.wait(0.1)


@scheduler.command()
@click.option("--grids", default="", help="Grid codes, comma-separated (default: every grid).")
@click.option("--urgent", is_flag=True, help="An emergency alert: sent first, even at night.")
@click.option("--author", default=None)
@click.argument("text")
def announce(grids: str, urgent: bool, author: str | None, text: str) -> None:
    """Queue a notice (or, with --urgent, an emergency alert) to grid groups; the sender delivers it."""
    from bot.db import session_scope
    from bot.scheduling.announce import UnknownGrid
    from bot.scheduling.announce import announce as do_announce

    codes = [c.strip() for c in grids.split(",") if c.strip()] or None
    try:
        with session_scope() as session:
            row = do_announce(session=session, text=text, grid_codes=codes, urgent=urgent, author=author)
            click.echo(f"announcement {row.id} queued for {row.total} grid groups: {', '.join(row.grid_codes)}")
    except (UnknownGrid, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


@scheduler.command()
@click.argument("announcement_id", type=int)
def progress(announcement_id: int) -> None:
    """Show an announcement's progress (sent / failed / pending per grid)."""
    from bot.db import session_scope
    from bot.scheduling.announce import announcement_progress

    with session_scope() as session:
        click.echo(json.dumps(announcement_progress(session=session, announcement_id=announcement_id),
                              ensure_ascii=False, indent=2))


@scheduler.command()
def status() -> None:
    """Outbox counts per status, who holds the scheduler lease, and the dead letters."""
    from bot.db import session_scope
    from bot.scheduling import lease, outbox

    with session_scope() as session:
        held = lease.current(session=session, name="scheduler")
        click.echo(f"scheduler lease: {held.holder + ' until ' + held.expires_at.isoformat() if held else 'free'}")
        click.echo("outbox: " + json.dumps(outbox.counts(session=session)))
        for row in outbox.dead_letters(session=session, limit=20):
            click.echo(f"  dead #{row.id} {row.kind} → {row.recipient}: {row.dead_reason}")


@scheduler.command()
@click.argument("outbox_id", type=int)
def retry(outbox_id: int) -> None:
    """Send a dead letter again (after a person has checked it)."""
    from bot.db import session_scope
    from bot.scheduling.outbox import retry as do_retry

    with session_scope() as session:
        try:
            do_retry(session=session, outbox_id=outbox_id)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"outbox row {outbox_id} is pending again")


@scheduler.command()
@click.argument("job", type=click.Choice(["deadline_reminders", "escalations", "survey_fanout", "survey_followups",
                                          "morning_digest", "visit_reminders"]))
def run(job: str) -> None:
    """Run one job now (it only enqueues; the sender delivers)."""
    from bot.db import session_scope
    from bot.models import utcnow
    from bot.scheduling import jobs

    with session_scope() as session:
        click.echo(f"{job}: {getattr(jobs, job)(session=session, now=utcnow())}")


@scheduler.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8900, show_default=True, type=int)
@click.option("--fail-5xx", default=0.0, show_default=True, help="Share of message calls answered 503.")
@click.option("--token-ttl", default=7200, show_default=True, help="expires_in of issued tokens.")
@click.option("--outside-window", default="", help="Openids that get 45015, comma-separated.")
@click.option("--quota", default=None, type=int, help="Messages accepted before 45009.")
def standin(host: str, port: int, fail_5xx: float, token_ttl: int, outside_window: str, quota: int | None) -> None:
    """Run the local WeChat/WeCom API stand-in for the demo (point LINLI_WECHAT_API_BASE at it)."""
    import uvicorn

    from bot.scheduling.standin import Faults, StandInState, create_app

    faults = Faults(error_5xx_rate=fail_5xx, token_ttl=token_ttl, quota=quota,
                    openids_45015={o for o in outside_window.split(",") if o})
    base = f"http://{host}:{port}"
    click.echo("WeChat/WeCom API stand-in. Point Linli at it:")
    click.echo(f"  export LINLI_WECHAT_API_BASE={base} LINLI_WECOM_API_BASE={base} "
               f"LINLI_WECOM_WEBHOOK_BASE={base}/cgi-bin/webhook/send LINLI_WECHAT_DELIVERY_QUERY=true")
    click.echo(f"  what it received: {base}/standin/records")
    uvicorn.run(create_app(StandInState(faults)), host=host, port=port, log_level="warning")
