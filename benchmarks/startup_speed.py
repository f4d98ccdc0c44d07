"""Start-up time of the ``llmecon`` command, measured as whole processes.

Usage (repository root, project venv)::

    python benchmarks/startup_speed.py [--runs 10]

Runs each command ``--runs`` times in a fresh subprocess (after one warm-up run, so the file
cache is hot) and prints the minimum and median wall time:

* ``python -c pass`` (the interpreter alone, for reference);
* ``python -c "import llmecon.cli"`` (the CLI's imports: typer and llmecon's light modules);
* the floor of an evaluation: importing the third-party libraries it cannot do without
  (numpy, pydantic, typer, rich, PyYAML), so that the machine's speed can be read off;
* ``llmecon --help`` (plain click help, the default; target < 0.3 s);
* ``llmecon --help`` with ``TYPER_USE_RICH=1`` (typer's rich panels, to show what they cost);
* ``llmecon evaluate`` with no scenario (an argument error);
* ``llmecon evaluate examples/support_bot.yaml`` (the whole evaluation).

Python writes and reuses bytecode caches here even where ``PYTHONDONTWRITEBYTECODE`` is set
(as in some containers): an installed package is byte-compiled by pip, and compiling
llmecon's sources on every start would add about 0.15 s that no user pays.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _llmecon() -> list[str]:
    """The installed ``llmecon`` script, else the package run through this interpreter."""
    exe = Path(sys.executable).with_name("llmecon")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("llmecon")
    return [found] if found else [sys.executable, "-c", "from llmecon.cli import app; app()"]


def measure(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, float]:
    """(min, median) wall seconds of ``cmd`` over ``runs`` runs, after one warm-up."""
    subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=False)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10, help="runs per command (default 10)")
    args = ap.parse_args()
    cli = _llmecon()
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    rich = {**base, "TYPER_USE_RICH": "1"}
    cases: list[tuple[str, list[str], dict[str, str] | None]] = [
        ("python -c pass", [sys.executable, "-c", "pass"], base),
        ("import llmecon.cli", [sys.executable, "-c", "import llmecon.cli"], base),
        (
            "floor: import numpy, pydantic, typer, rich, yaml",
            [sys.executable, "-c", "import numpy, pydantic, typer, rich.console, rich.table, yaml"],
            base,
        ),
        ("llmecon --help", [*cli, "--help"], base),
        ("llmecon --help (TYPER_USE_RICH=1)", [*cli, "--help"], rich),
        ("llmecon evaluate (argument error)", [*cli, "evaluate"], base),
        (
            "llmecon evaluate examples/support_bot.yaml",
            [*cli, "evaluate", "examples/support_bot.yaml"],
            base,
        ),
    ]
    print(f"{'command':<46} {'min [s]':>8} {'median [s]':>11}   ({args.runs} runs)")
    for label, cmd, env in cases:
        lo, med = measure(cmd, args.runs, env)
        print(f"{label:<46} {lo:>8.3f} {med:>11.3f}")


if __name__ == "__main__":
    main()
