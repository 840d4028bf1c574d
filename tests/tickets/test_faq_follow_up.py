"""A question that only asks for a kind of answer (需要什么材料, 丢了怎么办) is read against the entry just answered."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.models import ChatMessage, Conversation
from knowledge_base import service as kb
from knowledge_base.models import UnansweredQuestion
from tests.tickets.test_dialogue import Chat

MATERIALS = "本人身份证原件、近期一寸白底照片"  # from the demo entry D002 (居住证办理需要哪些材料？)
REISSUE = "补领免收工本费"  # D004 (居住证丢了怎么补办？)


@pytest.fixture
def chat(org, safe):
    kb.load_demo(org.session)
    return Chat(safe, org.session, user="oFollowUp01")


def last_meta(org) -> dict:
    org.session.expire_all()
    row = org.session.execute(select(ChatMessage).where(ChatMessage.direction == "out")
                              .order_by(ChatMessage.id.desc())).scalars().first()
    return row.meta or {}


def test_a_follow_up_is_answered_from_the_sibling_entry_and_says_which_question_it_answers(org, chat):
    assert "居住证" in chat.say("居住证怎么办")
    materials = chat.say("需要什么材料")
    assert MATERIALS in materials and "关于「居住证办理需要哪些材料？」" in materials
    assert last_meta(org)["faq"] == "D002" and last_meta(org)["faq_follows"] == "D001"
    assert REISSUE in chat.say("丢了怎么补办")  # the topic is still 居住证
    # alone, with no answer before it, the same words name no service: the FAQ cannot tell which is meant
    stranger = Chat(chat.safe, org.session, user="oFollowUp02")
    assert MATERIALS not in stranger.say("需要什么材料")


def test_a_question_that_names_its_own_service_is_not_read_against_the_last_answer(org, chat):
    chat.say("居住证怎么办")
    low = chat.say("低保怎么申请")
    assert "低保" in low and "关于「" not in low and last_meta(org)["faq"] == "D005"
    assert "家庭收入证明" in chat.say("需要什么材料")  # now about 低保 (D006), not 居住证
    assert last_meta(org)["faq"] == "D006"


def test_the_topic_lapses_after_half_an_hour(org, chat):
    chat.say("居住证怎么办")
    conv = org.session.execute(select(Conversation).where(Conversation.user_id == "oFollowUp01")).scalar_one()
    topic = conv.data["faq_topic"]
    assert topic["code"] == "D001"
    earlier = datetime.fromisoformat(topic["at"]) - timedelta(minutes=31)
    conv.data = {**conv.data, "faq_topic": {**topic, "at": earlier.isoformat()}}
    assert MATERIALS not in chat.say("需要什么材料")
    assert "faq_follows" not in last_meta(org)


def test_a_menu_pick_becomes_the_topic(org, chat):
    menu = chat.say("低保")
    assert "您是想问" in menu
    lines = [line for line in menu.splitlines() if "低保怎么申请" in line]
    assert lines, menu
    chat.say(lines[0].strip()[0])  # the number in front of 「低保怎么申请？」
    assert "家庭收入证明" in chat.say("要带什么材料")


def test_a_follow_up_the_faq_cannot_answer_is_logged_with_its_topic_for_staff(org, chat):
    chat.say("公租房怎么申请")
    assert last_meta(org)["faq"] == "D060"
    assert "答不上来" in chat.say("需要什么材料")  # the demo FAQ has no entry on 公租房's materials
    logged = org.session.execute(select(UnansweredQuestion.text)).scalars().all()
    assert logged == ["公租房，需要什么材料"]  # what staff need to write the missing entry


def test_a_follow_up_to_a_menu_nobody_picked_from_is_read_against_the_question_the_menu_was_for(org, chat):
    assert "您是想问" in chat.say("我家老人80岁了有什么补贴")
    reply = chat.say("怎么申请")  # not a number: the menu is left, but the question it was for still counts
    assert "关于「高龄津贴怎么申请？」" in reply and last_meta(org)["faq"] == "D008"
    assert last_meta(org)["faq_follows"] == "我家老人80岁了有什么补贴"


def test_a_follow_up_the_classifier_is_unsure_of_goes_to_the_faq_not_to_a_clarifying_question(org, chat):
    chat.say("居住证怎么办")
    # alone 「要准备啥」 names no service (the FAQ cannot answer it); after the answer it is about 居住证
    assert MATERIALS in chat.say("要准备啥")
    stranger = Chat(chat.safe, org.session, user="oFollowUp03")
    assert MATERIALS not in stranger.say("要准备啥")


def _wrong_answers(org) -> list[UnansweredQuestion]:
    org.session.expire_all()
    return [u for u in org.session.execute(select(UnansweredQuestion)).scalars() if u.channel.endswith("|wrong")]


def test_a_resident_who_says_the_answer_missed_is_heard_and_staff_see_which_entry_answered(org, chat):
    assert "居住证" in chat.say("居住证怎么办")
    reply = chat.say("不对！")
    assert "没有答到您问的" in reply and "人工" in reply and last_meta(org)["faq_outcome"] == "answer_rejected"
    [row] = _wrong_answers(org)
    assert row.text == "居住证怎么办" and row.best_code == "D001"  # the resident's words and the entry that missed
    assert MATERIALS not in chat.say("需要什么材料")  # the rejected answer is no longer the topic
    # a menu pick that missed is logged with the question the menu was offered for
    menu = chat.say("低保")
    [line] = [line for line in menu.splitlines() if "低保怎么申请" in line]
    chat.say(line.strip()[0])
    chat.say("答非所问")
    assert {(u.text, u.best_code) for u in _wrong_answers(org)} == {("居住证怎么办", "D001"), ("低保", "D005")}


def test_a_bare_no_with_no_answer_just_before_it_is_not_taken_for_a_missed_answer(org, chat):
    assert "没有答到" not in chat.say("不对")  # nothing was answered
    chat.say("居住证怎么办")
    conv = org.session.execute(select(Conversation).where(Conversation.user_id == "oFollowUp01")).scalar_one()
    topic = conv.data["faq_topic"]
    conv.data = {**conv.data, "faq_topic": {**topic, "at": (datetime.fromisoformat(topic["at"])
                                                           - timedelta(minutes=31)).isoformat()}}
    assert "没有答到" not in chat.say("不对")  # half an hour later it answers something else
    assert "没有答到" not in chat.say("不对的地方请指出")  # more than the word itself
    assert _wrong_answers(org) == []


def test_whether_my_family_qualifies_and_how_to_collect_are_follow_ups(org, chat):
    """「那我家能不能申请」 asks for the conditions of what was just answered; 「怎么领」 after a menu about 失业 asks
    how to claim the benefit the menu offered. Both named no service and asked no kind of answer the matcher knew."""
    chat.say("低保标准是多少")
    qualifies = chat.say("那我家能不能申请")
    assert "关于「低保怎么申请？」" in qualifies
    assert last_meta(org)["faq_outcome"] == "answer" and last_meta(org)["faq"] == "D005"
    assert "您是想问" in chat.say("失业了能领什么")
    claim = chat.say("怎么领")
    assert "失业保险金" in claim and last_meta(org)["faq_outcome"] == "menu_words"  # 怎么领 picks it from the menu


def test_a_follow_up_whose_only_candidate_is_the_entry_just_answered_gets_it_again_not_a_menu_of_one(org, chat):
    assert "老年学校" in chat.say("有没有老年大学")
    again = chat.say("怎么报名")  # the demo FAQ has nothing more on it: the answer again, named, not 「您是想问：1.」
    assert again.startswith("关于「") and "老年学校" in again and "您是想问" not in again
    assert last_meta(org)["faq_outcome"] == "answer"


def test_a_follow_up_menu_of_the_entry_just_answered_and_an_unsaid_situation_is_that_answer_again(org, chat):
    """「需要带什么」 after 老年卡怎么办 offered it and 「老年卡丢了怎么补办？」: nobody said the card was lost."""
    assert "老年优待卡" in chat.say("老年卡在哪里办")
    code = last_meta(org)["faq"]
    again = chat.say("需要带什么")
    assert again.startswith("关于「老年卡怎么办？」") and "您是想问" not in again
    assert last_meta(org)["faq"] == code and last_meta(org)["faq_outcome"] == "answer"
    lost = chat.say("丢了怎么办")  # said lost: the other entry
    assert "补办" in lost and "挂失" in lost


def test_a_menu_of_one_is_asked_as_a_yes_or_no_question(org, chat):
    # the demo FAQ has 残疾证怎么办理 but nothing on renewing: one candidate, not a list 「1.」 of one
    asked = chat.say("残疾证到期了怎么换")
    assert asked.startswith("您是想问「残疾证怎么办理？」吗？") and "1." not in asked
    answer = chat.say("是的")
    assert "评残" in answer and last_meta(org)["faq"] == "D034"
    chat.say("残疾证到期了怎么换")
    assert "评残" not in chat.say("不是") and last_meta(org)["faq_outcome"] == "menu_rejected"


def test_how_long_until_i_get_it_follows_up_the_answer_just_given(org, chat):
    # 拿到/领到 name no service: the question is about the 老年卡 just answered, whose answer says how long
    chat.say("老年卡怎么办")
    again = chat.say("要多久能拿到")
    assert again.startswith("关于「老年卡怎么办？」") and "约一个月" in again
    chat.say("残疾证怎么办理")
    assert "约20个工作日" in chat.say("多久能领到")  # (「什么时候能领到」 is as often 发放, when money is paid)


def test_a_menu_is_answered_by_the_kind_of_answer_asked_for_as_well_as_by_number(org, chat):
    assert "您是想问" in chat.say("我妈今年82了，能领高龄补贴吗")
    picked = chat.say("一个月多少钱")
    assert picked.startswith("关于「高龄津贴每月发多少钱？」") and last_meta(org)["faq_outcome"] == "menu_words"
    assert "您是想问" in chat.say("我妈今年82了，能领高龄补贴吗")
    # neither question is about papers, but only the answer on applying lists them (身份证、户口簿)
    papers = chat.say("要带什么")
    assert papers.startswith("关于「高龄津贴怎么申请？」") and "户口簿" in papers


def test_papers_asked_after_the_amount_are_read_off_the_answer_on_applying_for_the_same_subsidy(org, chat):
    chat.say("我妈今年82了，能领高龄补贴吗")
    assert chat.say("一个月多少钱").startswith("关于「高龄津贴每月发多少钱？」")
    papers = chat.say("要带什么")  # 高龄津贴每月 is the same 高龄津贴: this was the menu again
    assert papers.startswith("关于「高龄津贴怎么申请？」") and "户口簿" in papers


def test_how_long_after_the_papers_is_the_entry_on_the_same_service_whose_answer_says_how_long(org, chat):
    chat.say("居住证需要什么材料")
    assert MATERIALS in chat.say("居住证需要什么材料")
    how_long = chat.say("多久能拿到")  # 「居住证明在哪里开？」 (当场办结) is another service, and was in the menu
    assert how_long.startswith("关于「居住证怎么办理？」") and "15个工作日" in how_long and "您是想问" not in how_long


def test_a_follow_up_the_answer_just_given_does_not_cover_is_told_as_not_known_and_logged_for_staff(org, chat):
    chat.say("老年卡怎么办")
    fee = chat.say("收费吗")
    assert "没有写收不收费" in fee and "工作人员补充" in fee and "约一个月" not in fee
    assert last_meta(org)["faq_outcome"] == "gap"
    org.session.expire_all()
    [row] = org.session.execute(select(UnansweredQuestion)).scalars().all()
    assert row.best_code == last_meta(org)["faq"] and row.channel.endswith("|gap") and "收费吗" in row.text
    assert "约一个月" in chat.say("要多久")  # what the answer does say is said again, named


def test_a_menu_of_one_whose_answer_says_what_was_asked_about_the_service_named_is_the_answer(org, chat):
    # 「您是想问「残疾证怎么办理？」吗？」 only delayed 「约20个工作日领证」
    reply = chat.say("残疾证要多久")
    assert reply.startswith("关于「残疾证怎么办理？」") and "约20个工作日" in reply
    assert last_meta(org)["faq_outcome"] == "answer"
    # renewal is not what that answer says: still asked
    assert chat.say("残疾证到期了怎么换").startswith("您是想问「残疾证怎么办理？」吗？")


def test_the_conditions_named_as_a_noun_are_a_question(org, chat):
    assert "您是想咨询政策" not in chat.say("公租房申请条件")


def test_a_question_about_the_request_being_filed_is_answered_and_the_request_kept(org, chat):
    assert "请确认要登记的事项" in chat.say("我想申请低保")
    papers = chat.say("需要什么材料")  # it was 「暂时答不上来」, and the request was left unfiled
    assert "家庭经济状况核对授权书" in papers and "请确认要登记的事项" in papers and "还没有登记" not in papers
    assert "已记录" in chat.say("确认")
    assert [t.category for t in chat.tickets()] == ["低保救助"]
