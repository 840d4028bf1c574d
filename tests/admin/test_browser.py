"""The admin page in headless Chromium against the real app served by uvicorn; saves docs/screenshots/*.png."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from bot.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 860}
PHONE = {"width": 390, "height": 844}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        yield b
        b.close()


@pytest.fixture
def live(settings, seeded):
    """The whole app (gateway + admin + web chat) on a free port, with demo FAQ and invented activity."""
    import uvicorn

    from bot.gateway import create_app
    from knowledge_base import service as kb
    from tests.admin import demo_activity

    with Session(seeded) as s:
        kb.load_demo(s)
    numbers = demo_activity.create(seeded)
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=_free_port(),
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    base = f"http://127.0.0.1:{server.config.port}"
    yield base, numbers
    server.should_exit = True
    thread.join(10)


def page_for(browser, base: str, viewport=LAPTOP):
    context = browser.new_context(viewport=viewport, base_url=base, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10000)
    return page


def login(page, username: str, password: str = DEMO_PASSWORD, shot: str | None = None):
    page.goto("/admin/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    if shot:
        page.screenshot(path=str(SHOTS / shot))
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def shot(page, name: str, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=full)


def test_escalated_chat_from_web_chat_to_staff_and_back(browser, live):
    base, _ = live
    SHOTS.mkdir(parents=True, exist_ok=True)
    staff = page_for(browser, base)
    login(staff, "grid1", shot="login.png")
    staff.goto("/admin/inbox")
    resident = page_for(browser, base, PHONE)
    resident.goto("/chat")
    resident.fill("#text", "人工")
    resident.click("text=发送")
    resident.wait_for_selector(".msg.bot")
    # the waiting chat shows up in the inbox without a reload (HTMX polling)
    staff.wait_for_selector("#inbox-list a:has-text('web-')", timeout=15000)
    shot(staff, "inbox.png")
    staff.click("#inbox-list a:has-text('web-')")
    staff.click("text=接待这个对话")
    staff.click(".chip:has-text('您好')")
    staff.fill("#reply-text", "您好，我是和平一网格的网格员，请问有什么可以帮您？")
    staff.click("text=发送回复")
    staff.wait_for_selector(".msg.staff")
    shot(staff, "conversation.png")
    resident.wait_for_selector(".msg.staff:has-text('网格员')", timeout=15000)
    assert "接待" in resident.inner_text("#mode") or "人工" in resident.inner_text("#mode")
    shot(resident, "webchat-phone.png", full=False)
    # WeChat chats go out through the outbox
    staff.goto("/admin/inbox")
    staff.click("#inbox-list a:has-text('oDemoWechat')")
    assert "置信度" in staff.inner_text(".evidence summary")
    staff.fill("#reply-text", "低保续办请带身份证到社区服务站。")
    staff.click("text=发送回复")
    staff.wait_for_selector("text=发送记录")
    assert "pending" in staff.inner_text("table")


def test_dispatch_resolve_and_grid_scope(browser, live):
    base, numbers = live
    admin = page_for(browser, base)
    login(admin, "admin")
    admin.wait_for_selector("svg.chart")
    shot(admin, "dashboard.png")
    admin.goto("/admin/tickets")
    shot(admin, "tickets.png")
    admin.goto(f"/admin/tickets/{numbers['fresh']}")
    admin.click("button:has-text('初审通过')")
    admin.wait_for_selector("text=操作成功")
    admin.select_option("form[action$='/dispatch'] select[name=handler_id]", label="和平一网格网格员（网格员）")
    admin.click("form[action$='/dispatch'] button")
    admin.wait_for_selector("text=操作成功")
    assert "派单" in admin.inner_text(".timeline")

    worker = page_for(browser, base)
    login(worker, "grid1")
    worker.goto(f"/admin/tickets/{numbers['fresh']}")
    worker.click("button:has-text('接单')")
    worker.fill("form[action$='/resolve'] textarea", "已更换路灯灯泡，晚上已经亮了")
    worker.click("form[action$='/resolve'] button")
    worker.wait_for_selector("text=操作成功")
    assert "办结" in worker.inner_text("h1")
    shot(worker, "ticket-detail.png")
    response = worker.goto(f"/admin/tickets/{numbers['other_grid']}")
    assert response.status == 403 and "无权访问" in worker.inner_text("main")
    shot(worker, "forbidden-403.png", full=False)
    phone = page_for(browser, base, PHONE)
    login(phone, "admin")
    shot(phone, "dashboard-phone.png", full=False)
    phone.goto("/admin/tickets?queue=review")
    shot(phone, "tickets-phone.png", full=False)


def test_a_grid_worker_records_a_phone_survey_and_an_unsatisfied_answer_reopens_the_ticket(browser, live):
    base, numbers = live
    worker = page_for(browser, base)
    login(worker, "grid1")
    worker.goto("/admin/phone-tasks")
    card = f"section.card:has-text('{numbers['phone']}')"
    worker.wait_for_selector(card)
    assert "72 小时" in worker.inner_text(card)
    shot(worker, "phone-tasks.png")
    worker.check(f"{card} input[name=outcome][value=reached]")
    worker.check(f"{card} input[name=resolved][value=no]")
    worker.check(f"{card} input[name=satisfaction][value='1']")
    worker.fill(f"{card} textarea[name=note]", "居民说器材还是晃，孩子不敢玩")
    worker.click(f"{card} button:has-text('保存')")
    worker.wait_for_selector(".alert.ok")
    assert "重新" in worker.inner_text(".alert.ok") or "派单" in worker.inner_text(".alert.ok")
    assert worker.query_selector(card) is None  # done: the task has left the list
    worker.goto(f"/admin/tickets/{numbers['phone']}")
    assert "电话回访" in worker.inner_text(".timeline") and "重新" in worker.inner_text(".timeline")


def test_faq_edit_is_used_by_the_bot(browser, live):
    base, _ = live
    admin = page_for(browser, base)
    login(admin, "admin")
    admin.goto("/admin/faq")
    shot(admin, "faq.png")
    admin.click("a:has-text('D001')")
    admin.fill("textarea[name=answer]", "（已更新）居住证请带身份证到社区服务站办理，当场受理。")
    admin.click("button:has-text('保存')")
    admin.wait_for_selector("text=已保存 D001")
    r = httpx.post(f"{base}/api/messages", json={"user": "web-faq-check-1", "text": "居住证怎么办理？"})
    assert r.status_code == 200, r.text
    assert "（已更新）" in (r.json()["reply"] or ""), r.text


def test_rules_try_it_and_organisation_pages(browser, live):
    base, _ = live
    admin = page_for(browser, base)
    login(admin, "admin")
    admin.goto("/admin/rules")
    admin.fill("input[name=text]", "楼道里有很浓的煤气味")
    admin.click("text=看看怎么分类")
    admin.wait_for_selector("#try-result .stat")
    assert "紧急" in admin.inner_text("#try-result")
    shot(admin, "rules-try.png", full=False)
    admin.goto("/admin/org/grids/1")
    admin.fill("input[name=households]", "520")
    admin.fill("input[name=robot_key]", "demo-robot-key-0000-7a3f")
    admin.click("form[action='/admin/org/grids/1'] button")
    admin.wait_for_selector("text=建议拆分网格")
    assert "demo-robot-key" not in admin.content() and "••••7a3f" in admin.content()
    for url, name in (("/admin/org", "org-grids.png"), ("/admin/org/staff", "org-staff.png"),
                      ("/admin/org/care", "org-care.png"), ("/admin/audit", "audit.png")):
        admin.goto(url)
        shot(admin, name)
    chat = page_for(browser, base)
    chat.goto("/chat")
    chat.fill("#text", "3号楼门口的路灯坏了，晚上很黑")
    chat.click("text=发送")
    chat.wait_for_selector(".msg.bot")
    shot(chat, "webchat.png", full=False)
    admin.goto("/admin/org")
    assert "••••7a3f" in admin.inner_text("table") and "超过 500" in admin.inner_text("table")
