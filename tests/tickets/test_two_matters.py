"""One message, two matters (「居住证怎么办，还有楼下垃圾好几天没人收了」): the question is answered and the report
registered; read whole, the report was lost (the message was a question, and got a 居住证 menu)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.models import Conversation
from knowledge_base import service as kb
from knowledge_base.models import FaqEntry, UnansweredQuestion
from tests.tickets.test_dialogue import Chat

RESIDENCE = "受理后约15个工作日可领取"  # the demo answer to 居住证怎么办理？
AGED = "次月起按月发放到卡上"  # 高龄津贴怎么申请？
LOW_INCOME = "街道将进行入户调查和公示"  # 低保怎么申请？
LOW_INCOME_PAPERS = "家庭经济状况核对授权书"  # 申请低保需要什么材料？


@pytest.fixture
def chat(org, safe):
    kb.load_demo(org.session)
    return Chat(safe, org.session, user="oTwoMatters")


def _hits(org, question: str) -> int:
    org.session.expire_all()
    return org.session.execute(select(FaqEntry.hit_count).where(FaqEntry.question == question)).scalar_one()


def test_a_question_the_faq_knows_is_answered_and_the_report_beside_it_is_registered(org, chat):
    reply = chat.say("我想问下居住证怎么办，还有楼下垃圾好几天没人收了")
    answer, rest = reply.split("\n\n", 1)
    assert RESIDENCE in answer and "「楼下垃圾好几天没人收了」" in rest and "在哪里" in rest
    assert _hits(org, "居住证怎么办理？") == 1
    chat.say("5号楼")
    confirm = chat.say("跳过")
    assert "内容：楼下垃圾好几天没人收了\n" in confirm
    assert chat.say("确认").startswith("已记录")
    [t] = chat.tickets()
    assert (t.kind, t.text, t.category, t.building_id) == ("complaint", "楼下垃圾好几天没人收了", "垃圾分类与环境卫生",
                                                         org.building("5号楼").id)


def test_a_question_without_a_sure_answer_waits_until_the_report_is_filed(org, chat):
    first = chat.say("3号楼电梯又坏了，另外问一下居住证的事")
    assert "先为您登记「3号楼电梯又坏了」" in first and "您是想问" not in first and "照片" in first
    chat.say("跳过")
    filed = chat.say("确认")
    assert filed.startswith("已记录") and "关于您问的「问一下居住证的事」：\n您是想问：" in filed
    [t] = chat.tickets()
    assert (t.kind, t.text, t.category) == ("service_request", "3号楼电梯又坏了", "电梯")
    assert RESIDENCE in chat.say("1")  # the menu is open for the number, as after any menu


def test_dropping_the_report_still_answers_and_an_unknown_question_is_logged_for_staff(org, chat):
    asked = "请问社区有没有养宠物的登记规定"
    chat.say(f"楼道灯坏了好几天，另外{asked}")
    org.session.commit()
    assert org.session.execute(select(func.count()).select_from(UnansweredQuestion)).scalar_one() == 0
    dropped = chat.say("取消")
    assert "没有登记" in dropped and f"关于您问的「{asked}」" in dropped and "答不上来" in dropped
    assert chat.tickets() == []
    logged = org.session.execute(select(UnansweredQuestion.text)).scalars().all()
    assert logged == [asked]
    assert org.session.execute(select(Conversation.state)).scalar_one() is None


def test_two_questions_are_both_answered_each_under_its_own_question(org, chat):
    both = chat.say("低保怎么申请，还有高龄补贴怎么领")
    assert "关于您问的「低保怎么申请」：" in both and "关于您问的「高龄补贴怎么领」：" in both
    assert both.index(LOW_INCOME) < both.index(AGED)
    # the second part may follow up the first: 「要带什么材料」 is about 低保
    papers = chat.say("低保怎么申请，还有要带什么材料")
    assert LOW_INCOME in papers and LOW_INCOME_PAPERS in papers and "关于「申请低保需要什么材料？」" in papers
    # one sure answer and one menu: the answer first, the menu last (kept open for the number)
    menu = chat.say("高龄补贴怎么领，另外问一下居住证的事")
    assert menu.index(AGED) < menu.index("您是想问") and "2. 居住证丢了怎么补办？" in menu
    assert "补领免收工本费" in chat.say("2")
    assert chat.tickets() == []


@pytest.mark.parametrize("text", ["楼道灯坏了，还有电梯也坏了",  # two reports: one ticket, as before
                                  "你好，我还有个问题，居住证怎么办",  # 还有 inside a greeting, not two matters
                                  "另外，居住证怎么办"])
def test_what_is_not_two_matters_is_read_whole(org, chat, text):
    reply = chat.say(text)
    assert "另外，您说的" not in reply and "先为您登记" not in reply and "关于您问的" not in reply


def test_an_emergency_in_either_part_is_an_emergency(org, chat):
    reply = chat.say("居住证怎么办，还有楼道里有很大的煤气味")
    assert "119" in reply and RESIDENCE not in reply
    assert [t.kind for t in chat.tickets()] == ["emergency"]


def test_two_problems_for_two_handlers_in_one_message_are_two_tickets_at_the_same_place(org, chat):
    chat.say("3号楼电梯坏了，而且楼道灯也不亮")  # was one 电梯 ticket: the lamp was nobody's
    summary = chat.say("跳过")
    assert "第1件：3号楼电梯坏了" in summary and "第2件：楼道灯也不亮" in summary and "3号楼" in summary
    filed = chat.say("确认")
    assert filed.count("已记录") == 2 and "类别：电梯" in filed and "类别：路灯与公共设施" in filed
    tickets = chat.tickets()
    assert [(t.category, t.building_id) for t in tickets] == [("电梯", org.building("3号楼").id),
                                                            ("路灯与公共设施", org.building("3号楼").id)]
    assert tickets[0].sla == "utility" and tickets[1].sla == "ordinary"  # each with its own deadline


@pytest.mark.parametrize("said", ["楼上漏水，而且已经一个月了", "楼道灯坏了，还有楼梯口的灯也不亮"])
def test_more_about_one_problem_is_one_ticket(org, chat, said):
    chat.say(said)
    chat.say("5号楼")
    assert "第2件" not in chat.say("跳过")


def test_of_two_tickets_filed_together_the_one_named_by_number_is_withdrawn(org, chat):
    chat.say("3号楼电梯坏了，而且楼道灯也不亮")
    chat.say("跳过")
    chat.say("确认")
    lift, lamp = chat.tickets()
    assert f"编号 {lamp.number}" in chat.say("撤销")  # the latest, named, so the resident can tell
    chat.say("继续办理")
    assert f"编号 {lift.number}" in chat.say(f"撤销 {lift.number}")
    assert "已撤回" in chat.say("确认撤回")
    assert [t.status for t in chat.tickets()] == ["closed", "submitted"]


def test_rubbish_not_cleared_for_days_is_a_report_beside_the_question_asked_with_it(org, chat):
    reply = chat.say("垃圾站好几天没清了，另外问一下垃圾分类怎么分")  # the report was lost: a menu of the question
    assert "生活垃圾分为四类" in reply and "「垃圾站好几天没清了」，我来为您登记" in reply
