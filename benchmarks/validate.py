"""Validate ``llmecon.perf.inference`` against published serving benchmarks, beside peers.

Usage (repository root, project venv)::

    python benchmarks/validate.py            # error tables (TEST rows, then CALIBRATION rows)
    python benchmarks/validate.py --rows     # also every row: predicted vs measured

For output throughput, TTFT and ITL it prints n, the median and p90 absolute percentage error
and the signed bias (median signed % error; + = over-prediction) of ``llmecon`` with its
calibrated ``ENGINE_PRESETS``, and of each peer (``benchmarks/data/peer_predictions.csv``,
from ``benchmarks/run_peers.py``) on the rows both predict (``n`` is printed for each).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root: tests/

from llmecon.perf.inference import ENGINE_PRESETS
from tests.perf_rows import (
    DATA,
    METRICS,
    SPLIT_RULE,
    Rows,
    Summary,
    load_rows,
    num,
    pct_errors,
    predict,
    row_efficiency,
    summarize,
)

F = np.ndarray
LABEL = {"throughput": "output throughput", "ttft": "TTFT", "itl": "ITL"}
PEERS_CSV = DATA / "peer_predictions.csv"


def load_peers(path: Path = PEERS_CSV) -> dict[str, dict[str, Mapping[str, float]]] | None:
    """Peer predictions as ``{peer: {id: {metric: value}}}``; ``None`` if the file is absent."""
    if not path.exists():
        return None
    out: dict[str, dict[str, Mapping[str, float]]] = {}
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            out.setdefault(r["peer"], {})[r["id"]] = {
                "throughput": num(r["output_tokens_per_s"]),
                "ttft": num(r["ttft_ms"]),
                "itl": num(r["itl_ms"]),
            }
    return out


def our_predictions(rows: Rows) -> dict[str, F]:
    """``llmecon`` predictions for every row with the calibrated engine presets."""
    return predict(rows, row_efficiency(rows, ENGINE_PRESETS))


def _fmt(s: Summary) -> str:
    if s.n == 0:
        return f"{0:>4d} {'-':>9s} {'-':>9s} {'-':>9s}"
    return f"{s.n:>4d} {100 * s.median_ape:>8.1f}% {100 * s.p90_ape:>8.1f}% {100 * s.bias:>+8.1f}%"


def error_table(rows: Rows, ours: dict[str, F], split: str) -> dict[str, Summary]:
    """Print the table for one split and return our summaries per metric."""
    mask = rows.split == split
    peers = load_peers()
    head = f"{'metric':<18s} {'model':<14s} {'n':>4s} {'medAPE':>9s} {'p90APE':>9s} {'bias':>9s}"
    print(f"\n== {split.upper()} rows ({int(mask.sum())}) ==")
    print(head)
    print("-" * len(head))
    out: dict[str, Summary] = {}
    for m in METRICS:
        meas = np.where(mask, rows.measured[m], np.nan)
        err = pct_errors(ours[m], meas)
        out[m] = summarize(err)
        print(f"{LABEL[m]:<18s} {'llmecon':<14s} {_fmt(out[m])}")
        if peers is None:
            continue
        for peer, preds in sorted(peers.items()):
            p = np.array([preds.get(i, {}).get(m, np.nan) for i in rows.ids])
            perr = pct_errors(p, meas)
            both = np.isfinite(perr) & np.isfinite(err)
            print(f"{'':<18s} {peer:<14s} {_fmt(summarize(perr))}")
            print(
                f"{'':<18s} {'  same rows:':<14s} {_fmt(summarize(np.where(both, err, np.nan)))}"
                f"  llmecon vs {_fmt(summarize(np.where(both, perr, np.nan)))}  {peer}"
            )
    if peers is None:
        print("peer predictions not found; run benchmarks/run_peers.py")
    return out


def print_rows(rows: Rows, ours: dict[str, F]) -> None:
    """Per-row predictions vs measurements."""
    print(
        f"\n{'id':<52s} {'split':<5s} {'mode':<14s} "
        + " ".join(f"{LABEL[m][:10]:>21s}" for m in METRICS)
    )
    for k, rid in enumerate(rows.ids):
        cells = []
        for m in METRICS:
            meas = rows.measured[m][k]
            cells.append(f"{ours[m][k]:>9.1f}/{meas:>9.1f}" + ("  " if np.isnan(meas) else " *"))
        print(f"{rid:<52s} {rows.split[k]:<5s} {rows.mode[k]:<14s} " + " ".join(cells))
    print("(predicted/measured; * = measured point used in the error tables)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", action="store_true", help="print per-row predictions vs measured")
    args = ap.parse_args(argv)
    rows = load_rows()
    print(f"split: {SPLIT_RULE}")
    test_ids = [i for i, s in zip(rows.ids, rows.split, strict=True) if s == "test"]
    print(f"usable rows {len(rows)}: calibration {len(rows) - len(test_ids)}, test {len(test_ids)}")
    print("TEST rows: " + ", ".join(test_ids))
    print(f"skipped {len(rows.skipped)} rows:")
    for rid, why in rows.skipped:
        print(f"  {rid}: {why}")
    print("TTFT of max_throughput rows (all requests queued at once) is not compared.")
    ours = our_predictions(rows)
    error_table(rows, ours, "test")
    error_table(rows, ours, "calib")
    if args.rows:
        print_rows(rows, ours)


if __name__ == "__main__":
    main()
