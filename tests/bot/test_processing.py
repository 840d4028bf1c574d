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


def outcome(job):
    exc = job.future.exception()
    return type(exc).__name__ if exc else job.future.result().text


def test_a_retry_inside_the_same_batch_has_one_effect_and_the_same_reply(db_url):
    handler = Counting()
    processor = Processor(engine=make_engine(db_url), dialogue=Dialogue([[handler]]))
    jobs = processor.process_batch([(inbound("77"), "t1:n1:s1"), (inbound("78"), "t2:n2:s2"), (inbound("77"), "t3:n3:s3")])
    assert [outcome(j) for j in jobs] == ["第1次", "第2次", "第1次"] and handler.calls == 2
    # and a later batch with the same message again gets the stored reply, without running the dialogue
    [again] = processor.process_batch([(inbound("77"), "t4:n4:s4")])
    assert outcome(again) == "第1次" and handler.calls == 2
    processor.engine.dispose()


def test_a_signature_replayed_with_another_message_in_the_same_batch_is_refused_and_leaves_no_trace(db_url):
    handler = Counting()
    processor = Processor(engine=make_engine(db_url), dialogue=Dialogue([[handler]]))
    jobs = processor.process_batch([(inbound("501"), "t:n:s"), (inbound("502"), "t:n:s"), (inbound("501"), "t:n:s")])
    assert [outcome(j) for j in jobs] == ["第1次", "Replayed", "第1次"] and handler.calls == 1
    [later] = processor.process_batch([(inbound("503"), "t:n:s")])  # the nonce is on record from now on
    assert outcome(later) == "Replayed"
    with processor.engine.connect() as conn:
        keys = conn.execute(select(ProcessedMessage.dedupe_key)).scalars().all()
    assert keys == ["wechat:gh:m:501"]
    processor.engine.dispose()


def test_a_conversation_carries_its_state_from_one_message_to_the_next_inside_a_batch(db_url):
    class Remember:
        name = "remember"

        def check(self, turn):
            return True

        def handle(self, turn, match):
            before = (turn.conversation.data or {}).get("said", [])
            turn.conversation.data = {**(turn.conversation.data or {}), "said": before + [turn.text]}
            return Reply(text="|".join(before + [turn.text]))

    processor = Processor(engine=make_engine(db_url), dialogue=Dialogue([[Remember()]]))
    items = [(Inbound(channel="wechat", user_id=u, msg_type="text", text=t, msg_id=f"{u}{i}", account="gh",
                      create_time=1), None) for i, (u, t) in enumerate([("oA", "一"), ("oB", "甲"), ("oA", "二"), ("oA", "三")])]
    jobs = processor.process_batch(items)
    assert [outcome(j) for j in jobs] == ["一", "甲", "一|二", "一|二|三"]
    [nxt] = processor.process_batch([(Inbound(channel="wechat", user_id="oA", msg_type="text", text="四", msg_id="oA9",
                                              account="gh", create_time=1), None)])
    assert outcome(nxt) == "一|二|三|四"
    processor.engine.dispose()


def test_after_a_failure_the_batch_runs_message_by_message_with_the_same_guarantees(db_url):
    class Picky(Counting):
        def handle(self, turn, match):
            if turn.text == "boom":
                raise RuntimeError("handler bug")
            return super().handle(turn, match)

    handler = Picky()
    processor = Processor(engine=make_engine(db_url), dialogue=Dialogue([[handler]]))

    def msg(msg_id, text):
        return Inbound(channel="wechat", user_id="oIso", msg_type="text", text=text, msg_id=msg_id, account="gh",
                       create_time=1)

    jobs = processor.process_batch([(msg("1", "a"), "t:n1:s"), (msg("2", "boom"), "t:n2:s"), (msg("1", "a"), "t:n3:s"),
                                    (msg("3", "c"), "t:n1:s")])
    # the fast pass ran "a" once and failed on "boom"; the isolated pass ran "a" again from scratch (the first
    # pass was rolled back), gave its retry the same reply, and still refused the reused signature
    assert [outcome(j) for j in jobs] == ["第2次", "RuntimeError", "第2次", "Replayed"]
    with processor.engine.connect() as conn:
        keys = sorted(conn.execute(select(ProcessedMessage.dedupe_key)).scalars())
    assert keys == ["wechat:gh:m:1"]
    processor.engine.dispose()


class Hitting:
    """Counts a FAQ hit for the entry code in the text; 「H1:boom」 fails after counting its hit."""

    name = "hitting"

    def check(self, turn):
        return True

    def handle(self, turn, match):
        from knowledge_base import service

        code, _, fail = turn.text.partition(":")
        service.record_hit(turn.session, code=code)
        if fail:
            raise RuntimeError("failed after the hit")
        return Reply(text="ok")


