"""The processor: one effect per message even when retries race in several worker processes."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from bot.db import make_engine
from bot.dialogue import Dialogue
from bot.inbound import Inbound, Reply
from bot.models import ChatMessage, ProcessedMessage
from bot.processing import Processor


class Counting:
    """Counts how often the dialogue really ran (a second run would be a second effect)."""

    name = "counting"

    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def check(self, turn):
        return True

    def handle(self, turn, match):
        with self.lock:
            self.calls += 1
        return Reply(text=f"第{self.calls}次")


def inbound(msg_id: str) -> Inbound:
    return Inbound(channel="wechat", user_id="oRace", msg_type="text", text="楼道灯坏了", msg_id=msg_id,
                   account="gh", create_time=1)


def test_concurrent_deliveries_to_separate_processes_have_one_effect_and_one_reply(db_url):
    handler = Counting()
    # two processors with their own engines stand for two worker processes sharing the database
    processors = [Processor(engine=make_engine(db_url), dialogue=Dialogue([[handler]])) for _ in range(2)]
    replies: list[str] = []
    barrier = threading.Barrier(8)

    def deliver(i: int) -> None:
        barrier.wait()
        replies.append(processors[i % 2].process_now(inbound("424242")).text)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert handler.calls == 1
    assert replies == ["第1次"] * 8
    engine = processors[0].engine
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ProcessedMessage)).scalar() == 1
    for p in processors:
        p.engine.dispose()


def test_a_failing_message_does_not_spoil_the_rest_of_its_batch(db_url):
    class Picky:
        name = "picky"

        def check(self, turn):
            return True

        def handle(self, turn, match):
            if turn.text == "boom":
                raise RuntimeError("handler bug")
            return Reply(text="ok:" + turn.text)

    engine = make_engine(db_url)
    processor = Processor(engine=engine, dialogue=Dialogue([[Picky()]]))
    processor.start()
    jobs = [processor.submit(Inbound(channel="web", user_id=f"u{i}", msg_type="text", text=t, msg_id=str(i)))
            for i, t in enumerate(["a", "boom", "c"])]
    results = []
    for job in jobs:
        try:
            results.append(job.future.result(timeout=10).text)
        except RuntimeError as exc:
            results.append(str(exc))
    processor.stop()
    assert results == ["ok:a", "handler bug", "ok:c"]
    with engine.connect() as conn:
        done = conn.execute(select(ProcessedMessage.dedupe_key)).scalars().all()
        logged = conn.execute(select(ChatMessage.text).where(ChatMessage.direction == "in")).scalars().all()
    # the failed message left no trace, so WeChat's retry of it will be processed afresh
    assert len(done) == 2 and sorted(logged) == ["a", "c"]
    engine.dispose()
