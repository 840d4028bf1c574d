"""The one scheduler, the outbox sender, the WeChat/WeCom clients and the scheduled jobs (surveys, 督办, digests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.scheduling.runner import Runner


def start_in_process(settings: "Settings") -> "Runner":
    """Start the scheduler and the sender in this process (they run only while this process holds the lease)."""
    from bot.scheduling.runner import Runner

    runner = Runner(settings)
    runner.start()
    return runner


__all__ = ["start_in_process"]
