"""Calibrate the perf model's efficiency factors on your own serving benchmarks.

``read_results`` reads the result files that the common serving benchmarks write, one
``Measurement`` per benchmark run; ``fit`` fits MBU, MFU and the step overhead of
``perf.inference.Efficiency`` so that ``at_concurrency`` / ``at_request_rate`` reproduce the
measured throughput, TTFT and ITL of one setup (model, GPU, tensor-parallel degree,
precision, engine); ``Calibration`` holds the factors with the data they came from and
reads and writes ``calibration.yaml``; ``apply`` puts the factors into an ``Efficiency``;
``check_setup`` refuses a calibration made for another setup.

Formats (detected from the fields; the field names were read in each tool's source):

* vLLM ``vllm bench serve --save-result`` JSON (``--append-result``: one object per line):
  ``model_id``, ``request_rate`` (``"inf"`` when unset), ``max_concurrency`` (``null`` when
  unset), ``completed``, ``total_input_tokens``, ``total_output_tokens``,
  ``request_throughput``, ``output_throughput``, ``mean_ttft_ms``, ``mean_tpot_ms``,
  ``mean_itl_ms``, ``num_prompts``, ``ramp_up_strategy`` [1].
* SGLang ``python -m sglang.bench_serving`` JSONL (one object per run, appended to
  ``--output-file``): the same names as vLLM's (the script was adapted from it) plus
  ``total_output_tokens_retokenized``, ``dataset_name``, ``concurrency``,
  ``accept_length``; it records no model id [2].
* NVIDIA genai-perf ``profile_export_genai_perf.json``: one object per metric,
  ``{"unit": ..., "avg": ..., "p99": ...}``, named ``request_throughput``,
  ``output_token_throughput``, ``time_to_first_token``, ``inter_token_latency``,
  ``input_sequence_length``, ``output_sequence_length``, ``request_count``; the command in
  ``input_config``: ``model_names`` and ``perf_analyzer.stimulus`` (``{"concurrency": N}``
  or ``{"request_rate": R}``) [3] (earlier releases wrote the argument namespace there:
  ``model``, ``concurrency``, ``request_rate``).
* NVIDIA AIPerf ``profile_export_aiperf.json``: the same metric objects (it mimics
  genai-perf's export) with ``input_config.endpoint.model_names`` and
  ``input_config.loadgen.concurrency`` / ``request_rate``; with neither set AIPerf runs at
  concurrency 1 [4].
* guidellm ``benchmarks.json``: ``benchmarks[]``, each with
  ``metrics.<name>.successful.mean`` for ``requests_per_second``, ``prompt_token_count``,
  ``output_token_count``, ``time_to_first_token_ms``, ``inter_token_latency_ms``,
  ``output_tokens_per_second``, ``request_concurrency``; the load in ``config.strategy``
  (``args.strategy`` before v0.4): ``type_`` ``synchronous``, ``concurrent`` (``streams``),
  ``throughput`` (``max_concurrency``), ``constant`` / ``poisson`` (``rate``,
  ``max_concurrency``); the model in ``config.backend.model`` (``worker.backend_model``
  before v0.4) [5].

Which numbers: the mean TTFT, and as ITL the mean time per output token after the first,
``(latency - TTFT) / (O - 1)`` -- vLLM's and SGLang's ``mean_tpot_ms`` (their
``mean_itl_ms`` averages the gaps between streamed chunks, which holds several tokens per
chunk when the server batches its stream; it is the fall-back), genai-perf's and AIPerf's
``inter_token_latency`` and guidellm's ``inter_token_latency_ms`` are that quantity [1]-[5];
it is the model's ITL, ``latency = TTFT + (O - 1) ITL`` (``inference.at_request_rate``).
Tokens per request are the means (vLLM, SGLang: totals over completed requests).

Operating points: a run at a fixed concurrency C (vLLM/SGLang ``max_concurrency`` with an
infinite rate; genai-perf/AIPerf ``concurrency``; guidellm ``synchronous``, C = 1, or
``concurrent``) is ``at_concurrency(C)``; a run at a request rate is ``at_request_rate``,
and where the client also caps the requests in flight and the open-loop point would hold
more than the cap, ``at_concurrency(cap)`` (the client's queue is outside the server, and
vLLM times TTFT from when a request is sent [1]). A *burst* (every request sent at once:
an infinite rate and no cap; guidellm ``throughput``) is taken at C = the requests sent
(guidellm: the measured mean concurrency); its throughput and ITL are fitted but not its
TTFT, which averages the wait of a one-off queue that the steady-state model does not have.

Fitting. The factors are found by minimising the sum of squared log errors
``log(predicted / measured)`` of output throughput, TTFT and ITL over all runs, the
criterion of ``benchmarks/calibrate.py`` (which fits the shipped presets on published rows)
without its robust loss, so that an exact model is recovered exactly (with a handful of
runs there are no outliers to discount, and every run is one the user chose). Fitted: ``mbu``,
``mfu_prefill`` and ``step_overhead_s``, in log space within ``FIT_BOUNDS``, by
Levenberg-Marquardt [6], [7]: the Gauss-Newton step on forward-difference Jacobians with
Marquardt's diagonal damping, raised tenfold until the step lowers the cost and lowered
tenfold after; the bounds are kept by projecting each step; three starts (the preset, and it
scaled down and up) against the kinks of the roofline's ``max()``. The notes name a factor
whose Jacobian column is zero (no run depends on it; it keeps the preset's value), one that
ends at a bound, and factors the runs cannot tell apart (the smallest singular value of the
Jacobian under ``_ILL`` times the largest: e.g. runs at one concurrency and prompt length
see only the sum of the weight-read time, ``1 / mbu``, and the step overhead).

``mfu_decode`` is tied to ``mfu_prefill`` by the preset's ratio (0.59 / 0.53) rather than
fitted: decode is memory-bound at every
concurrency a serving benchmark usually runs (a dense 8B model on an H100 at batch 64 needs
about 1.8 ms of matmul against 10 ms of weight and KV reads), so the data say nothing about
it, and the two are matmul efficiencies of the same kernels on the same GPU, which move
together. ``allreduce_latency_s``, ``max_batch`` and ``kv_reserve_output`` stay the
preset's: one setup's runs cannot separate the all-reduce latency from the step overhead,
and the other two are engine settings, not efficiencies.

References
----------
.. [1] vLLM, ``vllm/benchmarks/serve.py`` (commit 009e6d4a1cd6ba3fb2a9fc00f4ec06f5297232a1):
   ``benchmark()``'s ``result`` dict, ``process_one_metric`` (``mean_<m>_ms``,
   ``p99_<m>_ms``) and ``main_async``'s ``result_json`` (``model_id``, ``request_rate``,
   ``max_concurrency``; ``--append-result`` writes a newline and the next object).
.. [2] SGLang, ``python/sglang/bench_serving.py`` (commit
   0033168f0f58b2bc05aa0273bd475d9c01bafb1c): ``benchmark()``'s ``result`` dict, appended
   as one JSON line to the output file.
.. [3] triton-inference-server/perf_analyzer, ``genai-perf/genai_perf/export_data/
   json_exporter.py``, ``metrics/statistics.py``, ``metrics/llm_metrics.py`` and
   ``config/input/config_perf_analyzer.py`` (commit 263c5f6e0c7a6c15472a54409174981f67930cfe).
.. [4] ai-dynamo/aiperf, ``aiperf/exporters/json_exporter.py``,
   ``aiperf/common/models/export_models.py`` (``JsonExportData``, ``JsonMetricResult``),
   ``aiperf/common/config/user_config.py``, ``aiperf/metrics/types/
   inter_token_latency_metric.py`` (commit db4f6397d11ee2d4cfbb41f70b2327315163dcf0).
.. [5] vllm-project/guidellm v0.7.3 (commit 39383552962841086d05e25c37b58a83ef06c758):
   ``benchmark/schemas/report.py``, ``benchmark/schemas/benchmark.py``,
   ``benchmark/schemas/base.py`` (``BenchmarkConfig``), ``benchmark/schemas/metrics.py``
   (``GenerativeMetrics``), ``schemas/statistics.py``, ``scheduler/strategies.py``; v0.3.0
   (commit ad9513fd5f8993123e9d1648cd20f532f199c72c): ``benchmark/benchmark.py``
   (``args.strategy``), ``scheduler/worker.py`` (``backend_model``).
.. [6] K. Levenberg, "A method for the solution of certain non-linear problems in least
   squares", Q. Appl. Math. 2(2), 1944; D. W. Marquardt, "An algorithm for least-squares
   estimation of nonlinear parameters", SIAM J. Appl. Math. 11(2), 1963.
.. [7] J. Nocedal, S. J. Wright, "Numerical Optimization", 2nd ed., Springer 2006, ch. 10
   (Gauss-Newton and Levenberg-Marquardt), sec. 8.1 (finite-difference Jacobians).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from llmecon.errors import ScenarioError
from llmecon.perf import inference as inf

F = NDArray[np.float64]

#: Version of the calibration file layout (``llmecon_calibration:``).
SCHEMA_VERSION: Final[int] = 1

#: Largest benchmark result read: vLLM's ``--save-detailed`` keeps every request's text. [bytes]
MAX_RESULT_BYTES: Final[int] = 64 << 20

#: Largest calibration file read (as a scenario). [bytes]
MAX_CALIBRATION_BYTES: Final[int] = 1 << 20

#: Fitted factors and their bounds ``(name, low, high)`` in the ``Efficiency`` units: MBU and
#: MFU are shares of the GPU's peak [-], the step overhead a time [s]. Wider than
#: ``benchmarks/calibrate.py``'s, which fit well-tuned published setups: a user's may be far
#: from peak (a small model, an old engine).
FIT_BOUNDS: Final[tuple[tuple[str, float, float], ...]] = (
    ("mbu", 0.05, 1.0),
    ("mfu_prefill", 0.01, 1.0),
    ("step_overhead_s", 1e-5, 0.1),
)

#: The factors a calibration sets, as the calibration file and a scenario option's
#: ``efficiency:`` name them: file key -> (``Efficiency`` attribute, file unit in SI).
FACTOR_KEYS: Final[dict[str, tuple[str, float]]] = {
    "mbu": ("mbu", 1.0),
    "mfu_decode": ("mfu_decode", 1.0),
    "mfu_prefill": ("mfu_prefill", 1.0),
    "step_overhead_ms": ("step_overhead_s", 1e-3),
}

#: Log error counted for a prediction that is not a positive finite number (an overloaded
#: request rate gives an infinite TTFT): as ``benchmarks/calibrate.py``, a large error, e^3.
_MISS: Final[float] = 3.0

#: Relative column norm below which the data do not constrain a factor. [-]
_FLAT: Final[float] = 1e-9

#: Forward-difference step in the log of a factor [7]: small against the curvature, large
#: against the bisections' resolution (``inference._BISECT_STEPS``, ~1e-13). [-]
_FD_STEP: Final[float] = 1e-6

#: Ratio of the smallest to the largest singular value of the scaled Jacobian below which
#: two factors trade off against each other (the data fit a whole line of them). [-]
_ILL: Final[float] = 1e-4

ENGINES: Final[tuple[str, ...]] = tuple(inf.ENGINE_PRESETS)

FORMATS: Final[dict[str, str]] = {
    "vllm": "vLLM bench serve --save-result JSON",
    "sglang": "SGLang bench_serving JSONL",
    "genai-perf": "genai-perf profile export JSON",
    "aiperf": "AIPerf profile export JSON",
    "guidellm": "guidellm benchmarks JSON",
}

_UNKNOWN_FIX: Final[str] = (
    "give a vLLM `bench serve --save-result` JSON, an SGLang bench_serving JSONL, a "
    "genai-perf or AIPerf profile export JSON, or a guidellm benchmarks JSON"
)


# --------------------------------------------------------------------------- measurements


@dataclass(frozen=True)
class Measurement:
    """One benchmark run: its load, its request shape and what was measured.

    Attributes
    ----------
    source : the result file, as given. [-]
    format : one of ``FORMATS``. [-]
    run : position of the run in its file, from 1. [-]
    model : the model id the file names, or None (SGLang records none). [-]
    input_tokens, output_tokens : mean prompt and generated lengths per request. [tokens]
    concurrency : the client's cap on requests in flight (for a burst, the requests sent at
        once), or None. [-]
    request_rate : the offered arrival rate, or None for none (send as fast as the
        concurrency allows). [requests/s]
    output_tokens_per_s : measured output throughput. [tokens/s]
    requests_per_s : measured completed requests. [requests/s]
    ttft_s : mean time to first token. [s]
    itl_s : mean time per output token after the first (NaN where not measured). [s]
    completed : completed requests, where the file says. [-]
    sha256 : hash of the file's bytes. [-]
    """

    source: str
    format: str
    run: int
    model: str | None
    input_tokens: float
    output_tokens: float
    concurrency: float | None
    request_rate: float | None
    output_tokens_per_s: float
    requests_per_s: float
    ttft_s: float
    itl_s: float
    completed: int | None
    sha256: str
    burst: bool = False

    @property
    def mode(self) -> str:
        """``concurrency``, ``request_rate`` or ``burst`` (every request at once)."""
        if self.burst:
            return "burst"
        return "request_rate" if self.request_rate is not None else "concurrency"

    @property
    def load(self) -> str:
        """The operating point in words (``load_words``)."""
        return load_words(self.concurrency, self.request_rate, self.burst)


def load_words(concurrency: float | None, request_rate: float | None, burst: bool) -> str:
    """An operating point in words: ``C=16``, ``2.5 req/s``, ``2.5 req/s, C<=16``,
    ``burst of 1000``."""
    if burst:
        return f"burst of {concurrency:g}"
    if request_rate is None:
        return f"C={concurrency:g}"
    cap = f", C<={concurrency:g}" if concurrency is not None else ""
    return f"{request_rate:g} req/s{cap}"


def _problem(src: str, where: str, text: str) -> ScenarioError:
    return ScenarioError([f"{src}: {where}: {text}" if where else f"{src}: {text}"])


def _read_bytes(p: Path, limit: int, what: str) -> bytes:
    """A regular file's bytes, at most ``limit``; one clear line for anything else."""
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ScenarioError([f"{p}: no such file; check the path"]) from None
    except OSError as err:
        raise ScenarioError([f"{p}: cannot be read ({err.strerror}); check the path"]) from None
    if stat.S_ISDIR(st.st_mode):
        raise ScenarioError([f"{p}: is a directory; give {what}"])
    if not stat.S_ISREG(st.st_mode):
        raise ScenarioError([f"{p}: not a regular file (a pipe or device); give {what}"])
    if st.st_size > limit:
        raise ScenarioError(
            [f"{p}: {st.st_size:,} bytes is larger than {what} can be ({limit:,}); check the file"]
        )
    try:
        return p.read_bytes()
    except OSError as err:
        raise ScenarioError(
            [f"{p}: cannot be read ({err.strerror}); check its permissions"]
        ) from None


