"""``llmecon prices ...``: refresh the API and GPU prices in the user's cache, and say which
prices are in use. ``prices update`` is the only command of llmecon that uses the network."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from llmecon.cli.output import fail, friendly_errors, print_json
from llmecon.fmt import plural

if TYPE_CHECKING:
    from llmecon.prices_update import PriceSource

app = typer.Typer(
    no_args_is_help=True,
    help="Refresh API and GPU prices into your cache; show which prices are in use.",
    # the command list cuts a first line at 45 characters
    short_help="Refresh prices; show which are in use.",
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _capped(lines: list[str], where: str) -> list[str]:
    """At most ``MAX_PROBLEMS`` lines, then one saying how many more there are."""
    from llmecon.prices_update import MAX_PROBLEMS

    if len(lines) <= MAX_PROBLEMS:
        return lines
    more = len(lines) - MAX_PROBLEMS
    return [
        *lines[:MAX_PROBLEMS],
        f"{where}: {more} more problems not shown; mend the ones above and run it again",
    ]


@app.command("update", short_help="Fetch newer prices into your cache.")
def prices_update(
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="URL-or-FILE",
            help="genai-prices data.json to read (default: the URL genai-prices' own "
            "updater fetches).",
        ),
    ] = None,
    gpu_prices: Annotated[
        str | None,
        typer.Option(
            "--gpu-prices", metavar="URL-or-FILE", help="A CSV with gpu_prices.csv's columns."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Accept prices that move more than 10x.")
    ] = False,
) -> None:
    """Fetch newer prices into your cache (the only command that uses the network).

    API prices come from genai-prices' published data.json, or --from; GPU prices from a CSV
    given with --gpu-prices (alone, it updates only GPU prices). Both are validated, and a
    price that moves more than 10x from the one in use is refused without --force. The
    shipped snapshot is never changed; `llmecon prices status` says which prices are in use.
    Example: llmecon prices update --gpu-prices gpu_prices.csv
    """
    from llmecon import prices_update as pu
    from llmecon.prices_cache import PriceDataError, check_target

    with friendly_errors():
        staged: list[pu.Staged] = []
        where = source or gpu_prices or "--from"
        try:
            check_target()
            api_source = source
            if source is None and gpu_prices is None:
                from llmecon.catalog.price_book import update_url

                api_source = update_url()
            if api_source is not None:
                where = api_source
                staged.append(pu.stage_api(api_source))
            if gpu_prices is not None:
                where = gpu_prices
                staged.append(pu.stage_gpu(gpu_prices))
        except PriceDataError as err:
            fail(_capped(err.problems, where))
        moves = [m.line(s.source) for s in staged for m in s.moves]
        if moves and not force:
            fail(_capped(moves, staged[0].source))
        written = pu.commit(staged)
    for s, path in zip(staged, written, strict=True):
        typer.echo(s.summary)
        typer.echo(f"  from {s.source}")
        typer.echo(f"  wrote {path}")
        for m in s.moves:
            typer.echo(f"  accepted with --force: {m.text}")


def _ago(days: int | None) -> str:
    if days is None:
        return "age unknown"
    if days < 0:
        return f"{-days} days ahead"
    return "1 day ago" if days == 1 else f"{days} days ago"


def status_lines(sources: tuple[PriceSource, ...], directory: Path) -> list[str]:
    """``llmecon prices status``'s text: per kind, what is in use, its source, file and age."""
    lines = []
    for s in sources:
        title = "API prices" if s.kind == "api" else "GPU prices"
        newest = "dated price" if s.kind == "api" else "quote"
        if s.in_use == "cache":
            head = f"cache, fetched {s.fetched_at} ({_ago(s.age_days)})"
        else:
            what = "shipped snapshot" if s.in_use == "shipped" else "installed genai-prices data"
            head = f"{what}, newest {newest} {s.newest or 'unknown'} ({_ago(s.age_days)})"
        providers = plural(s.providers, "provider")
        counts = (
            f"{providers}, {plural(s.count, 'priced model')}"
            if s.kind == "api"
            else f"{plural(s.count, 'quote')} from {providers}"
        )
        if s.in_use == "cache":
            counts += f"; newest {newest} {s.newest or 'unknown'}"
        lines += [f"{title}: {head}", f"  source: {s.source}", f"  file: {s.path}", f"  {counts}"]
        if s.note:
            lines.append(f"  note: {s.note}; run `llmecon prices update` to fetch it again")
    lines.append(f"cache directory: {directory} (delete its files to use the shipped prices)")
    return lines


@app.command("status", short_help="Which prices are in use, and how old.")
def prices_status(as_json: JsonFlag = False) -> None:
    """Which API and GPU prices are in use (your cache or the shipped snapshot), where they
    come from and how old they are. Example: llmecon prices status"""
    from llmecon.prices_cache import cache_dir
    from llmecon.prices_update import status

    with friendly_errors():
        sources = status()
        directory = cache_dir()
    if as_json:
        print_json({"cache_dir": str(directory), **{s.kind: s.as_dict() for s in sources}})
        return
    for line in status_lines(sources, directory):
        typer.echo(line)
