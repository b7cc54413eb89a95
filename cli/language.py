"""The language of what the commands print: ``--lang`` where a command has it, else
LAGESBOT_DEFAULT_LANGUAGE, else Swedish. The texts are the catalogue's (``console.*`` and the
areas' own ids), like everything else a user reads."""

from __future__ import annotations

import os

import typer

from catalogue import texts


def printed(lang: str | None = None) -> texts.Texts:
    """The texts a command prints in: ``lang`` if given, else the configured default."""
    return texts.for_language(lang or os.environ.get("LAGESBOT_DEFAULT_LANGUAGE"))


def checked_language(value: str) -> texts.Language:
    """A ``--lang`` value: sv or en; anything else is refused, in both languages."""
    if value not in texts.LANGUAGES:
        choices = " / ".join(
            texts.for_language(language).t("console.lang_choice") for language in texts.LANGUAGES
        )
        raise typer.BadParameter(choices, param_hint="--lang")
    return texts.normalise_language(value)
