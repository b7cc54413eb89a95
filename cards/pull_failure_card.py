"""The notice an admin gets when the scheduler's pull of indicator values from a data
warehouse failed: which source and plan, the error, and that nothing was loaded. Information
only, no buttons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cards import layout
from cards.escape import escape_markdown
from cards.layout import Element
from catalogue import texts
from catalogue.texts import Language


@dataclass(frozen=True)
class PullFailureView:
    source: str
    plan: str
    error: str
    language: Language


def create_pull_failure_card(view: PullFailureView) -> dict[str, Any]:
    tx = texts.for_language(view.language)
    body: list[Element] = [
        layout.heading(tx.t("attainment.pull_failed.title")),
        layout.text_block(
            tx.t(
                "attainment.pull_failed.body",
                source=escape_markdown(view.source, keep_line_breaks=False),
                plan=escape_markdown(view.plan, keep_line_breaks=False),
            )
        ),
        layout.text_block(
            tx.t("attainment.pull_failed.error", error=escape_markdown(view.error)),
            weight="bolder",
        ),
        layout.text_block(tx.t("attainment.pull_failed.next", plan=view.plan)),
    ]
    return layout.adaptive_card(body, [])
