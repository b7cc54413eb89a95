"""Importing the plan, the org units or the people by sending the file to the bot.

In the admin's 1:1 chat Teams delivers an attached file as an attachment of type
``application/vnd.microsoft.teams.file.download.info`` with a short-lived ``downloadUrl``
(the manifest says ``supportsFiles``). The bot downloads it, checks it with the rules of
``lagesbot import`` and answers with a preview: what would be created, changed and
deactivated, or every bad row with its row number. Nothing is stored in the plan, the org or
the people until **Importera**; **Avbryt** discards the file. Too large files, other file
types and non-admins get a clear answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import update

from cards import controller_cards as cc
from cards import verbs
from cards.controller_cards import ImportPreviewView
from catalogue import texts
from catalogue.texts import Language
from dialogs import render
from dialogs.admin import _Admin, actor_of, admin_action, is_admin
from dialogs.context import Deps, Inbound, Reply
from dialogs.installation import kind_of
from dialogs.people import language_for, person_of
from services.imports.common import ImportFailed, ImportSummary
from services.imports.uploads import (
    FILE_TYPES,
    Upload,
    UploadRefused,
    file_type_of,
    run_import,
    upload_of,
)
from services.platform.downloads import DownloadRefused
from storage import audit
from storage import pending_imports as pending_store
from storage import plans as plan_store
from storage.models import ConversationKind, PendingImport, PendingImportState

FILE_INFO: Final = "application/vnd.microsoft.teams.file.download.info"
# One message may carry several files; more than this are not looked at.
MAX_FILES: Final = 3


def _files(inbound: Inbound) -> list[Mapping[str, Any]]:
    return [a for a in inbound.attachments if a.get("contentType") == FILE_INFO][:MAX_FILES]


def applies(inbound: Inbound) -> bool:
    return kind_of(inbound) is ConversationKind.PERSONAL and bool(_files(inbound))


async def on_message(deps: Deps, inbound: Inbound) -> list[Reply]:
    async with deps.sessions() as session:
        person = await person_of(session, inbound)
        language = language_for(person, inbound)
        if not await is_admin(session, deps, inbound):
            return [render.text(language, "controller.import.error.not_admin")]
        actor = actor_of(person, inbound)
    return [
        await _one_file(deps, inbound, attachment, language, actor)
        for attachment in _files(inbound)
    ]


async def _one_file(
    deps: Deps, inbound: Inbound, attachment: Mapping[str, Any], language: Language, actor: str
) -> Reply:
    tx = texts.for_language(language)
    content = attachment.get("content")
    content = content if isinstance(content, dict) else {}
    name = str(attachment.get("name") or "fil")[:300]
    file_type = file_type_of(name, content.get("fileType"))
    url = content.get("downloadUrl")
    if file_type not in FILE_TYPES:
        return Reply(text=tx.t("controller.import.error.file_type", file=name, type=file_type))
    if not isinstance(url, str) or deps.files is None:
        return Reply(text=tx.t("controller.import.error.download", file=name))
    limit = deps.settings.max_import_bytes
    try:
        data = await deps.files.fetch(url, max_bytes=limit)
    except DownloadRefused as refused:
        if refused.reason == "too_large":
            megabytes = tx.format_number(round(limit / 2**20, 1))
            return Reply(text=tx.t("controller.import.error.too_large", file=name, mb=megabytes))
        return Reply(text=tx.t("controller.import.error.download", file=name))
    if not name.lower().endswith(f".{file_type}"):
        name = f"{name}.{file_type}"
    return await _preview(deps, inbound.text, name, data, language, actor)


async def _preview(
    deps: Deps, text: str, name: str, data: bytes, language: Language, actor: str
) -> Reply:
    """Run the import in a transaction that is rolled back; keep the file if it is good."""
    tx = texts.for_language(language)
    async with deps.sessions() as session:
        try:
            upload = await upload_of(session, name, data, text)
            summary = await run_import(session, upload, actor=actor)
        except UploadRefused as refused:
            return Reply(text=tx.t(refused.code, **refused.params))
        except ImportFailed as failed:
            errors = [error.render(language) for error in failed.errors]
            view = _view(upload, await _target(session, upload), None, errors)
            return Reply(card=cc.create_import_preview_card(language, view))
        finally:
            await session.rollback()
    async with deps.sessions() as session, session.begin():
        pending = await pending_store.add(
            session,
            kind=upload.kind,
            file_name=name,
            content=data,
            options=upload.options,
            preview=summary.counts(),
            actor=actor,
            now=deps.clock(),
        )
        target = await _target(session, upload)
        view = _view(upload, target, summary, [], pending_id=pending.id)
    return Reply(card=cc.create_import_preview_card(language, view))


async def _target(session: Any, upload: Upload) -> str | None:
    if upload.kind != "plan":
        return None
    key = str(upload.options.get("plan"))
    plan = await plan_store.get_plan_by_key(session, key)
    name = upload.options.get("name") or (plan.name if plan is not None else None)
    return f"{name} ({key})" if name else key


def _view(
    upload: Upload,
    target: str | None,
    summary: ImportSummary | None,
    errors: list[str],
    *,
    pending_id: int | None = None,
    state: str = "pending",
) -> ImportPreviewView:
    return ImportPreviewView(
        kind=upload.kind,
        file_name=upload.file_name,
        target=target,
        counts={} if summary is None else summary.counts(),
        errors=errors,
        ignored_columns=() if summary is None else summary.ignored_columns,
        pending_id=pending_id,
        state=state,
    )


def _upload_of(row: PendingImport) -> Upload:
    kind = row.kind if row.kind in ("plan", "people", "org") else "org"
    return Upload(row.file_name, row.content, kind, dict(row.options or {}))  # type: ignore[arg-type]


async def _pending(admin: _Admin, data: Mapping[str, Any]) -> PendingImport | None:
    pending_id = data.get("pending_id")
    if not isinstance(pending_id, int) or isinstance(pending_id, bool):
        return None
    return await pending_store.get(admin.session, pending_id)


async def _claim(admin: _Admin, row: PendingImport, state: PendingImportState) -> bool:
    """Move the file out of "pending" exactly once, however often the button is pressed."""
    result = await admin.session.execute(
        update(PendingImport)
        .where(PendingImport.id == row.id, PendingImport.state == PendingImportState.PENDING)
        .values(state=state, decided_by=admin.actor, decided_at=admin.now)
        .execution_options(synchronize_session=False)
    )
    await admin.session.refresh(row)
    return bool(getattr(result, "rowcount", 0))


def _decided(admin: _Admin, row: PendingImport) -> dict[str, Any]:
    """The preview as it was, saying what became of the file."""
    view = ImportPreviewView(
        kind=row.kind,
        file_name=row.file_name,
        target=None,
        counts=dict(row.preview or {}),
        errors=[],
        pending_id=row.id,
        state=row.state.value,
    )
    return cc.create_import_preview_card(admin.language, view)


@admin_action(verbs.CONTROLLER_IMPORT)
async def confirm_import(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    row = await _pending(admin, data)
    if row is None:
        return render.notice(admin.language, "controller.import.error.gone")
    if not await _claim(admin, row, PendingImportState.IMPORTED):
        return _decided(admin, row)
    upload = _upload_of(row)
    try:
        summary = await run_import(admin.session, upload, actor=admin.actor)
    except (ImportFailed, UploadRefused) as failed:
        # The store changed since the preview (e.g. an owner left); nothing was written.
        row.state, row.decided_by, row.decided_at = PendingImportState.PENDING, None, None
        errors = (
            [e.render(admin.language) for e in failed.errors]
            if isinstance(failed, ImportFailed)
            else [admin.tx.t(failed.code, **failed.params)]
        )
        view = _view(upload, await _target(admin.session, upload), None, errors)
        return cc.create_import_preview_card(admin.language, view)
    row.preview = summary.counts()
    target = await _target(admin.session, upload)
    view = _view(upload, target, summary, [], pending_id=row.id, state="imported")
    return cc.create_import_preview_card(admin.language, view)


@admin_action(verbs.CONTROLLER_CANCEL)
async def cancel_import(admin: _Admin, data: Mapping[str, Any]) -> dict[str, Any]:
    row = await _pending(admin, data)
    if row is None:
        return render.notice(admin.language, "controller.import.error.gone")
    if await _claim(admin, row, PendingImportState.CANCELLED):
        pending_store.decide(row, PendingImportState.CANCELLED, actor=admin.actor, now=admin.now)
        audit.record(
            admin.session,
            actor=admin.actor,
            action="import.cancelled",
            target_type="pending_import",
            target_id=row.id,
            details={"kind": row.kind, "file": row.file_name},
        )
    return _decided(admin, row)
