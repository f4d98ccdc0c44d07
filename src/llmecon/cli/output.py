"""Everything the CLI prints: tables, ``--json``, ``--csv``, and one-line errors.

* ``console()``: a rich console as wide as the terminal; in a pipe (not a terminal) wide
  enough that every table keeps its full natural width (nothing is cut off);
* ``table(...)``: a rich table whose cells fold rather than end in ``…``, and whose name
  columns keep their text on one line as long as the width allows;
* ``print_json``, ``print_csv``: machine-readable output on stdout;
* ``fail``, ``friendly_errors``, ``usage_error_lines``: every error is one line
  ``error: <path>: <problem>; <fix>`` on stderr and exit status 2, never a traceback.

rich is imported inside the functions, so ``llmecon --help`` and argument errors do not pay
for it; this module imports nothing of the engine.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from llmecon.errors import CatalogError, ScenarioError, UnknownParameter

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

#: Width of the console when stdout is not a terminal: tables take their natural width,
#: which is never this wide, and text lines are not wrapped. [columns]
PIPE_WIDTH = 100_000

#: Exit status of every input error.
EXIT_INPUT = 2


def console() -> Console:
    """A console as wide as the terminal; in a pipe, one that never wraps or truncates."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console(soft_wrap=False, highlight=False)
    return Console(width=PIPE_WIDTH, soft_wrap=False, highlight=False)


def table(*columns: str, title: str | None = None, names: Iterable[str] = ()) -> Table:
    """A table with ``columns``; the ones in ``names`` (option and parameter names) are
    left-aligned and kept on one line while the width allows, the rest right-aligned. No cell
    is ever cut off with ``…``: when the terminal is too narrow, text folds onto more lines."""
    from rich.table import Table

    keep = set(names)
    t = Table(title=title, expand=False)
    for c in columns:
        if c in keep:
            t.add_column(c, justify="left", no_wrap=True, overflow="fold")
        else:
            t.add_column(c, justify="right", overflow="fold")
    return t


def print_table(out: Console, t: Table) -> None:
    """Print a table. In a terminal narrower than the table, the headers of value columns
    fold first (``sustain`` / ``ability``), so that numbers stay whole as long as possible."""
    from rich.text import Text

    if out.is_terminal and (
        out.measure(t, options=out.options.update_width(PIPE_WIDTH)).maximum > out.width
    ):
        for col in t.columns:
            if col.justify != "right":
                continue
            widths = [
                Text.from_markup(line).cell_len
                for cell in col.cells
                if isinstance(cell, str)
                for line in cell.splitlines()
            ]
            if widths:
                col.max_width = max(max(widths), 4)
    out.print(t)


def text_table(
    rows: Sequence[dict[str, Any]], cols: Sequence[str], title: str, names: Iterable[str] = ()
) -> Table:
    """A left-aligned table of dict rows (catalog listings); ``None`` prints as empty."""
    from rich.table import Table

    keep = set(names)
    t = Table(title=title, expand=False)
    for c in cols:
        t.add_column(c, no_wrap=c in keep, overflow="fold")
    for r in rows:
        t.add_row(*["" if r.get(c) is None else str(r.get(c)) for c in cols])
    return t


def _json_safe(obj: Any) -> Any:
    """The same structure with NaN and infinities as ``None`` (valid JSON)."""
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    return obj


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout (NaN and infinities as ``null``)."""
    typer.echo(json.dumps(_json_safe(data), indent=2, allow_nan=False))


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A header and rows as CSV on stdout."""
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    sys.stdout.flush()


# --------------------------------------------------------------------------- errors


def _printable(line: str) -> str:
    """One line, whatever characters the input carried."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in line)


def error_lines(lines: Iterable[str]) -> None:
    """Print each line as ``error: ...`` to stderr."""
    for line in lines:
        sys.stderr.write(f"error: {_printable(line)}\n")
    sys.stderr.flush()


def fail(lines: list[str]) -> NoReturn:
    """Print each line as ``error: <path>: <problem>; <fix>`` to stderr, exit status 2."""
    error_lines(lines)
    raise typer.Exit(EXIT_INPUT)


@contextmanager
def friendly_errors(where: str | None = None) -> Iterator[None]:
    """Turn the library's input errors (``llmecon.errors``) and file errors into one line
    each, exit status 2. ``where`` names the option whose value a catalog look-up failed on
    (e.g. ``--gpu``); scenario errors name their YAML path themselves."""
    try:
        yield
    except ScenarioError as err:
        fail(err.problems)
    except CatalogError as err:
        fail([f"{where}: {err}" if where else str(err)])
    except UnknownParameter as err:
        fail(
            [
                f"{err.args[0]}: unknown parameter; use a dotted path such as "
                "workload.requests_per_month"
            ]
        )
    except OSError as err:
        where = err.filename if err.filename is not None else "file"
        problem = str(err.strerror or err)
        problem = problem[:1].lower() + problem[1:]
        fail([f"{where}: {problem}; check the path and its permissions"])


def usage_error_lines(err: Any, command_path: str = "llmecon") -> list[str]:
    """One ``<path>: <problem>; <fix>`` line for a command-line parsing error (a click
    ``UsageError``: unknown option or command, bad or missing value); ``command_path`` names
    the command when the error carries no context."""
    ctx = getattr(err, "ctx", None)
    command = ctx.command_path if ctx is not None else command_path
    fix = f"see '{command} --help'"
    message = str(getattr(err, "message", err)).strip()
    kind = type(err).__name__
    if kind == "NoSuchOption":
        close = sorted(getattr(err, "possibilities", None) or [])
        hint = f"did you mean {' or '.join(close)}? ({fix})" if close else fix
        return [f"{err.option_name}: no such option of '{command}'; {hint}"]
    unknown = re.match(r"No such command '(.+?)'\.(?:\s*Did you mean (.+?)\?)?", message)
    if unknown:
        hint = f"did you mean {unknown.group(2)}? ({fix})" if unknown.group(2) else fix
        return [f"{unknown.group(1)}: no such command of '{command}'; {hint}"]
    needs = re.match(r"Option '(.+?)' requires (.+?)\.?$", message)
    if needs:
        return [f"{needs.group(1)}: needs {needs.group(2)}; {fix}"]
    param = getattr(err, "param", None)
    where: str
    if getattr(err, "option_name", None):
        where = str(err.option_name)
    elif param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
        where = opts[0] if opts else str(param.name or "argument").upper()
    else:
        ph = getattr(err, "param_hint", None)
        where = str((ph[0] if isinstance(ph, list | tuple) else ph) or command)
    if kind == "MissingParameter":
        return [f"{where}: required but not given; give {where} ({fix})"]
    problem = re.sub(r"^value error,\s*", "", message, flags=re.I).rstrip(".")
    if problem[:1].isupper() and not problem[1:2].isupper():
        problem = problem[0].lower() + problem[1:]
    return [f"{where}: {problem}; {fix}"]
