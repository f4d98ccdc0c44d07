"""Load of ``llmecon serve``: evaluate requests per second on loopback, cold and cached, with
latency percentiles (the web issue's target: at least 200 cached evaluate requests/s on one
core).

It starts the app under uvicorn (one worker, ``llmecon serve``'s defaults) in a subprocess
pinned to CPU 0, on a temporary SQLite database and a free loopback port, and drives it from
this process (pinned to CPU 1 when there is one) with ``--clients`` threads, each with its
own keep-alive ``httpx`` connection:

* cold: ``--cold`` requests, each with a slider position never asked before (the volume
  override moves by 0.1 % per request), so each one parses, prices and encodes;
* cached: ``--cached`` requests of one slider position already asked (the response bytes
  come from the result cache).

Traffic goes to 127.0.0.1 only; every loop is bounded by a count and a time limit.

Usage (repository root, project venv)::

    python benchmarks/web_load.py [--scenario examples/support_bot.yaml] [--clients 8]
        [--cold 60] [--cached 3000]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: Longest any phase may run. [s]
PHASE_LIMIT_S = 300.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and cpu < (os.cpu_count() or 1):
        os.sched_setaffinity(0, {cpu})


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    code = (
        "import uvicorn; from llmecon.web.app import create_app; "
        f"uvicorn.run(create_app('sqlite:///{db}'), host='127.0.0.1', port={port}, "
        "log_level='warning', workers=1)"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, preexec_fn=lambda: _pin(0))
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start within 60 s")


def run_phase(url: str, bodies: list[dict[str, Any]], clients: int) -> dict[str, float]:
    """Send ``bodies`` (one request each) from ``clients`` threads; wall time and latencies."""
    import httpx

    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    next_i = 0
    stop_at = time.monotonic() + PHASE_LIMIT_S

    def worker() -> None:
        nonlocal next_i
        with httpx.Client(timeout=60) as c:
            while time.monotonic() < stop_at:
                with lock:
                    if next_i >= len(bodies):
                        return
                    body = bodies[next_i]
                    next_i += 1
                t0 = time.perf_counter()
                r = c.post(url, json=body)
                dt = time.perf_counter() - t0
                with lock:
                    latencies.append(dt)
                    if r.status_code != 200:
                        failures.append(f"{r.status_code}: {r.text[:200]}")

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. {failures[0]}")
    q = statistics.quantiles(
        latencies * 2 if len(latencies) < 2 else latencies, n=100, method="inclusive"
    )
    return {
        "requests": len(latencies),
        "seconds": wall,
        "rps": len(latencies) / wall,
        "p50_ms": q[49] * 1e3,
        "p95_ms": q[94] * 1e3,
        "max_ms": max(latencies) * 1e3,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "examples" / "support_bot.yaml")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--cold", type=int, default=60)
    ap.add_argument("--cached", type=int, default=3000)
    args = ap.parse_args()

    text = args.scenario.read_text(encoding="utf-8")
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="llmecon-web-load-"))
    server = start_server(folder / "web.db", port)
    _pin(1)
    url = f"http://127.0.0.1:{port}/api/evaluate"
    try:
        import yaml

        base = float(yaml.safe_load(text)["workload"]["requests_per_month"])
        # warm-up: imports, catalogs, first pricing (not counted)
        run_phase(url, [{"yaml": text}], 1)
        cold = [
            {
                "yaml": text,
                "overrides": {"workload.requests_per_month": base * (1 + (i + 1) / 1000)},
            }
            for i in range(args.cold)
        ]
        cached_body = {"yaml": text, "overrides": {"workload.requests_per_month": base * 2}}
        run_phase(url, [cached_body], 1)  # the position is now in the cache
        results = {
            "cold (each request priced)": run_phase(url, cold, args.clients),
            "cached (same slider position)": run_phase(
                url, [cached_body] * args.cached, args.clients
            ),
        }
    finally:
        server.terminate()
        server.wait(10)
    import httpx
    import uvicorn

    try:
        import httptools  # noqa: F401

        parser = "httptools"
    except ImportError:
        parser = "h11"
    print(
        f"scenario {args.scenario.name}, {args.clients} client threads, server pinned to CPU 0 "
        f"(uvicorn {uvicorn.__version__}, {parser}; httpx {httpx.__version__}), "
        f"{time.strftime('%Y-%m-%d')}"
    )
    print("| phase | requests | seconds | requests/s | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['requests']:,.0f} | {r['seconds']:.2f} | {r['rps']:,.0f} | "
            f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['max_ms']:.1f} |"
        )


if __name__ == "__main__":
    main()
