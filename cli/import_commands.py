"""`lagesbot import ...`: bulk loading of organisation, people and plans."""

from __future__ import annotations

import typer

app = typer.Typer(help="Importera organisation, personer och planer.", no_args_is_help=True)
