"""The `lagesbot` command line: one Typer app, one sub-app per area."""

from __future__ import annotations

import typer

from cli import (
    db_commands,
    demo_command,
    erase_command,
    graph_commands,
    import_commands,
    package_command,
    report_commands,
    round_commands,
    scale_commands,
    serve_command,
    steering_commands,
)

app = typer.Typer(
    name="lagesbot",
    help="Lägesbot: planning and follow-up in Microsoft Teams.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db_commands.app, name="db")
app.add_typer(import_commands.app, name="import")
app.add_typer(scale_commands.app, name="scales")
app.add_typer(erase_command.app, name="erase")
app.add_typer(round_commands.app, name="round")
app.command("serve")(serve_command.serve)
app.command("demo")(demo_command.demo)
app.command("package")(package_command.package)
app.add_typer(steering_commands.app, name="steering")
app.command("report")(report_commands.report)
app.command("export")(report_commands.export)
app.add_typer(graph_commands.app, name="sync")
app.command("publish")(graph_commands.publish)


if __name__ == "__main__":
    app()
