"""Files the way Teams hands them to a bot: the user attaches a file in the 1:1 chat, Teams
stores it in their OneDrive and the activity carries an attachment of type
``application/vnd.microsoft.teams.file.download.info`` whose ``downloadUrl`` is a
pre-authenticated, short-lived link. This local server serves the files at such links and
records every download, so tests see whether the bot fetched a file at all."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

FILE_INFO = "application/vnd.microsoft.teams.file.download.info"


@dataclass
class TeamsFiles:
    files: dict[str, bytes] = field(default_factory=dict)
    downloads: list[str] = field(default_factory=list)
    base_url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/download/{token}/{name}", self._download)
        return app

    async def _download(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        self.downloads.append(request.match_info["name"])
        data = self.files.get(token)
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, content_type="application/octet-stream")

    def attachment(self, name: str, data: bytes, *, file_type: str | None = None) -> dict[str, Any]:
        """The attachment Teams puts in the message for a file the user attached."""
        token = uuid.uuid4().hex
        self.files[token] = data
        suffix = PurePosixPath(name).suffix.lstrip(".")
        return {
            "contentType": FILE_INFO,
            "contentUrl": f"https://region.sharepoint.com/personal/u/Documents/{name}",
            "name": name,
            "content": {
                "downloadUrl": f"{self.base_url}/download/{token}/{name}",
                "uniqueId": str(uuid.uuid4()),
                "fileType": file_type if file_type is not None else suffix,
            },
        }


async def start(files: TeamsFiles) -> TestServer:
    server = TestServer(files.app(), host="127.0.0.1")
    await server.start_server()
    files.base_url = str(server.make_url("")).rstrip("/")
    return server
