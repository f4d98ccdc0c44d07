"""The ``llmecon`` command line: thin — parse, call the library, render.

One module per command group, registered here explicitly:

* ``init``: ``llmecon init`` (a commented example scenario);
* ``evaluate``: ``llmecon evaluate`` (price every option, recommend one);
* ``perf``: ``llmecon perf`` (one replica's throughput and latency);
* ``calibrate``: ``llmecon calibrate`` (efficiency factors fitted to your own benchmarks);
* ``catalog``: ``llmecon catalog ...`` (the fact catalogs);
* ``analysis``: ``llmecon breakeven``, ``sensitivity``, ``simulate``;
* ``report``: ``llmecon report`` (HTML, Markdown or JSON document);
* ``prices``: ``llmecon prices update``, ``status`` (newer prices in the user's cache);
* ``output``: tables, ``--json``/``--csv`` and one-line errors for all of them.

Start-up is kept light: these modules import typer and llmecon's light modules only
(``errors``, ``fmt``); numpy, scipy, plotly, pydantic, the catalogs and the engine are
imported inside the command bodies. Every error — bad input or a bad command line — prints
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

import typer
from typer.core import TyperGroup

from llmecon.cli import analysis, calibrate, catalog, evaluate, init, perf, prices, report
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


app = typer.Typer(
    cls=_Group,
    add_completion=False,
    no_args_is_help=True,
    help="Should you call an API model, self-host an open model, or build a small language model?",
    pretty_exceptions_enable=False,
)

app.command("init")(init.init)
app.command("evaluate")(evaluate.evaluate_cmd)
app.command("perf")(perf.perf)
app.command("calibrate", short_help="Fit efficiency factors to your benchmarks.")(
    calibrate.calibrate_cmd
)
app.add_typer(catalog.app, name="catalog")
# short lines for the command list (click cuts a docstring's first line at 45 characters)
app.command("breakeven", short_help="Where two options cost the same.")(analysis.breakeven_cmd)
app.command("sensitivity", short_help="What moves the answer, one input at a time.")(
    analysis.sensitivity_cmd
)
app.command("simulate", short_help="Monte Carlo over the uncertainty section.")(
    analysis.simulate_cmd
)
app.command("report", short_help="Write a shareable decision report.")(report.report_cmd)
app.add_typer(prices.app, name="prices")


def main() -> None:  # pragma: no cover
    app()


__all__ = ["app", "main"]
