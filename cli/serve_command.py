"""`lagesbot serve`: the bot's HTTP server."""

from __future__ import annotations

import os

import typer
from aiohttp import web

from bot.app import create_app
from bot.logging_setup import configure_logging
from catalogue import texts
from services.platform.config import Settings


def serve(
    host: str = typer.Option(None, help="Address to listen on (default from LAGESBOT_HOST)."),
    port: int = typer.Option(None, help="Port (default from PORT / LAGESBOT_PORT, 3978)."),
) -> None:
    """Start the bot: POST /api/messages and GET /healthz."""
    settings = Settings.from_env()
    # One JSON line per event, secrets redacted (bot/logging_setup.py).
    configure_logging(
        os.environ.get("LAGESBOT_LOG_LEVEL", "INFO").upper(), secrets=(settings.app_password,)
    )
    app = create_app(settings)
    host, port = host or settings.host, port or settings.port
    url = f"http://{host}:{port}/api/messages"
    listening = texts.for_language(settings.default_language).t("console.serve.listening", url=url)
    web.run_app(app, host=host, port=port, print=lambda _: typer.echo(listening))
