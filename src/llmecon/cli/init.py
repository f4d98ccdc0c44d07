"""``llmecon init``: write a commented example scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from llmecon.cli.output import fail, friendly_errors


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the scenario.")] = Path(
        "scenario.yaml"
    ),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example scenario.

    Example: llmecon init my.yaml && llmecon evaluate my.yaml
    """
    if path.exists() and not force:
        fail([f"{path}: already exists; pass --force to overwrite it, or name another file"])
    from importlib import resources

    text = (
        resources.files("llmecon")
        .joinpath("templates", "scenario.yaml")
        .read_text(encoding="utf-8")
    )
    with friendly_errors():
        path.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {path}; next: llmecon evaluate {path}")
