"""Speed of ``llmecon report`` on the shipped examples (goal: well under 3 s per example,
5,000 Monte Carlo samples, HTML). Measured here rather than asserted in the tests, where a
busy machine would make a time limit flaky.

For each scenario it prints the min and median wall time of ``--runs`` runs of

* ``write_report(load_scenario(path), out, fmt)`` in this process (after one warm-up run, so
  imports and catalog caches are not counted), and
* the CLI, ``llmecon report PATH -o OUT -f FMT``, in a fresh subprocess (interpreter start and
  imports included, as a user sees it).

Usage (repository root, project venv; pin one core so the figures compare across machines)::

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/report_speed.py [--runs 3] [--format html]
        [SCENARIO.yaml ...]   # default: every examples/*.yaml
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from llmecon import load_scenario
from llmecon.report.render import write_report

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(min, median) wall time of ``runs`` calls of ``fn`` [s]."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def cli_command() -> list[str]:
    """The ``llmecon`` console script of this interpreter's environment, else ``python -c``."""
    script = Path(sys.executable).with_name("llmecon")
    if script.exists():
        return [str(script)]
    found = shutil.which("llmecon")
    if found:
        return [found]
    return [sys.executable, "-c", "from llmecon.cli import app; app()"]


def library_run(path: Path, out: Path, fmt: str) -> Callable[[], object]:
    return lambda: write_report(load_scenario(path), out, fmt)


def cli_run(cmd: list[str], path: Path, out: Path, fmt: str) -> Callable[[], object]:
    args = [*cmd, "report", str(path), "-o", str(out), "-f", fmt]
    return lambda: subprocess.run(args, check=True, capture_output=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenarios", nargs="*", type=Path, default=EXAMPLES)
    ap.add_argument("--runs", type=int, default=3, help="timed runs per figure (default 3)")
    ap.add_argument("--format", default="html", choices=("html", "md", "json"))
    args = ap.parse_args(argv)
    cmd = cli_command()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    print(
        f"llmecon report, format {args.format}, {args.runs} runs per figure; "
        f"CPUs available: {affinity or '?'}, "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )
    print(f"CLI: {' '.join(cmd)} report SCENARIO -o OUT -f {args.format}")
    head = f"{'scenario':<24s} {'library min':>12s} {'median':>8s} {'CLI min':>9s} {'median':>8s}"
    print(head)
    print("-" * len(head))
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.scenarios:
            out = Path(tmp) / f"{path.stem}.{args.format}"
            lib = library_run(path, out, args.format)
            lib()  # warm-up: imports, catalog caches
            lib_min, lib_med = timed(lib, args.runs)
            cli_min, cli_med = timed(cli_run(cmd, path, out, args.format), args.runs)
            print(
                f"{path.stem:<24s} {lib_min:>11.2f}s {lib_med:>7.2f}s "
                f"{cli_min:>8.2f}s {cli_med:>7.2f}s"
            )


if __name__ == "__main__":
    main()
