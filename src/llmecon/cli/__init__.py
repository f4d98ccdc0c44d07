"""The ``llmecon`` command line: thin — parse, call the library, render.

One module per command group, registered here explicitly:

* ``init``: ``llmecon init`` (a commented example scenario);
* ``evaluate``: ``llmecon evaluate`` (price every option, recommend one);
* ``perf``: ``llmecon perf`` (one replica's throughput and latency);
* ``calibrate``: ``llmecon calibrate`` (efficiency factors fitted to your own benchmarks);
* ``catalog``: ``llmecon catalog ...`` (the fact catalogs);
* ``analysis``: ``llmecon breakeven``, ``sensitivity``, ``simulate``;
* ``report``: ``llmecon report`` (HTML, Markdown or JSON document);
* ``search``: ``llmecon search`` (the cheapest GPU, layout, precision, engine and pricing);
* ``profile``: ``llmecon profile`` (a workload profile from usage exports and logs);
* ``prices``: ``llmecon prices update``, ``status`` (newer prices in the user's cache);
* ``serve``: ``llmecon serve`` (the web API and page; FastAPI, imported inside it);
* ``output``: tables, ``--json``/``--csv`` and one-line errors for all of them.

Start-up is kept light: these modules import typer and llmecon's light modules only
(``errors``, ``fmt``); numpy, scipy, plotly, pydantic, the catalogs and the engine are
imported inside the command bodies. ``main`` (the ``llmecon`` script) builds only the
command it runs (``build``); ``app``, every command, is built on first use. Every error — bad input or a bad command line — prints
``error: <path>: <problem>; <fix>`` to stderr and exits with status 2, never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

# Plain click help renders in half the time of typer's rich panels (rich and markdown-it
# imports); TYPER_USE_RICH=1 brings the panels back. Tables and progress bars still use rich.
os.environ.setdefault("TYPER_USE_RICH", "0")
# pydantic looks for plugins in every installed package's entry points (~15 ms per run);
# the CLI uses none. PYDANTIC_DISABLE_PLUGINS=none (any value) brings them back.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

import typer
from typer.core import TyperGroup

from llmecon.cli.output import EXIT_INPUT, error_lines, usage_error_lines

try:  # typer >= 0.22 vendors click
    from typer._click import exceptions as _click_exc  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older typer with click installed
    from click import exceptions as _click_exc  # type: ignore[no-redef]


class _Group(TyperGroup):
    """The top-level command group: command-line errors (unknown option or command, bad or
    missing value) become one ``error:`` line, not a usage box."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            rv = super().main(
                args=args,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                windows_expand_args=windows_expand_args,
                **extra,
            )
        except _click_exc.UsageError as err:
            if type(err).__name__ == "NoArgsIsHelpError":  # rich has printed the help
                message = err.format_message()
                if message:
                    typer.echo(message, err=True)
            else:
                error_lines(usage_error_lines(err, self._command_path(args, prog_name)))
            code = EXIT_INPUT
        except _click_exc.ClickException as err:
            error_lines([err.format_message()])
            code = err.exit_code
        except typer.Abort:
            typer.echo("Aborted!", err=True)
            code = 1
        else:
            code = rv if isinstance(rv, int) else 0
        if not standalone_mode:
            return code
        sys.exit(code)

    def _command_path(self, args: Sequence[str] | None, prog_name: str | None) -> str:
        """``llmecon COMMAND`` from the raw arguments, for errors raised without a context."""
        words = list(sys.argv[1:] if args is None else args)
        command = next((w for w in words if w in self.commands), None)
        prog = prog_name or "llmecon"
        return f"{prog} {command}" if command else prog


#: Every command: name -> (module, function or sub-app, short help). A sub-app (``catalog``,
#: ``prices``) is a ``typer.Typer`` of its own. Short lines for the command list: click cuts a
#: docstring's first line at 45 characters.
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "init": ("init", "init", None),
    "evaluate": ("evaluate", "evaluate_cmd", None),
    "perf": ("perf", "perf", None),
    "calibrate": ("calibrate", "calibrate_cmd", "Fit efficiency factors to your benchmarks."),
    "catalog": ("catalog", "app", None),
    "breakeven": ("analysis", "breakeven_cmd", "Where two options cost the same."),
    "sensitivity": ("analysis", "sensitivity_cmd", "What moves the answer, one input at a time."),
    "simulate": ("analysis", "simulate_cmd", "Monte Carlo over the uncertainty section."),
    "report": ("report", "report_cmd", "Write a shareable decision report."),
    "search": ("search", "search_cmd", "The cheapest configuration to self-host."),
    "profile": ("profile", "profile_cmd", "A workload profile from usage logs."),
    "prices": ("prices", "app", None),
    "serve": ("serve", "serve_cmd", "Serve the web API and page."),
}


def build(names: Sequence[str] | None = None) -> typer.Typer:
    """The command line with ``names`` (default: every command), each module imported only
    when its command is built."""
    import importlib

    cli = typer.Typer(
        cls=_Group,
        add_completion=False,
        no_args_is_help=True,
        help="Should you call an API model, self-host an open model, or build a small language model?",
        pretty_exceptions_enable=False,
    )
    for name in COMMANDS if names is None else names:
        module, attr, short = COMMANDS[name]
        target = getattr(importlib.import_module(f"llmecon.cli.{module}"), attr)
        if isinstance(target, typer.Typer):
            cli.add_typer(target, name=name)
        else:
            cli.command(name, short_help=short)(target)
    if names is not None and len(names) == 1 and names[0] not in ("catalog", "prices"):
        # one command still runs as ``llmecon NAME ...`` (a group), not as the bare command
        cli.callback()(_no_options)
    return cli


def _no_options() -> None:
    """Should you call an API model, self-host an open model, or build a small language
    model?"""


_APP: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    """``llmecon.cli.app``: every command, built on first use."""
    global _APP
    if name == "app":
        if _APP is None:
            _APP = build()
        return _APP
    raise AttributeError(name)


def main() -> None:  # pragma: no cover - the installed script
    """``llmecon``: build only the command named on the command line (the first word, when
    it names one); help, no command or an unknown one build them all."""
    words = sys.argv[1:]
    first = words[0] if words else None
    if first in COMMANDS and not any(w in ("--help", "-h") for w in words[:1]):
        build([first])()
    else:
        __getattr__("app")()


__all__ = ["COMMANDS", "app", "build", "main"]
