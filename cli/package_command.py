"""`lagesbot package`: the Teams app zip an administrator uploads to the Teams admin center.

Ids and addresses come from the environment (the same MICROSOFT_APP_ID the bot runs with);
the options override single values. A missing or malformed value stops the build with every
problem listed, so a package that Teams would reject is never written."""

from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path

import typer

from cli.language import printed
from services.platform.app_package import (
    MANIFEST_DIR,
    PackageConfigError,
    PackageSettings,
    build_package,
)

DEFAULT_OUT = Path("build") / "lagesbot-teams-app.zip"


def _default_version() -> str:
    try:
        return metadata.version("lagesbot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0.1.0"


OUT_OPTION = typer.Option(DEFAULT_OUT, "--out", help="Where to write the zip.")
APP_ID_OPTION = typer.Option(
    None, "--app-id", help="The bot's Entra app id (default MICROSOFT_APP_ID)."
)
PUBLIC_URL_OPTION = typer.Option(
    None, "--public-url", help="The bot's public https address (default LAGESBOT_PUBLIC_URL)."
)
APP_VERSION_OPTION = typer.Option(
    None,
    "--app-version",
    help="The app's version, major.minor.patch (default LAGESBOT_APP_VERSION or the "
    "installed lagesbot's). Raise it for every upload that replaces an earlier one.",
)
TEMPLATE_DIR_OPTION = typer.Option(
    MANIFEST_DIR, "--template-dir", help="Folder with the manifest template and icons."
)


def package(
    out: Path = OUT_OPTION,
    app_id: str | None = APP_ID_OPTION,
    public_url: str | None = PUBLIC_URL_OPTION,
    app_version: str | None = APP_VERSION_OPTION,
    template_dir: Path = TEMPLATE_DIR_OPTION,
) -> None:
    """Build the Teams app package (manifest.json, en.json, icons) as a zip file."""
    env = dict(os.environ)
    for name, override in (
        ("MICROSOFT_APP_ID", app_id),
        ("LAGESBOT_PUBLIC_URL", public_url),
        ("LAGESBOT_APP_VERSION", app_version),
    ):
        if override is not None:
            env[name] = override
    tx = printed()
    try:
        settings = PackageSettings.from_env(env, default_version=_default_version())
        written = build_package(settings, out, template_dir)
    except PackageConfigError as error:
        typer.echo(tx.t("console.package.failed"), err=True)
        for problem in error.problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(code=1) from error
    except FileNotFoundError as error:
        typer.echo(tx.t("console.package.missing_file", file=str(error.filename)), err=True)
        raise typer.Exit(code=1) from error
    typer.echo(tx.t("console.package.written", path=str(written)))
    ids = tx.t("console.package.ids", app_id=settings.teams_app_id, bot_id=settings.bot_app_id)
    typer.echo(f"  {ids}")
    domains = ", ".join(settings.valid_domains)
    typer.echo("  " + tx.t("console.package.version", version=settings.version, domains=domains))
