"""The bot harness (real endpoint, JWT validation, fake Bot Connector) for the channel tests."""

from tests.bot.conftest import bot

__all__ = ["bot"]
