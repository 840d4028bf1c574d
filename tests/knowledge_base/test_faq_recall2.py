"""Mechanisms of branch faq-recall-2, on the official-style synthetic FAQ (seed 11) where the cases were found."""

from datetime import date
from functools import lru_cache

from knowledge_base import evaluate
from knowledge_base.matcher import ANSWER, FaqDoc, FaqIndex, sound

TODAY = date(2026, 6, 1)


@lru_cache(maxsize=1)
def official():
    faq = evaluate.official_faq(2000, seed=11)
    held = {d.code for d, _ in faq[::10]}
    index = FaqIndex.build([d for d, _ in faq if d.code not in held])
    return index, {d.question: d.code for d, _ in faq}


def answered(text):
    index, _ = official()
    m = index.match(text, today=TODAY)
    return index.get(m.code).question if m.outcome == ANSWER else None


def test_a_comma_ends_a_name_so_two_clauses_are_not_fused_into_another_service():
    index, _ = official()
    assert sound("事低保") not in index._fused_clauses("我想咨询个事，低保有依据吗")
    assert sound("事低保") in index._fused_words("个事低保有依据吗")  # what the whole normalised text gave
    known, *_ = index._query_subject("我想咨询个事，低保有依据吗")
    assert set(known) <= set(index._query_subject("低保有依据吗")[0])
    # it was answered with the entry of another service that also holds 低保
    assert answered("你好我想咨询个事，低保有文件依据吗，多谢") != "城市低保边缘家庭认定的政策依据是什么？"


def test_an_unrecognised_situation_is_not_a_question_about_how_to_apply():
    index, _ = official()
    assert index._situation("生育登记申请被打回来了咋弄")  # 打回来: no entry has these sounds
    assert not index._situation("想办那个新生儿落户咋弄")
    assert not index._situation("我妈今年78了，想办那个新生儿落户咋弄")  # the persona clause asks nothing
    assert answered("生育登记申请被打回来了咋弄") is None
    assert answered("想办那个新生儿落户咋弄") == "本区常住人员如何申请新生儿落户？"


def test_returned_applications_read_as_not_passed():
    assert answered("新生儿落户申请被退回来了咋弄") == "新生儿落户申请未通过审核怎么办？"


def test_an_entry_answering_more_than_asked_does_not_win_by_lead_over_one_answering_just_that():
    docs = [FaqDoc("A", "水电费缴纳能否委托他人代为办理？"), FaqDoc("B", "申请水电费缴纳要交费吗？"),
            FaqDoc("C", "水电费缴纳的咨询电话是多少？"), FaqDoc("D", "居住证在哪里办理？"), FaqDoc("E", "低保的标准是多少？")]
    index = FaqIndex.build(docs)
    m = index.match("水电费缴纳可以用手机办吗", today=TODAY)
    assert m.code != "A"
    # the guard needs an entry with exactly the asked aspects; alone, the entry still answers its own question
    alone = FaqIndex.build([d for d in docs if d.code != "B"])
    assert alone.match("水电费缴纳能否委托他人代为办理", today=TODAY).code == "A"
