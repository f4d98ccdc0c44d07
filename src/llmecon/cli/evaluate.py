"""``llmecon evaluate``: price every option in three pillars and recommend one."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmecon.cli.output import console, friendly_errors, print_csv, print_json, print_table, table
from llmecon.fmt import money, si

if TYPE_CHECKING:
    from rich.console import Console

    from llmecon.engine.results import Evaluation


class Fmt(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


#: Columns of ``evaluate --format csv``.
CSV_HEADER = (
    "option",
    "kind",
    "feasible",
    "development_usd",
    "deployment_usd",
    "sustainability_usd",
    "total_usd",
    "npv_usd",
    "per_1k_requests_usd",
    "per_1m_tokens_usd",
)


def evaluate_scenario(scenario_path: Path) -> Evaluation:
    """Load and evaluate a scenario; input errors exit with one line each."""
    from llmecon.engine import evaluate
    from llmecon.scenario import load_scenario

    with friendly_errors():
        return evaluate(load_scenario(scenario_path))
    raise AssertionError("unreachable")  # pragma: no cover


def evaluate_with_usage(scenario_path: Path, usage: list[Path]) -> tuple[Evaluation, list[str]]:
    """Evaluate the scenario with its workload replaced by the usage files' profile; the
    lines say what came from them."""
    from llmecon.cli.profile import load_profile
    from llmecon.engine import evaluate
    from llmecon.scenario import load_scenario
    from llmecon.usage import apply_to_scenario

    prof = load_profile(usage)
    with friendly_errors():
        s, lines = apply_to_scenario(load_scenario(scenario_path), prof)
        return evaluate(s), lines
    raise AssertionError("unreachable")  # pragma: no cover


def evaluate_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    fmt: Annotated[Fmt, typer.Option("--format", "-f", help="table, json or csv.")] = Fmt.table,
    show_assumptions: Annotated[
        bool, typer.Option("--assumptions", help="List every default and catalog source used.")
    ] = False,
    usage: Annotated[
        list[Path] | None,
        typer.Option(
            "--usage", help="Usage exports whose profile replaces the workload (repeatable)."
        ),
    ] = None,
) -> None:
    """Price every option in three pillars and recommend one.

    Example: llmecon evaluate examples/internal_assistant.yaml --format json
    """
    from llmecon.analysis.document import evaluation_document

    if usage:
        ev, usage_lines = evaluate_with_usage(scenario, usage)
    else:
        ev, usage_lines = evaluate_scenario(scenario), []
    with friendly_errors():
        data = evaluation_document(ev)
    if usage_lines:
        data["usage"] = usage_lines
        if fmt is Fmt.table:
            for line in usage_lines:
                console().print(f"[dim]{line}[/dim]", highlight=False)
    if fmt is Fmt.json:
        print_json(data)
    elif fmt is Fmt.csv:
        print_csv(CSV_HEADER, csv_rows(data))
    else:
        render_evaluation(data, console(), show_assumptions)


def csv_rows(data: dict[str, Any]) -> list[list[Any]]:
    """One CSV row per option, in ``CSV_HEADER`` order."""
    rows = []
    for o in data["options"]:
        p = o["pillars"]
        rows.append(
            [
                o["name"],
                o["kind"],
                o["feasible"],
                p["development"]["total_usd"],
                p["deployment"]["total_usd"],
                p["sustainability"]["total_usd"],
                o["total_usd"],
                o["npv_usd"],
                o["per_1k_requests_usd"],
                o["per_1m_tokens_usd"],
            ]
        )
    return rows


def volume_line(data: dict[str, Any]) -> str:
    """The headline: name, horizon and monthly volume in requests and tokens."""
    from rich.markup import escape

    s = data["scenario"]
    w = s["workload"]
    tokens = w["requests_per_month"] * (w["input_tokens"] + w["output_tokens"])
    return (
        f"[bold]{escape(str(s['name']))}[/bold] — {s['horizon_months']} months, "
        f"{w['requests_per_month']:,.0f} requests/month ({si(tokens)} tokens/month)"
    )


def render_evaluation(data: dict[str, Any], out: Console, show_assumptions: bool = False) -> None:
    """The human form of ``evaluate``: the options x pillars table, the recommendation with
    its reasons, the framework's questions and (on request) every assumption."""
    from rich.markup import escape

    out.print(volume_line(data))
    t = table(
        "option",
        "kind",
        "development",
        "deployment",
        "sustainability",
        "total",
        "NPV",
        "per 1k req",
        "per 1M tok",
        title="Cost by option and pillar (USD over the horizon)",
        names=("option", "kind"),
    )
    for o in data["options"]:
        p = o["pillars"]
        t.add_row(
            escape(o["name"]) + ("" if o["feasible"] else " (infeasible)"),
            o["kind"],
            money(p["development"]["total_usd"]),
            money(p["deployment"]["total_usd"]),
            money(p["sustainability"]["total_usd"]),
            money(o["total_usd"]),
            money(o["npv_usd"]),
            money(o["per_1k_requests_usd"]),
            money(o["per_1m_tokens_usd"]),
            style=None if o["feasible"] else "dim",
        )
    print_table(out, t)
    r = data["recommendation"]
    if r["option"]:
        out.print(f"[bold green]Recommendation: {escape(r['option'])}[/bold green]")
    else:
        out.print("[bold red]No feasible option[/bold red]")
    for reason in r["reasons"]:
        out.print(f"  • {escape(reason)}")
    if r.get("deciders"):
        from llmecon.analysis.close_call import line_of

        for d in r["deciders"]:
            out.print(f"    - {escape(line_of(d))}")
    warned = [(o["name"], w) for o in data["options"] for w in o.get("warnings", [])]
    if warned:
        out.print("[bold yellow]Warnings[/bold yellow]")
        for name, w in warned:
            out.print(f"  ! {escape(name)}: {escape(w)}")
    out.print("[bold]The framework's questions[/bold]")
    for k, v in r["questions"].items():
        out.print(f"  {k}: {escape(v)}")
    n = sum(len(o["assumptions"]) for o in data["options"]) + len(data["assumptions"])
    if not show_assumptions:
        out.print(f"[dim]{n} assumptions used; list them with --assumptions[/dim]")
        return
    out.print("[bold]Assumptions and sources[/bold]")
    for line in data["assumptions"]:
        out.print(f"  (all) {escape(line)}")
    for o in data["options"]:
        name = escape(o["name"])
        for line in o["sources"]:
            out.print(f"  {name}: source: {escape(line)}")
        for line in o["assumptions"]:
            out.print(f"  {name}: {escape(line)}")
