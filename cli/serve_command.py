"""`lagesbot serve`: the bot's HTTP server."""

from __future__ import annotations

import logging

import typer
from aiohttp import web

from bot.app import create_app
from services.config import Settings


def serve(
    host: str = typer.Option(None, help="Address to listen on (default from LAGESBOT_HOST)."),
    port: int = typer.Option(None, help="Port (default from PORT / LAGESBOT_PORT, 3978)."),
) -> None:
    """Start the bot: POST /api/messages and GET /healthz."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_env()
    app = create_app(settings)
    host, port = host or settings.host, port or settings.port
    url = f"http://{host}:{port}/api/messages"
    web.run_app(app, host=host, port=port, print=lambda _: typer.echo(f"Lägesbot lyssnar på {url}"))
