"""The `lagesbot` command line: one Typer app, one sub-app per area."""

from __future__ import annotations

import typer

from cli import (
    db_commands,
    demo_command,
    erase_command,
    graph_commands,
    history_command,
    import_commands,
    items_commands,
    package_command,
    report_commands,
    round_commands,
    scale_commands,
    serve_command,
    steering_commands,
    substitute_commands,
    values_commands,
)
from cli.store import guard_commands, needs_store

app = typer.Typer(
    name="lagesbot",
    help="Lägesbot: planning and follow-up in Microsoft Teams.",
    no_args_is_help=True,
    add_completion=False,
)
# Every command that uses the store checks it first (cli/store.py); `db upgrade` and `demo`
# create it, `package` needs none.
app.add_typer(db_commands.app, name="db")
app.add_typer(guard_commands(import_commands.app), name="import")
app.add_typer(guard_commands(values_commands.app), name="values")
app.add_typer(guard_commands(scale_commands.app), name="scales")
app.add_typer(guard_commands(erase_command.app), name="erase")
app.add_typer(guard_commands(round_commands.app), name="round")
# Serving starts while the database is down (/healthz says so), never without the schema.
app.command("serve")(needs_store(unreachable_is_a_problem=False)(serve_command.serve))
app.command("demo")(demo_command.demo)
app.command("package")(package_command.package)
app.add_typer(guard_commands(steering_commands.app), name="steering")
app.command("report")(needs_store()(report_commands.report))
app.command("export")(needs_store()(report_commands.export))
app.command("history")(needs_store()(history_command.history))
app.add_typer(guard_commands(substitute_commands.app), name="substitute")
app.add_typer(guard_commands(items_commands.app), name="items")
app.add_typer(guard_commands(graph_commands.app), name="sync")
app.command("publish")(needs_store()(graph_commands.publish))

if __name__ == "__main__":
    app()
