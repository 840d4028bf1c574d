"""Group robots: masking at send time, the grid's own key, 20 a minute and a digest instead of a flood."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Outbox
from bot.org.models import Community, Grid, Resident, Street
from bot.outbox import enqueue
from bot.scheduling.robots import mask_text
from tests.scheduling.conftest import drain


def make_grid(session, code="G01", key="g01-key"):
    street = Street(code="S", name="街道")
    session.add(street)
    session.flush()
    community = Community(code="C", name="社区", street_id=street.id)
    session.add(community)
    session.flush()
    grid = Grid(code=code, name="一网格", community_id=community.id, robot_key=key)
    session.add(grid)
    session.flush()
    return grid


def test_mask_names_phones_and_id_numbers():
    text = "王桂兰（13812345678，身份证110101194501011234）需要走访"
    assert mask_text(text, ["王桂兰"]) == "王**（138****5678，身份证110101********1234）需要走访"


def test_posts_go_to_the_grid_robot_masked(session, sender, standin):
    grid = make_grid(session)
    session.add(Resident(openid="o1", name="王桂兰", phone="13812345678", grid_id=grid.id))
    enqueue(session=session, key="visit:1", kind="robot", recipient=f"grid:{grid.id}",
            payload={"msgtype": "text", "text": "请走访王桂兰，电话13812345678"})
    enqueue(session=session, key="md", kind="robot", recipient=f"grid:{grid.id}",
            payload={"msgtype": "markdown", "markdown": "**督办** 李四 13900001111", "mask": ["李四"]})
    session.commit()
    drain(sender)
    contents = sorted(r["body"].get("text", r["body"].get("markdown"))["content"] for r in standin.state.records)
    assert contents == ["**督办** 李* 139****1111", "请走访王**，电话138****5678"]
    assert {r["to"] for r in standin.state.records} == {"g01-key"}


def test_a_grid_without_a_robot_key_is_a_dead_letter(session, sender, standin):
    grid = make_grid(session, key=None)
    enqueue(session=session, key="x", kind="robot", recipient=f"grid:{grid.id}", payload={"msgtype": "text", "text": "x"})
    session.commit()
    drain(sender)
    session.expire_all()
    row = session.execute(select(Outbox)).scalar_one()
    assert row.status == "dead" and "no robot webhook key" in row.dead_reason
    session.commit()


def test_more_than_twenty_a_minute_become_one_digest(session, sender, standin):
    grid = make_grid(session)
    for i in range(50):
        enqueue(session=session, key=f"n{i}", kind="robot", recipient=f"grid:{grid.id}",
                payload={"msgtype": "text", "text": f"第{i}条通知"})
    session.commit()
    drain(sender)
    posts = standin.state.records
    assert len(posts) == 1 and posts[0]["body"]["msgtype"] == "markdown"
    assert "50 条" in posts[0]["body"]["markdown"]["content"] and "第49条通知" in posts[0]["body"]["markdown"]["content"]
    session.expire_all()
    statuses = {r.status for r in session.execute(select(Outbox)).scalars()}
    assert statuses == {"sent"}
    session.commit()


def test_the_rate_is_counted_per_minute_across_batches(session, engine, db_url, standin):
    from bot.scheduling.sender import Sender
    from tests.scheduling.conftest import settings_for

    s = Sender(engine=engine, settings=settings_for(db_url, standin), threads=2, batch=15)
    grid = make_grid(session)
    for i in range(30):
        enqueue(session=session, key=f"n{i}", kind="robot", recipient=f"grid:{grid.id}",
                payload={"msgtype": "text", "text": f"第{i}条"})
    session.commit()
    drain(s)
    posts = standin.state.records
    # 15 single posts, then 15 more do not fit in the 5 left: one digest of 15
    assert len(posts) == 16 and "15 条" in posts[-1]["body"]["markdown"]["content"]
    assert standin.state.errors.get("45009") is None