def _text(p: Path, raw: bytes, what: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            [
                f"{p}: not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start}); give {what}"
            ]
        ) from None
    if "\x00" in text:
        raise ScenarioError([f"{p}: holds NUL bytes, so it is not text; give {what}"])
    return text


def _documents(src: str, text: str) -> list[tuple[int | None, Any]]:
    """The JSON values in a result file: one document, or one per line (JSONL, and vLLM's
    ``--append-result``); each with its line number (None for a single document)."""
    if not text.strip():
        raise ScenarioError([f"{src}: empty; {_UNKNOWN_FIX}"])
    try:
        return [(None, json.loads(text))]
    except RecursionError:
        raise ScenarioError([f"{src}: nested too deeply to be a result; {_UNKNOWN_FIX}"]) from None
    except json.JSONDecodeError as err:
        if err.msg != "Extra data":
            raise ScenarioError(
                [
                    f"{src}: not JSON (line {err.lineno}, column {err.colno}: {err.msg}); "
                    f"{_UNKNOWN_FIX}"
                ]
            ) from None
    docs: list[tuple[int | None, Any]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            docs.append((n, json.loads(line)))
        except RecursionError:
            raise ScenarioError(
                [f"{src}: line {n}: nested too deeply to be a result; {_UNKNOWN_FIX}"]
            ) from None
        except json.JSONDecodeError as err:
            raise ScenarioError(
                [
                    f"{src}: line {n}: not JSON (column {err.colno}: {err.msg}); give the "
                    "lines the benchmark wrote, one JSON object each"
                ]
            ) from None
    return docs


def _detect(doc: Any) -> str | None:
    """The format of one JSON document, from the fields each tool writes [1]-[5]."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("benchmarks"), list):
        return "guidellm"
    cfg = doc.get("input_config")
    if isinstance(cfg, dict) and any(
        isinstance(doc.get(k), dict) for k in ("request_throughput", "time_to_first_token")
    ):
        return "aiperf" if "loadgen" in cfg else "genai-perf"
    if "output_throughput" in doc or "mean_ttft_ms" in doc:
        if "model_id" in doc or "endpoint_type" in doc:
            return "vllm"
        if "total_output_tokens_retokenized" in doc or "dataset_name" in doc:
            return "sglang"
        return "vllm" if "burstiness" in doc else "sglang"
    return None


class _Fields:
    """Numbers out of one result document; every error names the file and the field."""

    def __init__(self, src: str, fmt: str, prefix: str = ""):
        self.src = src
        self.fmt = fmt
        self.prefix = prefix

    def where(self, path: str) -> str:
        return f"{self.prefix}{path}"

    def missing(self, path: str) -> ScenarioError:
        return _problem(
            self.src,
            self.where(path),
            f"missing; a {FORMATS[self.fmt]} has it -- give the file as the benchmark wrote it",
        )

    def get(self, obj: Any, path: str) -> Any:
        """The value at a dotted ``path`` under ``obj`` (None where absent)."""
        cur = obj
        for key in path.split("."):
            if not isinstance(cur, dict) or key not in cur:
                return None
            cur = cur[key]
        return cur

    def number(self, obj: Any, path: str, *, required: bool = True) -> float | None:
        v = self.get(obj, path)
        if v is None:
            if required:
                raise self.missing(path)
            return None
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _problem(
                self.src, self.where(path), f"{v!r} is not a number; give the file as written"
            )
        x = float(v)
        if not math.isfinite(x) or x < 0.0:
            raise _problem(
                self.src,
                self.where(path),
                f"{x:g} is not a measurement (a finite number >= 0); check the run",
            )
        return x

    def positive(self, obj: Any, path: str) -> float:
        x = self.number(obj, path)
        assert x is not None
        if x <= 0.0:
            raise _problem(
                self.src,
                self.where(path),
                "is 0, so the run measured nothing; give a run that completed requests",
            )
        return x

    def rate(self, obj: Any, path: str) -> float | None:
        """A request rate: None for unset, ``"inf"`` or infinity (as fast as possible)."""
        v = self.get(obj, path)
        if v is None or v == "" or (isinstance(v, str) and v.strip().lower() == "inf"):
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or math.isnan(v) or v <= 0:
            raise _problem(
                self.src, self.where(path), f"{v!r} is not a request rate; give the file as written"
            )
        return None if math.isinf(v) else float(v)

    def count(self, obj: Any, path: str) -> float | None:
        """A concurrency: None for unset, else a positive number."""
        v = self.get(obj, path)
        if v is None or v == "":
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or not (0 < v < math.inf):
            raise _problem(
                self.src,
                self.where(path),
                f"{v!r} is not a concurrency (requests in flight); give the file as written",
            )
        return float(v)


def _model_name(v: Any) -> str | None:
    if isinstance(v, list):
        v = v[0] if v else None
    return v if isinstance(v, str) and v.strip() else None


def _vllm_like(doc: dict[str, Any], f: _Fields, run: int, sha: str) -> Measurement:
    """vLLM ``bench serve`` [1] and SGLang ``bench_serving`` [2] (same field names)."""
    if doc.get("ramp_up_strategy"):
        raise _problem(
            f.src,
            f.where("ramp_up_strategy"),
            "a ramp-up run has no single operating point; give runs at a fixed request "
            "rate or concurrency",
        )
    completed = f.positive(doc, "completed")
    tps = f.positive(doc, "output_throughput")
    rps = f.positive(doc, "request_throughput")
    ttft = f.positive(doc, "mean_ttft_ms") / 1e3
    # TPOT is (latency - TTFT) / (O - 1) per request, the model's ITL; mean_itl_ms averages
    # the gaps between streamed chunks, which can hold several tokens
    tpot = f.number(doc, "mean_tpot_ms", required=False)
    if not tpot:
        tpot = f.number(doc, "mean_itl_ms", required=False)
    rate = f.rate(doc, "request_rate")
    conc = f.count(doc, "max_concurrency")
    burst = rate is None and conc is None
    if burst:  # every prompt sent at once: as many in flight as were sent
        conc = f.count(doc, "num_prompts") or completed
    return Measurement(
        source=f.src,
        format=f.fmt,
        run=run,
        model=_model_name(doc.get("model_id")),
        input_tokens=f.positive(doc, "total_input_tokens") / completed,
        output_tokens=f.positive(doc, "total_output_tokens") / completed,
        concurrency=conc,
        request_rate=rate,
        output_tokens_per_s=tps,
        requests_per_s=rps,
        ttft_s=ttft,
        itl_s=tpot / 1e3 if tpot else math.nan,
        completed=round(completed),
        sha256=sha,
        burst=burst,
    )


#: Time units genai-perf and AIPerf may write next to a metric, in seconds.
_TIME_UNITS: Final[dict[str, float]] = {"ms": 1e-3, "s": 1.0, "us": 1e-6, "ns": 1e-9}


def _profile_export(doc: dict[str, Any], f: _Fields, run: int, sha: str) -> Measurement:
    """genai-perf [3] and AIPerf [4] profile exports: ``<metric>.avg`` with its ``unit``."""

    def avg(name: str, required: bool = True) -> float | None:
        return f.number(doc, f"{name}.avg", required=required)

    def seconds(name: str, required: bool = True) -> float | None:
        v = avg(name, required)
        if v is None:
            return None
        unit = f.get(doc, f"{name}.unit") or "ms"
        if unit not in _TIME_UNITS:
            raise _problem(
                f.src, f.where(f"{name}.unit"), f"unknown time unit {unit!r}; give ms, s, us or ns"
            )
        return v * _TIME_UNITS[unit]

    cfg = doc["input_config"]
    if f.fmt == "aiperf":
        model = _model_name(f.get(cfg, "endpoint.model_names"))
        conc = f.count(cfg, "loadgen.concurrency")
        rate = f.rate(cfg, "loadgen.request_rate")
        if conc is None and rate is None:
            conc = 1.0  # AIPerf's default: concurrency 1 (UserConfig.validate_timing_mode)
    else:
        model = _model_name(cfg.get("model_names")) or _model_name(cfg.get("model"))
        stim = f.get(cfg, "perf_analyzer.stimulus")
        if isinstance(stim, dict):
            other = sorted(set(stim) - {"concurrency", "request_rate"})
            if other:
                raise _problem(
                    f.src,
                    f.where("input_config.perf_analyzer.stimulus"),
                    f"a {other[0]} run has no single operating point; give runs at a fixed "
                    "concurrency or request rate",
                )
            conc = f.count(stim, "concurrency")
            rate = f.rate(stim, "request_rate")
            if conc is None and rate is None:
                conc = 1.0
        else:  # earlier releases: the argument namespace
            conc = f.count(cfg, "concurrency")
            rate = f.rate(cfg, "request_rate")
            if conc is None and rate is None:
                conc = 1.0  # genai-perf's default
    tps = avg("output_token_throughput")
    rps = avg("request_throughput")
    assert tps is not None and rps is not None
    ttft = seconds("time_to_first_token")
    itl = seconds("inter_token_latency", required=False)  # absent when not streaming
    isl = avg("input_sequence_length")
    osl = avg("output_sequence_length")
    count = avg("request_count", required=False)
    for name, v in (
        ("output_token_throughput", tps),
        ("request_throughput", rps),
        ("time_to_first_token", ttft),
        ("input_sequence_length", isl),
        ("output_sequence_length", osl),
    ):
        if not v:
            raise _problem(
                f.src,
                f.where(f"{name}.avg"),
                "is 0, so the run measured nothing; give a run that completed requests",
            )
    assert ttft is not None and isl is not None and osl is not None
    return Measurement(
        source=f.src,
        format=f.fmt,
        run=run,
        model=model,
        input_tokens=isl,
        output_tokens=osl,
        concurrency=conc,
        request_rate=rate,
        output_tokens_per_s=tps,
        requests_per_s=rps,
        ttft_s=ttft,
        itl_s=itl if itl else math.nan,
        completed=round(count) if count else None,
        sha256=sha,
    )


def _guidellm(doc: dict[str, Any], src: str, sha: str) -> list[Measurement]:
    """guidellm's report [5]: one measurement per ``benchmarks[i]``."""
    runs = doc["benchmarks"]
    if not runs:
        raise ScenarioError([f"{src}: benchmarks: empty; give a report with benchmark runs"])
    return [_guidellm_run(b, i, src, sha) for i, b in enumerate(runs)]


def _guidellm_run(b: Any, i: int, src: str, sha: str) -> Measurement:
    """One of guidellm's ``benchmarks[i]`` [5]."""
    f = _Fields(src, "guidellm", f"benchmarks[{i}].")
    if not isinstance(b, dict):
        raise _problem(src, f"benchmarks[{i}]", "not a benchmark object; give the report")
    strategy = f.get(b, "config.strategy")
    spath = "config.strategy"
    if not isinstance(strategy, dict):
        strategy, spath = f.get(b, "args.strategy"), "args.strategy"  # before v0.4
    if not isinstance(strategy, dict):
        raise f.missing("config.strategy")
    metrics = b.get("metrics")
    if not isinstance(metrics, dict):
        raise f.missing("metrics")

    def mean(name: str) -> float:
        return f.positive(b, f"metrics.{name}.successful.mean")

    kind = strategy.get("type_")
    conc: float | None
    rate: float | None = None
    burst = False
    if kind == "synchronous":
        conc = 1.0
    elif kind == "concurrent":
        conc = f.count(strategy, "streams")
        if conc is None:
            raise f.missing(f"{spath}.streams")
    elif kind == "throughput":
        conc = f.count(strategy, "max_concurrency")
        if conc is None:  # all at once: the concurrency the run measured
            burst = True
            conc = mean("request_concurrency")
    elif kind in ("constant", "poisson"):
        rate = f.rate(strategy, "rate")
        conc = f.count(strategy, "max_concurrency")
        if rate is None:
            raise f.missing(f"{spath}.rate")
    else:
        raise _problem(
            src,
            f.where(f"{spath}.type_"),
            f"strategy {kind!r} is not one llmecon reads; give synchronous, concurrent, "
            "throughput, constant or poisson runs",
        )
    model = _model_name(f.get(b, "config.backend.model")) or _model_name(
        f.get(b, "worker.backend_model")
    )
    done = f.get(metrics, "request_totals.successful")
    if done is None:
        done = f.get(b, "run_stats.requests_made.successful")
    itl_ms = f.number(b, "metrics.inter_token_latency_ms.successful.mean", required=False)
    return Measurement(
        source=src,
        format="guidellm",
        run=i + 1,
        model=None if model == "None" else model,
        input_tokens=mean("prompt_token_count"),
        output_tokens=mean("output_token_count"),
        concurrency=conc,
        request_rate=rate,
        output_tokens_per_s=mean("output_tokens_per_second"),
        requests_per_s=mean("requests_per_second"),
        ttft_s=mean("time_to_first_token_ms") / 1e3,
        itl_s=itl_ms / 1e3 if itl_ms else math.nan,
        completed=done if isinstance(done, int) and not isinstance(done, bool) else None,
        sha256=sha,
        burst=burst,
    )


def read_result(path: str | Path) -> list[Measurement]:
    """The benchmark runs in one result file (format detected from its fields).

    Raises
    ------
    ScenarioError
        One line naming the file (and the line or field) for an unreadable, malformed or
        unknown file.
    """
    p = Path(path)
    src = str(path)
    what = "a benchmark result file"
    raw = _read_bytes(p, MAX_RESULT_BYTES, what)
    sha = hashlib.sha256(raw).hexdigest()
    docs = _documents(src, _text(p, raw, what))
    out: list[Measurement] = []
    for line, doc in docs:
        fmt = _detect(doc)
        where = f"line {line}" if line is not None else ""
        if fmt is None:
            raise _problem(src, where, f"not a benchmark result llmecon reads; {_UNKNOWN_FIX}")
        if fmt == "guidellm":
            if line is not None:
                raise _problem(src, where, "a guidellm report is one JSON document; give it whole")
            out.extend(_guidellm(doc, src, sha))
            continue
        prefix = f"line {line}: " if line is not None else ""
        f = _Fields(src, fmt, prefix)
        reader = _vllm_like if fmt in ("vllm", "sglang") else _profile_export
        out.append(reader(doc, f, len(out) + 1, sha))
    return out


def read_results(paths: Iterable[str | Path]) -> list[Measurement]:
    """Every benchmark run in the result files, in order (``read_result`` on each).

    Raises
    ------
    ScenarioError
        As ``read_result``; also for no files.
    """
    out: list[Measurement] = []
    for p in paths:
        out.extend(read_result(p))
    if not out:
        raise ScenarioError(["RESULT: no result files given; give at least one"])
    return out


# --------------------------------------------------------------------------- predictions


@dataclass(frozen=True)
class Metrics:
    """Output throughput [tokens/s], mean TTFT [s] and mean ITL [s] of one run."""

    output_tokens_per_s: float
    ttft_s: float
    itl_s: float

    def errors(self, measured: Metrics) -> tuple[float, float, float]:
        """Relative errors ``self / measured - 1`` (NaN where either is missing, inf where the
        prediction is unbounded: an overloaded request rate's TTFT). [-]"""

        def rel(p: float, m: float) -> float:
            if not (math.isfinite(m) and m > 0) or math.isnan(p):
                return math.nan
            return p / m - 1.0  # inf for an overloaded (unbounded) prediction

        (p1, p2, p3), (m1, m2, m3) = self.values(), measured.values()
        return rel(p1, m1), rel(p2, m2), rel(p3, m3)

    def values(self) -> tuple[float, float, float]:
        return (self.output_tokens_per_s, self.ttft_s, self.itl_s)


@dataclass(frozen=True)
class _Points:
    """The runs as arrays for the vectorised perf model."""

    inp: F
    out: F
    conc: F  # cap or closed-loop concurrency; inf for none
    rate: F  # inf for none
    measured: F  # (3, n): throughput, TTFT, ITL
    weight: F  # (3, n): 1 where a metric is fitted, else 0

    @classmethod
    def of(cls, ms: Sequence[Measurement]) -> _Points:
        def arr(xs: Iterable[float | None]) -> F:
            return np.array([math.inf if x is None else x for x in xs], dtype=float)

        measured = np.array([[m.output_tokens_per_s, m.ttft_s, m.itl_s] for m in ms], dtype=float).T
        weight = np.where(np.isfinite(measured) & (measured > 0), 1.0, 0.0)
        weight[1, [m.burst for m in ms]] = 0.0  # a burst's mean TTFT is a one-off queue
        return cls(
            inp=arr(m.input_tokens for m in ms),
            out=arr(m.output_tokens for m in ms),
            conc=arr(m.concurrency for m in ms),
            rate=arr(m.request_rate for m in ms),
            measured=measured,
            weight=weight,
        )


def _predict(replica: inf.Replica, pts: _Points, eff: inf.Efficiency) -> F:
    """Predicted throughput, TTFT and ITL of every run, shape (3, n) (see the module's
    "Operating points")."""
    n = pts.inp.size
    pred = np.full((3, n), np.nan)
    closed = ~np.isfinite(pts.rate)
    if closed.any():
        p = inf.at_concurrency(replica, pts.conc[closed], pts.inp[closed], pts.out[closed], eff)
        pred[:, closed] = np.stack([p.output_tokens_per_s, p.ttft_s, p.itl_s])
    opened = ~closed
    if opened.any():
        i, o, cap = pts.inp[opened], pts.out[opened], pts.conc[opened]
        q = inf.at_request_rate(replica, pts.rate[opened], i, o, eff)
        vals = np.stack([q.output_tokens_per_s, q.ttft_s, q.itl_s])
        capped = np.isfinite(cap) & ((q.concurrency > cap) | q.overloaded)
        if capped.any():  # the client holds the excess: closed loop at its cap
            c = inf.at_concurrency(replica, np.where(capped, cap, 1.0), i, o, eff)
            vals = np.where(capped, np.stack([c.output_tokens_per_s, c.ttft_s, c.itl_s]), vals)
        pred[:, opened] = vals
    return pred


def predict(
    measurements: Sequence[Measurement], replica: inf.Replica, eff: inf.Efficiency
) -> list[Metrics]:
    """The perf model's throughput, TTFT and ITL at each run's load and request shape."""
    pred = _predict(replica, _Points.of(measurements), eff)
    return [Metrics(*(float(v) for v in pred[:, k])) for k in range(pred.shape[1])]


def _residuals(pred: F, pts: _Points) -> F:
    """Log errors of the fitted metrics (``_MISS`` for a prediction that is not positive)."""
    ok = np.isfinite(pred) & (pred > 0)
    fitted = pts.weight > 0
    # placeholders where a value is not used, so that log() sees only positive numbers
    ratio = np.where(ok, pred, 1.0) / np.where(fitted, pts.measured, 1.0)
    return np.asarray(np.where(ok, np.log(ratio), _MISS)[fitted], dtype=float)


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class Factors:
    """The factors a calibration sets in ``Efficiency`` (same names and units)."""

    mbu: float  # [-]
    mfu_decode: float  # [-]
    mfu_prefill: float  # [-]
    step_overhead_s: float  # [s]

    @classmethod
    def of(cls, eff: inf.Efficiency) -> Factors:
        return cls(
            *(
                float(np.asarray(getattr(eff, a)))
                for a in ("mbu", "mfu_decode", "mfu_prefill", "step_overhead_s")
            )
        )


@dataclass(frozen=True)
class Setup:
    """What a calibration was measured on: catalog model and GPU names, tensor-parallel
    degree, weight precision and engine preset."""

    model: str
    gpu: str
    gpus: int
    precision: str
    engine: str

    def describe(self) -> str:
        return f"{self.model} on {self.gpus} x {self.gpu} ({self.precision}), engine {self.engine}"


@dataclass(frozen=True)
class Point:
    """One run of a calibration: its load, measured and predicted numbers."""

    source: str
    format: str
    run: int
    mode: str
    concurrency: float | None
    request_rate: float | None
    input_tokens: float
    output_tokens: float
    measured: Metrics
    before: Metrics
    after: Metrics

    @property
    def label(self) -> str:
        return f"{Path(self.source).name}#{self.run}"

    @property
    def load(self) -> str:
        return load_words(self.concurrency, self.request_rate, self.mode == "burst")


@dataclass(frozen=True)
class SourceFile:
    """A result file a calibration read: its name as given, SHA-256 and format."""

    file: str
    sha256: str
    format: str


@dataclass(frozen=True)
class Calibration:
    """Efficiency factors fitted to one setup's benchmarks, with the data behind them.

    Attributes
    ----------
    setup : what was measured.
    factors : the fitted factors (``apply`` sets them).
    base : the preset's factors the fit started from.
    points : every run, with its measured, before and after numbers.
    sources : the result files.
    created : ISO date of the fit.
    notes : what the data could not determine (factors left at the preset, factors at a
        bound, factors that trade off against each other).
    rms_log_error_before, rms_log_error_after : root mean square of the fitted log errors
        with the preset and with the fitted factors. [-]
    """

    setup: Setup
    factors: Factors
    base: Factors
    points: tuple[Point, ...]
    sources: tuple[SourceFile, ...]
    created: str
    notes: tuple[str, ...] = ()
    rms_log_error_before: float = math.nan
    rms_log_error_after: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        """The calibration file's content (``to_yaml``)."""

        def factors(f: Factors) -> dict[str, float]:
            return {
                key: _round(float(getattr(f, attr)) / unit)
                for key, (attr, unit) in FACTOR_KEYS.items()
            }

        def metrics(m: Metrics) -> dict[str, float | None]:
            tps, ttft, itl = m.values()
            return {
                "output_tokens_per_s": _finite(tps),
                "ttft_ms": _finite(ttft * 1e3),
                "itl_ms": _finite(itl * 1e3),
            }

        return {
            "llmecon_calibration": SCHEMA_VERSION,
            "created": self.created,
            "setup": {
                "model": self.setup.model,
                "gpu": self.setup.gpu,
                "gpus": self.setup.gpus,
                "precision": self.setup.precision,
                "engine": self.setup.engine,
            },
            "factors": factors(self.factors),
            "base": factors(self.base),
            "fit": {
                "method": "least squares on log errors of throughput, TTFT and ITL "
                "(Levenberg-Marquardt); mfu_decode tied to mfu_prefill by the preset's ratio",
                "rms_log_error_before": _finite(self.rms_log_error_before),
                "rms_log_error_after": _finite(self.rms_log_error_after),
                "notes": list(self.notes),
            },
            "source": [
                {"file": s.file, "sha256": s.sha256, "format": s.format} for s in self.sources
            ],
            "points": [
                {
                    "source": p.source,
                    "run": p.run,
                    "format": p.format,
                    "mode": p.mode,
                    "concurrency": p.concurrency,
                    "request_rate": p.request_rate,
                    "input_tokens": p.input_tokens,
                    "output_tokens": p.output_tokens,
                    "measured": metrics(p.measured),
                    "before": metrics(p.before),
                    "after": metrics(p.after),
                }
                for p in self.points
            ],
        }

    def to_yaml(self) -> str:
        """The calibration file's text: a comment, then ``to_dict`` as YAML."""
        import yaml

        head = (
            "# llmecon calibration: efficiency factors fitted to measured serving benchmarks\n"
            "# (llmecon calibrate); use it with `llmecon perf --calibration FILE` or a\n"
            "# scenario option's `calibration: FILE`.\n"
        )
        return head + yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)


