"""The store as the `lagesbot` commands find it, checked before a command touches it.

A command on a database without Lägesbot's schema used to fail with a long traceback
(``no such table: reporting_rounds``), and with SQLite it first created an empty database
file. Now every command that reads or writes the store (``cli/main.py`` wraps them) first
checks it and, when something is missing, says so in one line with what to run, exits 1 and
creates nothing: an SQLite file that does not exist is not opened at all. Only ``lagesbot db
upgrade`` and ``lagesbot demo`` create a database. Messages are Swedish unless the command
was given ``--lang en``."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from catalogue import texts
from services.platform.config import Settings
from storage.db import create_engine

P = ParamSpec("P")
R = TypeVar("R")

VERSION_TABLE = "alembic_version"
DEMO_DATABASE = "demo.sqlite3"


@dataclass(frozen=True)
class StoreProblem:
    msgid: str
    params: dict[str, object] = field(default_factory=dict)
    # Said after the problem, in the same line.
    hint: str | None = None


def sqlite_file(database_url: str) -> Path | None:
    """The file of an SQLite URL; None for other databases and in-memory ones."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return None
    if not url.drivername.startswith("sqlite"):
        return None
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def shown(database_url: str) -> str:
    """The URL as messages show it: the file for SQLite, no password otherwise."""
    path = sqlite_file(database_url)
    if path is not None:
        return str(path)
    try:
        url = make_url(database_url)
    except ArgumentError:
        return database_url
    # As people write it: postgresql://, not the driver the store picked.
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def _has_schema(connection: Connection) -> bool:
    if not inspect(connection).has_table(VERSION_TABLE):
        return False
    return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).first() is not None


async def store_problem(
    database_url: str, *, schema: bool = True, unreachable_is_a_problem: bool = True
) -> StoreProblem | None:
    """What keeps a command from using the store at ``database_url``, or None."""
    path = sqlite_file(database_url)
    if path is not None and not path.exists():
        demo = path.with_name(DEMO_DATABASE)
        hint = "store_check.demo_hint" if path.name != DEMO_DATABASE and demo.exists() else None
        return StoreProblem("store_check.missing", {"database": str(path)}, hint)
    if not schema:
        return None
    if path is not None:
        return await asyncio.to_thread(_sqlite_problem, path)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            if not await connection.run_sync(_has_schema):
                return StoreProblem("store_check.no_schema", {"database": shown(database_url)})
    except (OSError, SQLAlchemyError) as exc:
        if not unreachable_is_a_problem:
            return None
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return StoreProblem(
            "store_check.unreachable", {"database": shown(database_url), "error": reason}
        )
    finally:
        await engine.dispose()
    return None


def _sqlite_problem(path: Path) -> StoreProblem | None:
    # Read-only and without the store's pragmas: checking must not turn a stray empty file
    # into a database (the WAL pragma alone writes a header).
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as db:
            found = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
            ).fetchone()
            if found is not None:
                found = db.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
    except sqlite3.Error as exc:
        return StoreProblem("store_check.unreachable", {"database": str(path), "error": str(exc)})
    if found is None:
        return StoreProblem("store_check.no_schema", {"database": str(path)})
    return None


def problem_text(problem: StoreProblem, tx: texts.Texts, database_url: str) -> str:
    line = tx.t(problem.msgid, **problem.params)
    if problem.hint is not None:
        path = sqlite_file(database_url)
        demo = path.with_name(DEMO_DATABASE) if path is not None else Path(DEMO_DATABASE)
        line += " " + tx.t(problem.hint, url=f"sqlite:///{demo}")
    return line


def check_store(
    language: str | None = None, *, schema: bool = True, unreachable_is_a_problem: bool = True
) -> None:
    """Exit 1 with one line on stderr when the configured store cannot be used."""
    database_url = Settings.from_env().database_url
    problem = asyncio.run(
        store_problem(
            database_url, schema=schema, unreachable_is_a_problem=unreachable_is_a_problem
        )
    )
    if problem is None:
        return
    tx = texts.for_language(language if language in texts.LANGUAGES else None)
    typer.echo(problem_text(problem, tx, database_url), err=True)
    raise typer.Exit(1)


def needs_store(
    *, schema: bool = True, unreachable_is_a_problem: bool = True
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Wrap a command so the store is checked first, in the command's ``--lang``."""

    def wrap(command: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(command)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            language = kwargs.get("lang")
            check_store(
                language if isinstance(language, str) else None,
                schema=schema,
                unreachable_is_a_problem=unreachable_is_a_problem,
            )
            return command(*args, **kwargs)

        return checked

    return wrap


def guard_commands(app: typer.Typer, **options: Any) -> typer.Typer:
    """Wrap every command of ``app`` (a sub-app such as ``lagesbot round``) with
    ``needs_store``; returns the app."""
    for info in app.registered_commands:
        if info.callback is not None:
            info.callback = needs_store(**options)(info.callback)
    return app
