"""Downloading a file a user sent the bot. Teams puts a short-lived, pre-authenticated
download URL in the attachment (``application/vnd.microsoft.teams.file.download.info``); no
token is sent with it. One small interface and one HTTP implementation; tests point the URL
at a local server, as the Playground does."""

from __future__ import annotations

import ipaddress
from typing import Protocol
from urllib.parse import urlsplit

import aiohttp

CHUNK = 64 * 1024


class DownloadRefused(Exception):
    """The file could not be fetched: ``reason`` is ``too_large``, ``not_allowed`` or
    ``failed``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileSource(Protocol):
    async def fetch(self, url: str, *, max_bytes: int) -> bytes: ...


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_url(url: str) -> bool:
    """HTTPS anywhere (SharePoint/OneDrive), plain HTTP only to this machine (the
    Playground and the tests' servers): nothing else is fetched on an activity's word."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and _loopback(host))


class HttpFileSource:
    def __init__(self, http: aiohttp.ClientSession) -> None:
        self._http = http

    async def fetch(self, url: str, *, max_bytes: int) -> bytes:
        if not allowed_url(url):
            raise DownloadRefused("not_allowed")
        try:
            async with self._http.get(url, allow_redirects=False) as response:
                if response.status != 200:
                    raise DownloadRefused("failed")
                if (response.content_length or 0) > max_bytes:
                    raise DownloadRefused("too_large")
                data = bytearray()
                async for chunk in response.content.iter_chunked(CHUNK):
                    data.extend(chunk)
                    if len(data) > max_bytes:
                        raise DownloadRefused("too_large")
                return bytes(data)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise DownloadRefused("failed") from error