def _round(x: float) -> float:
    """Ten significant digits: enough to reproduce a fit, short enough to read."""
    return float(f"{x:.10g}")


def _finite(x: float) -> float | None:
    return _round(x) if math.isfinite(x) else None


def _lm(res: Callable[[F], F], z0: F, lo: F, hi: F, max_iter: int = 200) -> tuple[F, float, F, int]:
    """Bounded Levenberg-Marquardt [6], [7] on ``sum(res(z)^2)``.

    Gauss-Newton steps ``(J'J + mu diag(J'J)) dz = -J'r`` on a forward-difference Jacobian,
    projected onto ``[lo, hi]``; ``mu`` x10 until a step lowers the cost, /10 after one does.
    Columns of J that are zero (a parameter the residuals do not depend on) are frozen.

    Returns the solution, its cost, the Jacobian there and the iterations run.
    """
    z = np.clip(z0, lo, hi)
    r = res(z)
    cost = float(r @ r)
    mu = 1e-3
    iterations = 0
    jac = _jacobian(res, z, r, lo, hi)
    for _ in range(max_iter):
        iterations += 1
        norms = np.linalg.norm(jac, axis=0)
        free = norms > _FLAT * max(float(norms.max(initial=0.0)), 1e-300)
        if not free.any():
            break
        a = jac[:, free].T @ jac[:, free]
        g = jac[:, free].T @ r
        step = np.zeros_like(z)
        new = None
        while mu < 1e12:
            damped = a + mu * np.diag(np.diag(a))
            try:
                step[free] = np.linalg.solve(damped, -g)
            except np.linalg.LinAlgError:
                mu *= 10.0
                continue
            z_new = np.clip(z + step, lo, hi)
            r_new = res(z_new)
            c_new = float(r_new @ r_new)
            if c_new < cost:
                new = (z_new, r_new, c_new)
                break
            mu *= 10.0
        if new is None:
            break
        moved = float(np.max(np.abs(new[0] - z)))
        drop = cost - new[2]
        z, r, cost = new
        mu = max(mu / 10.0, 1e-12)
        if cost < 1e-28 or moved < 1e-12 or drop <= 1e-15 * cost:
            break
        jac = _jacobian(res, z, r, lo, hi)
    return z, cost, _jacobian(res, z, r, lo, hi), iterations


