"""Helpers the CLI modules share: one-line errors, money formatting, the console."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import typer
from rich.console import Console

from llmecon.catalog import CatalogError
from llmecon.inputs import UnknownParameter
from llmecon.scenario import ScenarioError


def console() -> Console:
    """A console as wide as the terminal (at least 120 columns); 120 when not a terminal, so
    piped output and tests are stable."""
    width = max(shutil.get_terminal_size((120, 24)).columns, 120) if sys.stdout.isatty() else 120
    return Console(width=width, soft_wrap=False, highlight=False)


def fail(lines: list[str]) -> None:
    """Print each line as ``error: ...`` to stderr and exit with status 2."""
    for line in lines:
        # one line per problem, whatever characters the input carried
        safe = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in line)
        sys.stderr.write(f"error: {safe}\n")
    raise typer.Exit(2)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn the library's input errors into one clear line each and exit status 2."""
    try:
        yield
    except ScenarioError as err:
        fail(err.problems)
    except CatalogError as err:
        fail([str(err)])
    except UnknownParameter as err:
        fail(
            [
                f"unknown parameter {err.args[0]!r}; use a dotted path like workload.requests_per_month"
            ]
        )


def money(x: float | None) -> str:
    """``$1,234`` for amounts from $100, ``$12.34`` below; ``-`` for none."""
    if x is None or not np.isfinite(x):
        return "-"
    return f"${x:,.0f}" if abs(x) >= 100 else f"${x:,.2f}"