def _hits(engine) -> dict[str, int]:
    from knowledge_base.models import FaqEntry

    with engine.connect() as conn:
        return dict(conn.execute(select(FaqEntry.code, FaqEntry.hit_count)).all())


def _faq_entries(engine, *codes: str) -> None:
    from sqlmodel import Session

    from knowledge_base import service

    with Session(engine) as session:
        for code in codes:
            service.create_entry(session, code=code, question=f"问题{code}？", answer="答案。")


def test_faq_hits_written_once_per_batch_add_up_and_a_failed_message_counts_none(db_url):
    engine = make_engine(db_url)
    _faq_entries(engine, "H1", "H2", "H3")
    processor = Processor(engine=engine, dialogue=Dialogue([[Hitting()]]))

    def batch(prefix: str, texts: list[str]):
        return processor.process_batch([(Inbound(channel="web", user_id=f"u{i}", msg_type="text", text=t,
                                                 msg_id=f"{prefix}{i}"), None) for i, t in enumerate(texts)])

    first = batch("a", ["H1", "H2", "H1", "H1:boom", "H2", "H1"])
    assert [outcome(j) for j in first] == ["ok", "ok", "ok", "RuntimeError", "ok", "ok"]
    assert _hits(engine) == {"H1": 3, "H2": 2, "H3": 0}  # the failed message's hit went with it
    batch("b", ["H2", "H3", "H2"])
    batch("a", ["H1", "H2"])  # retries of delivered messages: same reply, no second hit
    assert _hits(engine) == {"H1": 3, "H2": 4, "H3": 1}
    from knowledge_base.models import FaqEntry

    with engine.connect() as conn:
        assert None not in conn.execute(select(FaqEntry.last_hit_at).where(FaqEntry.hit_count > 0)).scalars().all()
    engine.dispose()


def test_faq_hits_from_two_processes_at_once_are_all_counted(db_url):
    seed = make_engine(db_url)
    _faq_entries(seed, "H1", "H2")
    processors = [Processor(engine=make_engine(db_url), dialogue=Dialogue([[Hitting()]])) for _ in range(2)]
    barrier = threading.Barrier(2)

    def deliver(n: int) -> None:
        barrier.wait()
        for b in range(5):
            processors[n].process_batch([(Inbound(channel="web", user_id=f"p{n}u{i}", msg_type="text",
                                                  text=("H1", "H2")[(i + n) % 2], msg_id=f"p{n}b{b}m{i}"), None)
                                         for i in range(8)])

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _hits(seed) == {"H1": 40, "H2": 40}
    for p in processors:
        p.engine.dispose()
    seed.dispose()


def test_conversations_changed_in_a_batch_are_written_back_column_by_column(db_url):
    from sqlmodel import Session

    from bot.models import Conversation

    class Flow:
        name = "flow"

        def check(self, turn):
            return True

        def handle(self, turn, match):
            if turn.text == "开始":
                turn.set_state("asking", step=1)
            elif turn.text == "转人工":
                turn.conversation.handoff, turn.conversation.handoff_reason = "waiting", "居民要求"
            elif turn.text == "照旧":
                turn.conversation.data = dict(turn.conversation.data or {})  # equal value: nothing to write
            return Reply(text="好")

    engine = make_engine(db_url)
    processor = Processor(engine=engine, dialogue=Dialogue([[Flow()]]))

    def batch(*pairs):
        return processor.process_batch([(Inbound(channel="wechat", user_id=u, msg_type="text", text=t,
                                                 msg_id=f"{u}-{t}-{n}", account="gh", create_time=1), None)
                                        for n, (u, t) in enumerate(pairs)])

    def rows():
        with Session(engine) as s:
            return {c.user_id: c for c in s.exec(select(Conversation)).scalars()}

    batch(("oA", "开始"), ("oB", "转人工"), ("oC", "你好"), ("oA", "照旧"))
    got = rows()
    assert (got["oA"].state, got["oA"].data) == ("asking", {"flow": {"step": 1}})
    assert (got["oB"].state, got["oB"].handoff, got["oB"].handoff_reason) == (None, "waiting", "居民要求")
    assert got["oC"].last_inbound_at is not None and got["oC"].data == {}
    with Session(engine) as s:  # staff claim oB between two batches: a batch that does not touch it keeps it
        claimed = s.get(Conversation, got["oB"].id)
        claimed.handoff, claimed.assignee_id = "claimed", 7
        s.add(claimed)
        s.commit()
    batch(("oB", "你好"), ("oA", "照旧"))
    again = rows()
    assert (again["oB"].handoff, again["oB"].assignee_id, again["oB"].handoff_reason) == ("claimed", 7, "居民要求")
    assert again["oB"].updated_at > got["oB"].updated_at
    assert (again["oA"].state, again["oA"].data) == ("asking", {"flow": {"step": 1}})
    engine.dispose()
