"""The notice an admin gets when Microsoft Graph refused a step for lack of an application
permission (today: the intranet page, which needs ``Sites.ReadWrite.All``): what was refused,
what was published anyway and which permission to grant. Information only, no buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cards import layout
from cards.escape import escape_markdown
from cards.layout import Element
from catalogue import texts
from catalogue.texts import Language


@dataclass(frozen=True)
class PermissionNoticeView:
    round_name: str
    round_key: str
    permission: str
    export_url: str | None
    language: Language


def create_permission_notice_card(view: PermissionNoticeView) -> dict[str, Any]:
    tx = texts.for_language(view.language)
    body: list[Element] = [
        layout.heading(tx.t("permission.page_title")),
        layout.text_block(
            tx.t(
                "permission.page_refused",
                round=escape_markdown(view.round_name, keep_line_breaks=False),
            )
        ),
        layout.text_block(tx.t("permission.grant", permission=view.permission), weight="bolder"),
        layout.text_block(tx.t("permission.then_publish", round=view.round_key)),
    ]
    actions: list[Element] = []
    if view.export_url:
        actions.append(layout.open_url(tx.t("permission.open_export"), view.export_url))
    return layout.adaptive_card(body, actions)
