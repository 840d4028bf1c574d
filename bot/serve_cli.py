"""`linli serve`, `linli demo` and `linli db upgrade`: run the gateway and prepare the database."""

from __future__ import annotations

import click

from bot.config import get_settings
from bot.db import session_scope, upgrade


def _banner(host: str, port: int) -> None:
    s = get_settings()
    base = f"http://{host}:{port}"
    click.echo(f"Linli 邻里 — database: {s.database_url}")
    click.echo(f"  WeChat callback (公众号服务器地址): {base}/wechat   token: {s.wechat_token}")
    click.echo(f"  WeCom callback (企业微信接收消息):   {base}/wecom")
    click.echo(f"  JSON channel:                     {base}/api/messages")
    click.echo(f"  Admin page (工作台):               {base}/admin")
    click.echo(f"  Web chat (居民体验):               {base}/chat")
    click.echo("  Try it as a resident:             linli chat --url " + base)


def run_server(host: str, port: int, workers: int) -> None:
    import uvicorn

    settings = get_settings()
    upgrade(settings.database_url)  # once, before any worker starts
    _banner(host, port)
    if workers > 1:
        click.echo(f"  {workers} workers; the scheduler runs separately: linli scheduler")
        uvicorn.run("bot.gateway:app_factory", factory=True, host=host, port=port, workers=workers, log_level="warning")
    else:
        from bot.gateway import create_app

        app = create_app(settings, start_scheduler=settings.run_scheduler)
        uvicorn.run(app, host=host, port=port, log_level="warning")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes. With more than one, run `linli scheduler` as its own process.")
def serve(host: str, port: int, workers: int) -> None:
    """Run the gateway, the admin page and (with one worker) the scheduler."""
    run_server(host, port, workers)


def load_demo() -> list[str]:
    """Seed the invented demo data into the configured database (idempotent); returns what was added."""
    from bot.demo import DEMO_PASSWORD, seed

    settings = get_settings()
    if settings.env == "production":
        raise click.ClickException("demo data is refused in production mode")
    upgrade(settings.database_url)
    added = []
    with session_scope() as session:
        try:
            from admin.security import hash_password

            pw = hash_password(DEMO_PASSWORD)
        except ImportError:
            pw = None
        if seed(session, password_hash=pw):
            added.append("organisation: 1 street, 2 communities, 6 grids, 24 buildings, staff, residents")
        try:
            from knowledge_base import service as kb
        except ImportError:
            kb = None
        if kb is not None:
            added.append(f"FAQ: {kb.load_demo(session)} demo entries")
    return added


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Only load the demo data.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Load invented demo data (street, communities, grids, staff, FAQ) and run Linli."""
    import os

    from bot.demo import DEMO_PASSWORD

    standin = None
    if not no_serve and "LINLI_WECHAT_API_BASE" not in os.environ:
        standin = _start_standin()
    for line in load_demo():
        click.echo(f"demo data loaded — {line}")
    click.echo(f"demo staff log in as admin / grid1…grid6 / chief1, chief2 / community1, community2 / dept1…dept6, "
               f"password {DEMO_PASSWORD}")
    if standin is not None:
        click.echo(f"  Outbound pushes go to a local WeChat/WeCom API stand-in: {standin.url}/standin/records")
    if not no_serve:
        run_server(host, port, 1)


def _start_standin():
    """The demo cannot reach WeChat: run the local API stand-in and point Linli's API clients at it."""
    import os

    from bot.scheduling.standin import StandIn

    standin = StandIn().start()
    os.environ.update({
        "LINLI_WECHAT_API_BASE": standin.url,
        "LINLI_WECOM_API_BASE": standin.url,
        "LINLI_WECOM_WEBHOOK_BASE": f"{standin.url}/cgi-bin/webhook/send",
        "LINLI_WECHAT_DELIVERY_QUERY": "true",
    })
    get_settings.cache_clear()
    return standin


@click.group()
def db() -> None:
    """Database tasks."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to LINLI_DATABASE_URL."""
    url = get_settings().database_url
    upgrade(url)
    click.echo(f"database is up to date: {url}")