def _jacobian(res: Callable[[F], F], z: F, r: F, lo: F, hi: F) -> F:
    """Forward differences (backward at an upper bound) of ``res`` at ``z`` [7]."""
    jac = np.empty((r.size, z.size))
    for k in range(z.size):
        h = _FD_STEP if z[k] + _FD_STEP <= hi[k] else -_FD_STEP
        zk = z.copy()
        zk[k] += h
        jac[:, k] = (res(zk) - r) / h
    return jac


def fit(
    measurements: Sequence[Measurement],
    replica: inf.Replica,
    base: inf.Efficiency,
    setup: Setup,
    created: str | None = None,
) -> Calibration:
    """Fit ``mbu``, ``mfu_prefill`` (with ``mfu_decode`` tied to it) and
    ``step_overhead_s`` to the runs (the module's "Fitting").

    Parameters
    ----------
    measurements : the runs of one setup (``read_results``).
    replica : that setup's replica (``perf.replica.build_replica``).
    base : the engine preset to start from; its other factors are kept.
    setup : what the runs were measured on (stored in the calibration).
    created : ISO date to record; default today.

    Returns
    -------
    Calibration
        The fitted factors, the preset's, and each run's numbers before and after.
    """
    if not measurements:
        raise ScenarioError(["RESULT: no benchmark runs to fit; give result files"])
    pts = _Points.of(measurements)
    b = Factors.of(base)
    ratio = b.mfu_decode / b.mfu_prefill
    names = [n for n, _, _ in FIT_BOUNDS]
    lo = np.log([x for _, x, _ in FIT_BOUNDS])
    hi = np.log([x for _, _, x in FIT_BOUNDS])

    def eff_of(z: F) -> inf.Efficiency:
        x = dict(zip(names, np.exp(z).tolist(), strict=True))
        return replace(
            base,
            mbu=x["mbu"],
            mfu_prefill=x["mfu_prefill"],
            mfu_decode=min(1.0, x["mfu_prefill"] * ratio),
            step_overhead_s=x["step_overhead_s"],
        )

    def res(z: F) -> F:
        return _residuals(_predict(replica, pts, eff_of(z)), pts)

    z0 = np.clip(np.log([getattr(b, n) for n in names]), lo, hi)
    best: tuple[F, float, F, int] | None = None
    # three starts against the kinks of max() in the roofline: the preset, and it scaled
    for shift in (0.0, -0.5, 0.5):
        found = _lm(res, z0 + shift, lo, hi)
        if best is None or found[1] < best[1] - 1e-15:
            best = found
    assert best is not None
    z, cost, jac, _ = best
    norms = np.linalg.norm(jac, axis=0)
    flat = norms <= _FLAT * max(float(norms.max(initial=0.0)), 1e-300)
    notes = []
    for j in np.flatnonzero(flat):
        z[j] = z0[j]  # nothing depends on it: keep the preset's value
        notes.append(
            f"{names[j]}: not determined by these runs (no run depends on it); kept the "
            "preset's value"
        )
    edge = (z <= lo + 1e-9) | (z >= hi - 1e-9)
    for k in np.flatnonzero(edge & ~flat):
        side = "lower" if z[k] <= lo[k] + 1e-9 else "upper"
        notes.append(
            f"{names[k]}: at its {side} bound {math.exp(z[k]):.4g}; the model cannot fit these "
            "runs there -- check the GPU, precision and --gpus"
        )
    free = np.flatnonzero(~flat & ~edge)  # a factor at a bound is held there, not traded
    if free.size > 1:
        # the right singular vector of the smallest singular value is the direction in
        # which the factors trade off
        _, sv, vt = np.linalg.svd(jac[:, free], full_matrices=False)
        tied = [names[free[k]] for k in np.flatnonzero(np.abs(vt[-1]) > 0.2)]
        if sv[-1] < _ILL * sv[0] and len(tied) > 1:
            notes.append(
                f"the runs do not separate {' and '.join(tied)} (one trades off against "
                "another); add runs at other concurrencies or prompt lengths"
            )
    fitted = eff_of(z)
    before = _predict(replica, pts, base)
    after = _predict(replica, pts, fitted)
    r0 = _residuals(before, pts)
    r1 = _residuals(after, pts)
    del cost

    def metrics(a: F, k: int) -> Metrics:
        return Metrics(float(a[0, k]), float(a[1, k]), float(a[2, k]))

    points = tuple(
        Point(
            source=m.source,
            format=m.format,
            run=m.run,
            mode=m.mode,
            concurrency=m.concurrency,
            request_rate=m.request_rate,
            input_tokens=m.input_tokens,
            output_tokens=m.output_tokens,
            measured=metrics(pts.measured, k),
            before=metrics(before, k),
            after=metrics(after, k),
        )
        for k, m in enumerate(measurements)
    )
    seen: dict[str, SourceFile] = {}
    for m in measurements:
        seen.setdefault(m.source, SourceFile(m.source, m.sha256, m.format))
    return Calibration(
        setup=setup,
        factors=Factors.of(fitted),
        base=b,
        points=points,
        sources=tuple(seen.values()),
        created=created or dt.date.today().isoformat(),
        notes=tuple(notes),
        rms_log_error_before=float(np.sqrt(np.mean(r0**2))) if r0.size else math.nan,
        rms_log_error_after=float(np.sqrt(np.mean(r1**2))) if r1.size else math.nan,
    )


