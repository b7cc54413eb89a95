"""Placeholder for proactive installation through Microsoft Graph; its owner replaces this.

Contract used by the sender: when a person has no 1:1 conversation the bot can post to, the
sender calls ``ProactiveInstaller.ensure_installed`` and, if it returns a chat id, posts there.
"""

from __future__ import annotations

from typing import Protocol


class ProactiveInstaller(Protocol):
    async def ensure_installed(self, user_object_id: str, tenant_id: str) -> str | None:
        """Install the Teams app for the user if needed (409 = already installed) and return
        the id of the bot's 1:1 chat with them, or None when that is not possible."""
        ...


class NoInstaller:
    """Used when Graph is not configured: nobody can be installed for."""

    async def ensure_installed(self, user_object_id: str, tenant_id: str) -> str | None:
        return None
