"""Check ``ServingPoint.ttft_quantile`` / ``itl_quantile`` against published percentiles.

Usage (repository root, project venv)::

    python benchmarks/validate_percentiles.py

Rows: ``benchmarks/data/serving_percentiles.csv`` (sources in ``benchmarks/data/README.md``).
Each row is predicted with the shipped ``ENGINE_PRESETS`` (by engine name, ``default`` when
unknown) at its load (``at_request_rate`` or ``at_concurrency``), and the p50, p90, p95 and
p99 of TTFT and ITL/TPOT are compared with the published ones: n, median absolute percentage
error (MdAPE), p90 APE and the median signed error (bias; + = over-prediction), beside the
error of the *mean* on the same rows. Rows whose source gives no mean input length are
listed as skipped. Runtime: about a second.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llmecon.catalog import resolve_gpu, resolve_model
from llmecon.perf.inference import ENGINE_PRESETS, ServingPoint, at_concurrency, at_request_rate
from llmecon.perf.replica import build_replica

CSV = Path(__file__).resolve().parent / "data" / "serving_percentiles.csv"
QUANTILES: tuple[tuple[str, float], ...] = (
    ("p50", 0.5),
    ("p90", 0.9),
    ("p95", 0.95),
    ("p99", 0.99),
)
METRICS: tuple[str, ...] = ("ttft", "itl")


@dataclass(frozen=True)
class Case:
    """One published row and its prediction (all in ms); ``measured``/``predicted`` keyed
    ``(metric, stat)`` with stat ``mean`` or ``pNN``."""

    row: dict[str, str]
    measured: dict[tuple[str, str], float]
    predicted: dict[tuple[str, str], float]


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def predict(row: dict[str, str]) -> ServingPoint:
    """The operating point of one row with the engine's preset."""
    replica, _ = build_replica(
        resolve_model(row["model"]),
        resolve_gpu(row["gpu"]),
        row["precision"],
        int(row["num_gpus"]),
    )
    eff = ENGINE_PRESETS.get(row["engine"], ENGINE_PRESETS["default"])
    i, o = float(row["input_tokens"]), float(row["output_tokens"])
    if row["mode"] == "rate":
        return at_request_rate(replica, float(row["request_rate"]), i, o, eff)
    return at_concurrency(replica, float(row["concurrency"]), i, o, eff)


def evaluate(rows: list[dict[str, str]]) -> tuple[list[Case], list[tuple[str, str]]]:
    """Predictions for the rows that can be predicted, and (id, reason) for the others."""
    cases: list[Case] = []
    skipped: list[tuple[str, str]] = []
    for row in rows:
        if not row["input_tokens"].strip():
            skipped.append((row["id"], "no mean input length in the source"))
            continue
        try:
            point = predict(row)
        except (KeyError, ValueError) as exc:
            skipped.append((row["id"], f"cannot build the replica: {exc}"))
            continue
        measured: dict[tuple[str, str], float] = {}
        predicted: dict[tuple[str, str], float] = {}
        for metric in METRICS:
            mean = _num(row[f"{metric}_mean_ms"])
            if mean is not None:
                measured[(metric, "mean")] = mean
                predicted[(metric, "mean")] = 1e3 * float(
                    point.ttft_s if metric == "ttft" else point.itl_s
                )
            for name, q in QUANTILES:
                value = _num(row[f"{metric}_{name}_ms"])
                if value is None:
                    continue
                fn = point.ttft_quantile if metric == "ttft" else point.itl_quantile
                measured[(metric, name)] = value
                predicted[(metric, name)] = 1e3 * float(fn(q))
        cases.append(Case(row, measured, predicted))
    return cases, skipped


def _errors(cases: list[Case], key: tuple[str, str]) -> list[tuple[float, Case]]:
    out = []
    for c in cases:
        if key in c.measured and math.isfinite(c.predicted[key]):
            out.append((c.predicted[key] / c.measured[key] - 1.0, c))
    return out


def _line(label: str, errs: list[float]) -> str:
    if not errs:
        return f"  {label:<22} {0:>3}"
    e = np.asarray(errs)
    a = np.abs(e)
    return (
        f"  {label:<22} {len(e):>3} {np.median(a):>8.0%} {np.quantile(a, 0.9):>8.0%}"
        f" {np.median(e):>+8.0%}"
    )


def report(cases: list[Case], skipped: list[tuple[str, str]]) -> None:
    """Print the error table, the comparison with the mean, the worst rows and the skips."""
    print(f"{len(cases)} rows predicted, {len(skipped)} skipped ({CSV.name})\n")
    print(f"  {'metric / statistic':<22} {'n':>3} {'MdAPE':>8} {'p90 APE':>8} {'bias':>8}")
    for metric in METRICS:
        label = "TTFT" if metric == "ttft" else "ITL/TPOT"
        for stat in ("mean", *(n for n, _ in QUANTILES)):
            errs = [e for e, _ in _errors(cases, (metric, stat))]
            print(_line(f"{label} {stat}", errs))
        for name, _ in QUANTILES:
            rows = [
                c for c in cases if (metric, name) in c.measured and (metric, "mean") in c.measured
            ]
            if rows:
                errs = [e for e, _ in _errors(rows, (metric, "mean"))]
                print(_line(f"  {label} mean, {name} rows", errs))
    print("\nBy length spread (ShareGPT / OpenOrca = yes; fixed lengths = no), all percentiles:")
    for spread in ("yes", "no"):
        for metric in METRICS:
            errs = [
                e
                for name, _ in QUANTILES
                for e, c in _errors(cases, (metric, name))
                if c.row["length_spread"] == spread
            ]
            print(_line(f"{metric} spread={spread}", errs))
    allerr = [
        (abs(e), e, c, f"{m} {s}")
        for m in METRICS
        for s, _ in QUANTILES
        for e, c in _errors(cases, (m, s))
    ]
    allerr.sort(key=lambda t: -t[0])
    print("\n5 worst (row, statistic: predicted vs published ms):")
    for _, e, c, what in allerr[:5]:
        m, s = what.split()
        print(
            f"  {c.row['id']:<48} {what:<9} {c.predicted[(m, s)]:>8.1f} vs"
            f" {c.measured[(m, s)]:>8.1f}  {e:+.0%}"
        )
    if skipped:
        print("\nSkipped:")
        for rid, why in skipped:
            print(f"  {rid}: {why}")


def main() -> None:
    with CSV.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    cases, skipped = evaluate(rows)
    report(cases, skipped)


if __name__ == "__main__":
    main()