# --------------------------------------------------------------------------- using it


def apply(calibration: Calibration, efficiency: inf.Efficiency) -> inf.Efficiency:
    """``efficiency`` with the calibration's ``mbu``, ``mfu_decode``, ``mfu_prefill`` and
    ``step_overhead_s``; its other fields (batch cap, KV reserve, all-reduce and network
    latencies) unchanged."""
    f = calibration.factors
    return replace(
        efficiency,
        mbu=f.mbu,
        mfu_decode=f.mfu_decode,
        mfu_prefill=f.mfu_prefill,
        step_overhead_s=f.step_overhead_s,
    )


def _same(a: str, b: str) -> bool:
    """Names equal once case, spaces, dashes and dots are ignored (as catalog look-ups)."""

    def norm(s: str) -> str:
        return re.sub(r"[\s_\-.]+", "", s).casefold()

    return norm(a) == norm(b)


def check_setup(
    calibration: Calibration,
    *,
    model: str,
    gpu: str,
    gpus: int,
    precision: str,
    engine: str | None = None,
    where: str,
    fix: str = "calibrate this setup with `llmecon calibrate`, or use a calibration made for it",
) -> None:
    """Refuse a calibration made for another setup.

    Parameters
    ----------
    model, gpu : catalog names of the setup it is applied to.
    gpus, precision : its tensor-parallel degree and weight precision.
    engine : its engine preset; None or ``"default"`` (none chosen) accepts the
        calibration's.
    where : what names the calibration in errors (its file, or the YAML path).
    fix : what to do about a mismatch.

    Raises
    ------
    ScenarioError
        One line per field that differs, naming both values.
    """
    s = calibration.setup
    problems = []
    for field, made, used in (
        ("model", s.model, model),
        ("GPU", s.gpu, gpu),
        ("precision", s.precision, precision),
    ):
        if not _same(made, used):
            problems.append(f"{where}: calibrated for {field} {made}, not {used}; {fix}")
    if int(s.gpus) != int(gpus):
        problems.append(f"{where}: calibrated on {s.gpus} GPU(s) per replica, not {gpus}; {fix}")
    if engine not in (None, "default") and engine != s.engine:
        problems.append(f"{where}: calibrated for engine {s.engine}, not {engine}; {fix}")
    if problems:
        raise ScenarioError(problems)


