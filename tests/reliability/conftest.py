"""The real endpoint harness of tests/bot, shared with the reliability tests."""

from tests.bot.conftest import bot

__all__ = ["bot"]
