"""Everything Lägesbot needs from Microsoft Graph, as one small interface.

The only implementation is ``services.graph.client.MsGraph`` (msgraph-sdk over HTTP); tests run
it against a local server that speaks the Graph REST contract (``demo/graph_standin.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class GraphError(RuntimeError):
    """Graph answered with an error that retrying will not fix now (after throttling and
    transient server errors were already retried by the client)."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class DeltaExpired(GraphError):
    """The stored delta link is too old (410 Gone / resync required): start a full sync."""


class PagePermissionMissing(GraphError):
    """Graph refused the site page (403): the app lacks ``permission``, which Microsoft
    documents as the only application permission for creating and updating site pages (a
    tenant that grants only ``Sites.Selected`` gets the files in the library, no page)."""

    permission = "Sites.ReadWrite.All"


@dataclass(frozen=True)
class DirectoryUser:
    """A user as Graph returned it. With ``complete`` (every selected property was sent:
    ``/users/delta`` in its default mode, ``/users/{id}``) None means the property is empty
    in Entra ID - cleared, if it had a value. Without it None means "not sent, unknown"."""

    object_id: str
    upn: str | None = None
    display_name: str | None = None
    mail: str | None = None
    job_title: str | None = None
    preferred_language: str | None = None
    department: str | None = None
    account_enabled: bool | None = None
    manager_id: str | None = None
    # Graph marked the user as removed from the collection (deleted or, for a delta on
    # group members, no longer a member).
    removed: bool = False
    complete: bool = False


@dataclass(frozen=True)
class UserChanges:
    """The users of one (delta) query, all pages read, and the link for the next round."""

    users: list[DirectoryUser] = field(default_factory=list)
    delta_link: str | None = None


@dataclass(frozen=True)
class PublishedPage:
    page_id: str
    web_url: str


@dataclass(frozen=True)
class SharePointIds:
    """The ids SharePoint knows a library file by (driveItem ``sharepointIds``)."""

    site_id: str
    web_id: str
    list_id: str
    unique_id: str


@dataclass(frozen=True)
class UploadedFile:
    item_id: str
    web_url: str
    # The web address's path ("/sites/intranat/Delade dokument/..."), as web parts refer
    # to files of the same tenant.
    server_relative_url: str = ""
    # Only when asked for (``upload_file(..., sharepoint_ids=True)``).
    sharepoint_ids: SharePointIds | None = None


@dataclass(frozen=True)
class PageImage:
    """An image already in the site's library, shown by the page's Image web part."""

    file: UploadedFile
    alt_text: str
    width: int
    height: int


class Graph(Protocol):
    async def user_changes(self, delta_link: str | None) -> UserChanges:
        """``GET /users/delta`` with the properties the sync needs and the manager expanded;
        from ``delta_link`` when given (only what changed since), else a full read. Follows
        every ``@odata.nextLink``. Raises DeltaExpired when the link is no longer valid."""
        ...

    async def group_member_ids(self, group_id: str) -> set[str]:
        """Object ids of the users in the group, nested groups included."""
        ...

    async def get_user(self, object_id: str) -> DirectoryUser | None:
        """One user with the sync's properties and manager; None when not found."""
        ...

    async def install_app_for_user(self, user_id: str, catalog_app_id: str) -> str:
        """Install the Teams app in the user's personal scope (an existing installation is
        fine) and return the installation id."""
        ...

    async def installed_app_chat_id(self, user_id: str, installation_id: str) -> str:
        """Id of the 1:1 chat between the user and the installed app's bot."""
        ...

    async def publish_page(
        self,
        site_id: str,
        *,
        name: str,
        title: str,
        html_sections: list[str],
        image: PageImage | None = None,
        images: Sequence[PageImage] = (),
    ) -> PublishedPage:
        """Create (or update, when a page with ``name`` exists) a site page whose sections hold
        the given HTML (the image, if any, after the first section, and ``images`` after it, in
        their order), then publish it. Raises
        PagePermissionMissing when Graph refuses the page with 403."""
        ...

    async def upload_file(
        self,
        site_id: str,
        path: str,
        content: bytes,
        content_type: str,
        *,
        sharepoint_ids: bool = False,
    ) -> UploadedFile:
        """Put the file at ``path`` in the site's default document library (replacing any
        earlier version; the library keeps the version history); with ``sharepoint_ids``
        also read the ids a web part needs to show it."""
        ...

    async def title_for_url(self, url: str) -> str | None:
        """Title of the SharePoint page or name of the document behind a sharing or direct
        URL; None when Graph does not know it or the app may not read it."""
        ...