def load_calibration(path: str | Path, where: str | None = None) -> Calibration:
    """Read a calibration file (``Calibration.to_yaml``).

    ``where`` prefixes each error (e.g. a scenario's YAML path); errors name the file and
    the field.

    Raises
    ------
    ScenarioError
        For an unreadable or malformed file, one line per problem.
    """
    import yaml

    p = Path(path)
    src = f"{where}: {p}" if where else str(p)
    what = "a calibration file from `llmecon calibrate`"
    try:
        text = _text(p, _read_bytes(p, MAX_CALIBRATION_BYTES, what), what)
    except ScenarioError as err:
        raise ScenarioError(
            [f"{where}: {line}" if where else line for line in err.problems]
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioError([f"{src}:{at}: malformed YAML; {what} is plain YAML"]) from None
    except RecursionError:
        raise ScenarioError([f"{src}: nested too deeply; give {what}"]) from None
    return from_dict(data, src)


def from_dict(data: Any, src: str = "calibration") -> Calibration:
    """A ``Calibration`` from ``Calibration.to_dict``'s layout; ``src`` names it in errors."""
    fix = "give a calibration file written by `llmecon calibrate`"
    if not isinstance(data, dict) or "llmecon_calibration" not in data:
        raise ScenarioError([f"{src}: not an llmecon calibration file; {fix}"])
    if data["llmecon_calibration"] != SCHEMA_VERSION:
        raise ScenarioError(
            [
                f"{src}: llmecon_calibration: version {data['llmecon_calibration']!r} is not "
                f"{SCHEMA_VERSION}; run llmecon calibrate again with this version"
            ]
        )
    problems: list[str] = []

    def section(key: str) -> dict[str, Any]:
        v = data.get(key)
        if not isinstance(v, dict):
            problems.append(f"{src}: {key}: missing or not a mapping; {fix}")
            return {}
        return v

    def text(sec: dict[str, Any], path: str, key: str) -> str:
        v = sec.get(key)
        if not isinstance(v, str) or not v.strip():
            problems.append(f"{src}: {path}.{key}: missing or not a name; {fix}")
            return ""
        return v

    setup_d = section("setup")
    gpus = setup_d.get("gpus")
    if isinstance(gpus, bool) or not isinstance(gpus, int) or gpus < 1:
        if setup_d:
            problems.append(f"{src}: setup.gpus: {gpus!r} is not a GPU count; {fix}")
        gpus = 1
    engine = text(setup_d, "setup", "engine") if setup_d else ""
    if engine and engine not in ENGINES:
        problems.append(
            f"{src}: setup.engine: {engine!r} is not one of {', '.join(ENGINES)}; {fix}"
        )
    setup = Setup(
        model=text(setup_d, "setup", "model") if setup_d else "",
        gpu=text(setup_d, "setup", "gpu") if setup_d else "",
        gpus=gpus,
        precision=text(setup_d, "setup", "precision") if setup_d else "",
        engine=engine,
    )

    def factors(key: str, required: bool) -> Factors | None:
        sec = data.get(key)
        if sec is None and not required:
            return None
        if not isinstance(sec, dict):
            problems.append(f"{src}: {key}: missing or not a mapping; {fix}")
            return None
        vals: dict[str, float] = {}
        for name, (attr, unit) in FACTOR_KEYS.items():
            v = sec.get(name)
            share = unit == 1.0
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float)
                or not (0 < v < math.inf)
                or (share and v > 1)
            ):
                want = "a share in (0, 1]" if share else "a time above 0 (ms)"
                problems.append(f"{src}: {key}.{name}: {v!r} is not {want}; {fix}")
                continue
            vals[attr] = float(v) * unit
        return Factors(**vals) if len(vals) == len(FACTOR_KEYS) else None

    fitted = factors("factors", True)
    base = factors("base", False)
    if problems:
        raise ScenarioError(problems)
    assert fitted is not None
    fit_d = data.get("fit") if isinstance(data.get("fit"), dict) else {}
    assert isinstance(fit_d, dict)
    notes = fit_d.get("notes") or []
    for key in ("source", "points"):
        if not isinstance(data.get(key) or [], list):
            raise ScenarioError([f"{src}: {key}: not a list; {fix}"])
    sources = []
    for i, s in enumerate(data.get("source") or []):
        if not isinstance(s, dict) or not isinstance(s.get("file"), str):
            raise ScenarioError([f"{src}: source[{i}]: not a file entry; {fix}"])
        sources.append(SourceFile(s["file"], str(s.get("sha256", "")), str(s.get("format", ""))))
    points = tuple(
        _point(p, f"{src}: points[{i}]", fix) for i, p in enumerate(data.get("points") or [])
    )

    def num(v: Any) -> float:
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan

    return Calibration(
        setup=setup,
        factors=fitted,
        base=base or fitted,
        points=points,
        sources=tuple(sources),
        created=str(data.get("created", "")),
        notes=tuple(str(n) for n in notes) if isinstance(notes, list) else (),
        rms_log_error_before=num(fit_d.get("rms_log_error_before")),
        rms_log_error_after=num(fit_d.get("rms_log_error_after")),
    )


