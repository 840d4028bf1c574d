"""Knowledge pages: FAQ create/edit/retire, import with progress, export, unanswered → entry; rules edit and 试一试."""

from __future__ import annotations

import shutil
import time

import pytest
from sqlmodel import Session

from knowledge_base import service as kb


@pytest.fixture
def faq(seeded):
    with Session(seeded) as s:
        kb.load_demo(s)
    return seeded


def test_edit_an_entry_and_the_matcher_answers_with_it(admin, faq):
    page = admin.get("/admin/faq/D001").text
    assert "居住证怎么办理" in page
    r = admin.post("/admin/faq/D001", {"question": "居住证怎么办理？", "answer": "新的答案：带身份证到社区服务站。",
                                       "status": "published"})
    assert r.status_code == 303
    with Session(faq) as s:
        match = kb.ask(s, "居住证怎么办理？")
        assert match.outcome == "answer" and "新的答案" in kb.reply_text(s, match)
    assert "v2" in admin.get("/admin/faq/D001").text


def test_create_and_retire(admin, faq):
    r = admin.post("/admin/faq/new", {"code": "T100", "question": "社区食堂几点开门？", "answer": "每天 11 点到 13 点。",
                                      "status": "published"})
    assert r.status_code == 303
    assert "社区食堂几点开门" in admin.get("/admin/faq?q=食堂").text
    admin.post("/admin/faq/T100/retire")
    with Session(faq) as s:
        assert kb.get_entry(s, code="T100").status == "retired"


def test_bad_entry_is_refused_and_the_text_kept(admin, faq):
    r = admin.post("/admin/faq/new", {"code": "T101", "question": "没有答案的问题", "answer": ""})
    assert r.status_code in (400, 422)


def test_unanswered_question_becomes_an_entry_in_two_clicks(admin, faq):
    with Session(faq) as s:
        kb.ask(s, "火星上能不能种土豆")
        s.commit()  # ask() leaves the commit to its caller
        row = kb.list_unanswered(s)[0]
    form = admin.get(f"/admin/faq/new?unanswered={row.id}").text  # click 1
    assert "火星上能不能种土豆" in form
    code = form.split('name="code" value="')[1].split('"')[0]
    r = admin.post("/admin/faq/new", {"unanswered_id": str(row.id), "code": code, "question": row.text,
                                      "answer": "这是演示：火星种植请咨询航天部门。", "status": "published"})  # click 2
    assert r.status_code == 303
    with Session(faq) as s:
        assert kb.get_entry(s, code=code).answer == "这是演示：火星种植请咨询航天部门。"
        assert kb.list_unanswered(s) == []


def _wait(admin, job_id: int) -> str:
    for _ in range(50):
        html = admin.get(f"/admin/jobs/{job_id}").text
        if "hx-trigger" not in html:
            return html
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_import_runs_in_the_background_with_progress(admin, faq):
    csv = "id,question,answer\nN1,垃圾分类怎么分？,分四类。\nN2,,缺问题\n" + "".join(
        f"N{i},问题{i}？,答案{i}\n" for i in range(3, 60))
    r = admin.client.post("/admin/faq/import", files={"file": ("faq.csv", csv.encode("utf-8-sig"), "text/csv")},
                          data={"csrf_token": admin.csrf})
    assert r.status_code == 200 and 'role="progressbar"' in r.text
    job_id = int(r.text.split('id="job-')[1].split('"')[0])
    html = _wait(admin, job_id)
    assert "完成" in html and "新增 58 条" in html and "第 3 行" in html


def test_export_offers_a_file(admin, faq):
    r = admin.post("/admin/faq/export", {"fmt": "csv"})
    job_id = int(r.text.split('id="job-')[1].split('"')[0])
    assert "下载" in _wait(admin, job_id)
    data = admin.get(f"/admin/jobs/{job_id}/download")
    assert data.status_code == 200 and "居住证" in data.content.decode("utf-8-sig")


def test_try_it_explains_the_classification(admin):
    r = admin.client.post("/admin/rules/try", data={"text": "小区路灯坏了"}, headers={"X-CSRF-Token": admin.csrf})
    assert r.status_code == 200 and "路灯" in r.text and "依据" in r.text and "置信度" in r.text


@pytest.fixture
def rules_copy(tmp_path, monkeypatch):
    import intents
    from intents.rules import PACKAGE_RULES_DIR

    target = tmp_path / "rules"
    shutil.copytree(PACKAGE_RULES_DIR, target)
    monkeypatch.setenv("LINLI_RULES_DIR", str(target))
    yield target
    monkeypatch.delenv("LINLI_RULES_DIR")
    intents.reload()


def test_packaged_rules_are_read_only(admin):
    page = admin.get("/admin/rules").text
    assert "只读" in page and "检查并保存" not in page


def test_bad_yaml_is_refused_and_nothing_is_lost(admin, rules_copy):
    before = (rules_copy / "taxonomy.yaml").read_text(encoding="utf-8")
    r = admin.post("/admin/rules/file/taxonomy.yaml", {"text": "departments: [unclosed\n"})
    assert r.status_code == 400 and "没有保存" in r.text and "departments: [unclosed" in r.text
    assert (rules_copy / "taxonomy.yaml").read_text(encoding="utf-8") == before


def test_a_valid_edit_is_saved_and_used(admin, rules_copy):
    import intents

    text = (rules_copy / "taxonomy.yaml").read_text(encoding="utf-8")
    text = text.replace("keywords: [路灯, 楼道灯", "keywords: [路灯, 萤火虫灯, 楼道灯", 1)
    assert "萤火虫灯" in text
    r = admin.post("/admin/rules/file/taxonomy.yaml", {"text": text})
    assert r.status_code == 200 and "已保存" in r.text
    assert (rules_copy / "taxonomy.yaml.bak").exists()
    assert intents.classify("萤火虫灯坏了").category == intents.classify("路灯坏了").category


def test_the_unanswered_page_says_when_a_resident_called_an_answer_wrong_and_links_the_entry(admin, faq):
    with Session(faq) as s:
        kb.create_entry(s, code="T200", question="居住证怎么办？", answer="这是演示：带身份证到社区登记。")
        kb.log_unanswered(s, text="居住证丢了能邮寄吗", channel="wechat", best_code="T200", reason="wrong")
        kb.log_unanswered(s, text="火星上能不能种土豆", channel="wechat")
        kb.log_unanswered(s, text="居住证怎么办？ 收费吗", channel="wechat", best_code="T200", reason="gap")
        s.commit()
    html = admin.get("/admin/faq/unanswered").text
    gap = html.split("居住证怎么办？ 收费吗")[1].split("</tr>")[0]  # a follow-up the entry does not answer
    assert "里没有写，请补充" in gap and 'href="/admin/faq/T200"' in gap
    wrong = html.split("居住证丢了能邮寄吗")[1].split("</tr>")[0]
    assert "居民说答错了" in wrong and 'href="/admin/faq/T200"' in wrong
    other = html.split("火星上能不能种土豆")[1].split("</tr>")[0]
    assert "没有找到答案" in other and "答错" not in other