def _point(p: Any, where: str, fix: str) -> Point:
    if not isinstance(p, dict):
        raise ScenarioError([f"{where}: not a point mapping; {fix}"])

    def num(v: Any) -> float:
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan

    def opt(v: Any) -> float | None:
        return None if v is None else num(v)

    def metrics(key: str) -> Metrics:
        m = p.get(key)
        if not isinstance(m, dict):
            raise ScenarioError([f"{where}.{key}: missing or not a mapping; {fix}"])
        return Metrics(
            num(m.get("output_tokens_per_s")),
            num(m.get("ttft_ms")) / 1e3,
            num(m.get("itl_ms")) / 1e3,
        )

    run = p.get("run")
    return Point(
        source=str(p.get("source", "")),
        format=str(p.get("format", "")),
        run=run if isinstance(run, int) and not isinstance(run, bool) else 0,
        mode=str(p.get("mode", "")),
        concurrency=opt(p.get("concurrency")),
        request_rate=opt(p.get("request_rate")),
        input_tokens=num(p.get("input_tokens")),
        output_tokens=num(p.get("output_tokens")),
        measured=metrics("measured"),
        before=metrics("before"),
        after=metrics("after"),
    )


__all__ = [
    "FACTOR_KEYS",
    "FIT_BOUNDS",
    "FORMATS",
    "Calibration",
    "Factors",
    "Measurement",
    "Metrics",
    "Point",
    "Setup",
    "SourceFile",
    "apply",
    "check_setup",
    "fit",
    "from_dict",
    "load_calibration",
    "predict",
    "read_result",
    "read_results",
]
