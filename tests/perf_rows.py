"""Map the published serving benchmarks onto ``llmecon.perf.inference``.

Shared by ``tests/test_perf_validation.py`` (error floors on the TEST rows) and the scripts
``benchmarks/validate.py`` and ``benchmarks/calibrate.py``, which import it as
``tests.perf_rows`` (the tests never import from ``benchmarks/``).

``load_rows`` reads ``benchmarks/data/serving_benchmarks.csv`` and builds one vectorised
``Replica`` (array fields, one entry per usable row); ``predict`` evaluates every row in the
operating mode its source measured:

* ``concurrency`` -> ``at_concurrency`` (closed loop, ``concurrency`` sequences in flight);
* ``rate``        -> ``at_request_rate`` (open loop, ``request_rate`` arrivals/s);
* ``max_throughput`` -> ``at_max_throughput`` (the engine fills its batch up to ``max_batch``).

Hold-out split (deterministic): every third row of the CSV is a TEST row (0-based position
``i % 3 == 2``), the others are CALIBRATION rows; the CSV is grouped by source, so every
source contributes test rows. ``calibrate.py`` fits only on the
calibration rows; ``validate.py`` reports the TEST rows (and the calibration rows apart).

``Rows.source`` holds each row's publication (``source_group``: the ``source`` cell, MLPerf
result logs grouped by submission); ``validate.py`` leaves one such source out at a time and
refits on the others. ``Rows.gpu``, ``vendor``, ``model``, ``params_b``, ``moe`` and
``num_gpus`` feed its per-category tables.

Rows skipped (and why) are returned in ``Rows.skipped``:

* blank ``input_tokens`` (ShareGPT and MLPerf OpenOrca rows): the sources give no mean prompt
  length, so no fixed-length workload can be built;
* a model whose architecture is not in the catalog with a verified config (Qwen1.5 32B).

FP8 rows whose notes name Meta's own Llama 3.1 405B FP8 checkpoint keep its 16-bit layers at
2 bytes (``MIXED_FP8_CHECKPOINTS``), which cuts their KV capacity. The rows' replicas carry
the nominal FLOP peak (``flop_factor`` = 1); ``row_efficiency`` applies the precision's FLOP
factor to the MFUs, so ``calibrate.py`` can fit it.

TTFT of ``max_throughput`` rows (all requests queued at once) is pure queueing that depends
on the number of requests sent, which the sources do not give; it is not compared.

How each run was measured, where its notes state it, decides what is predicted:

* an offline batch -- ``concurrency`` requests submitted at once ("one batch" in the notes:
  vLLM ``benchmark_throughput.py`` runs of dstack and LLM-Inference-Bench) -- is
  ``inf.at_batch``: waves of the engine's batch, the last one part-empty;
* a finite open-loop run of N requests ("N requests": TensorRT-LLM's online table, 500) is
  timed from the first arrival to the last completion, so its rate is
  ``N / ((N - 1) / rps + E2E)`` (``_finite_run``), below the steady rate;
* a server's ``--max-num-seqs`` replaces the preset's batch cap;
* a command with ``benchmark_throughput.py --max-model-len L`` (chunked prefill off) keeps the
  activations of an L-token forward pass out of the KV cache
  (``memory.prefill_workspace_bytes``);
* a GPU's memory is the total the source's own logs print, where they print it
  (``GPU_MEMORY_MIB_OF_SOURCE``);
* an engine version whose decode kernel reads each KV head once per query head
  (``UNSHARED_GQA_SOURCES``) reads the KV cache ``gqa_group`` times
  (``inf.Efficiency.kv_group_shared`` = 0).
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from llmecon.catalog import CatalogError, ModelArch, resolve_gpu, resolve_model
from llmecon.perf import inference as inf
from llmecon.perf import memory
from llmecon.perf.replica import DEFAULT_RESERVE_BYTES_PER_GPU, build_replica

F = NDArray[np.float64]

#: ``benchmarks/data`` of this repository.
DATA = Path(__file__).resolve().parents[1] / "benchmarks" / "data"
BENCHMARKS_CSV = DATA / "serving_benchmarks.csv"

#: Split rule, printed by the scripts.
SPLIT_RULE = "TEST if the 0-based CSV row position i has i % 3 == 2, else CALIBRATION"

METRICS: tuple[str, ...] = ("throughput", "ttft", "itl")


def source_group(source: str) -> str:
    """The publication a row comes from: its ``source`` cell, except that the MLPerf rows
    (one cell per result log) are grouped by submitter, since each submission is one
    publication. ``validate.py`` leaves one such group out at a time."""
    prefix = "mlcommons/inference_results_"
    if source.startswith(prefix):
        version = source.split()[0][len(prefix) :]
        parts = source.split()[1].split("/") if len(source.split()) > 1 else ["", "?"]
        submitter = parts[1] if len(parts) > 1 else "?"
        return f"MLPerf Inference {version} ({submitter} submission)"
    return source


def split_of(index: int) -> str:
    """``"test"`` or ``"calib"`` for the 0-based row position in the CSV (see ``SPLIT_RULE``)."""
    return "test" if index % 3 == 2 else "calib"


#: Engines that size their KV cache as a share of the memory left after the weights
#: (TensorRT-LLM ``kv_cache_free_gpu_mem_fraction`` = 0.95 in the perf-overview runs; NIM's
#: Llama 3.3 70B FP8 TP2 profile is a TensorRT-LLM engine) rather than vLLM's 0.9 of all memory.
FREE_MEMORY_FRACTION: dict[str, float] = {"trtllm": 0.95, "nim": 0.95}


#: Engines whose FP8 rows keep an FP8 KV cache. TensorRT-LLM: "If you specify FP8
#: quantization, the KV cache will automatically be set to FP8" (perf-overview); NIM serves
#: the rows' model with a TensorRT-LLM engine; the MLPerf submissions quantise the KV cache.
#: vLLM, SGLang and LMDeploy keep ``kv_cache_dtype="auto"`` (the activation dtype, bf16/fp16)
#: unless ``--kv-cache-dtype fp8`` is passed, which none of their FP8 rows' commands do
#: (dstack's 405B runs, Lambda's Hermes-3 405B FP8), so their KV cache is 2 bytes/element.
KV_FP8_ENGINES: frozenset[str] = frozenset({"trtllm", "nim", "mlperf-nvidia", "mlperf-amd"})


#: FP8 checkpoints that keep part of the model in 16-bit, by the name the rows' notes give.
#: Meta's own Llama 3.1 405B FP8 checkpoint (``meta-llama/Llama-3.1-405B-FP8``, run by the
#: dstack H100 rows) quantises only the feed-forward layers: the self-attention layers and
#: the first and last Transformer layers stay in 16-bit (A. Grattafiori et al., "The Llama 3
#: Herd of Models", arXiv:2407.21783, section 6.2.2 "FP8 quantization", 2024-07; the
#: layer list is checked against Hugging Face's conversion of Llama 3.1 405B to fbgemm FP8,
#: "As defined by Meta, we don't quantize the first and last layers as well as the lm_head.
#: Also, we don't quantize the self_attn layers": ``modules_to_not_convert`` = layers 0 and
#: 125, every layer's ``self_attn``, ``lm_head``; transformers' FbgemmFp8 example, 2024); the
#: embeddings and output head are not linear layers of the blocks either. NVIDIA's ModelOpt
#: FP8 checkpoint (TensorRT-LLM rows) and AMD's
#: Quark FP8 checkpoint (dstack MI300X rows) quantise every linear layer of the blocks.
MIXED_FP8_CHECKPOINTS: frozenset[str] = frozenset({"meta-llama/Llama-3.1-405B-FP8"})


#: A GPU's memory as the source's own logs report it, where a source prints it: (substring of
#: the ``source`` cell, catalog GPU name) -> MiB. dstack's 8x H100 SXM5 runs:
#: ``nvidia-smi`` shows ``81559MiB`` total per GPU (dstackai/benchmarks
#: ``comparison/h100sxm5_vs_mi300x/raw_data/gpu-usage.md``), 85.5e9 bytes where the catalog's
#: "80 GB" gives 80e9; vLLM sizes its KV cache from this total.
GPU_MEMORY_MIB_OF_SOURCE: dict[tuple[str, str], float] = {
    ("dstackai/benchmarks", "H100 SXM"): 81559.0
}

#: vLLM ``benchmarks/benchmark_throughput.py`` (v0.5-0.6): ``--enable-chunked-prefill`` is a
#: ``store_true`` flag passed to ``LLM(...)``, so chunked prefill is off unless the command
#: passes it, and ``max_num_batched_tokens`` is ``max(max_model_len, 2048)``; the engine
#: profiles a forward pass of that many tokens and leaves its activations out of the KV cache
#: (``memory.prefill_workspace_bytes``). Applied to rows whose notes give that script's
#: command with ``--max-model-len``.
OFFLINE_SCRIPT = "benchmark_throughput.py"


#: Sources whose engine version decodes grouped-query attention with a kernel that reads
#: each KV head once per query head (``inf.Efficiency.kv_group_shared`` = 0), by substring of
#: the ``source`` cell:
#:
#: * LLM-Inference-Bench's MI300X runs: vLLM built at tag v0.6.1 (their
#:   ``vLLM/MI300X/README.md``: ``git checkout v0.6.1``), whose ROCm backend decodes with the
#:   generic paged-attention kernel (a thread block per query head); the ROCm custom kernel
#:   that serves a whole GQA group came with PR #8310, "Custom paged attention kernel for
#:   rocm", merged 2024-09-13, after v0.6.1;
#: * TensorRT-LLM ``performance.md`` v0.5/v0.6 (2023): before the XQA kernel, which NVIDIA
#:   introduced for MQA/GQA generation as "reducing data loading" ("New XQA-kernel provides
#:   2.4x more Llama-70B throughput within the same latency budget", TensorRT-LLM blog,
#:   2024-01-30).
UNSHARED_GQA_SOURCES: tuple[str, ...] = ("LLM-Inference-Bench", "docs/source/performance.md")


def _stated(pattern: str, notes: str) -> float:
    """The integer a row's notes give for ``pattern`` (one group); nan when absent."""
    found = re.search(pattern, notes)
    return float(found.group(1)) if found else float("nan")


def _workspace_tokens(notes: str) -> float:
    """Tokens the engine profiles at start-up for a row's command (0 where not stated)."""
    max_len = _stated(r"--max-model-len (\d+)", notes)
    if OFFLINE_SCRIPT not in notes or np.isnan(max_len) or "--enable-chunked-prefill" in notes:
        return 0.0
    return max(max_len, 2048.0)


def sixteen_bit_params(model: ModelArch) -> float:
    """Parameters that Meta's FP8 recipe keeps in 16-bit (``MIXED_FP8_CHECKPOINTS``): the
    self-attention projections of every layer, the feed-forward block of the first and last
    layers, the token embedding and the output head. [parameters]

    Llama 3.1 405B: 126 x 570.4e6 (Q, O: 16384^2; K, V: 16384 x 1024) + 2 x 2617.2e6 (the
    feed-forward block: the rest of a layer) + 2 x 128256 x 16384 = 81.3e9.
    """
    h, layers = float(model.hidden_size), float(model.num_layers)
    attn = 2.0 * h * model.num_attention_heads * model.head_dim
    attn += 2.0 * h * model.num_kv_heads * model.head_dim
    embed = 2.0 * model.vocab_size * h
    mlp = (model.total_params_b * 1e9 - embed - layers * attn) / layers
    return layers * attn + 2.0 * mlp + embed


def kv_precision(engine: str, precision: str) -> str | None:
    """KV-cache precision for ``build_replica`` (``None``: its default, FP8 KV for FP8)."""
    if precision == "fp8" and engine not in KV_FP8_ENGINES:
        return "bf16"
    return None


def _memory_utilization(engine: str, gpu_bytes: float, gpus: int, weight_bytes: float) -> float:
    """``memory_utilization`` for ``build_replica`` that gives the engine's KV-cache budget."""
    frac = FREE_MEMORY_FRACTION.get(engine)
    if frac is None:
        return memory.DEFAULT_GPU_MEMORY_UTILIZATION
    reserve = gpus * DEFAULT_RESERVE_BYTES_PER_GPU
    free = frac * max(gpus * gpu_bytes - weight_bytes - reserve, 0.0)
    return (free + weight_bytes + reserve) / (gpus * gpu_bytes)


@dataclass(frozen=True)
class Rows:
    """Usable benchmark rows as arrays (one entry per row) plus the skipped ones."""

    ids: list[str]
    engine: NDArray[np.str_]
    static_batch: NDArray[np.bool_]  # TRT-LLM v0.6 static-batch rows: batch = concurrency
    mode: NDArray[np.str_]
    split: NDArray[np.str_]
    replica: inf.Replica
    input_tokens: F
    output_tokens: F
    concurrency: F  # [-] nan where not given
    request_rate: F  # [1/s] nan where not given
    measured: dict[str, F]  # throughput [tok/s], ttft [ms], itl [ms]; nan where absent
    skipped: list[tuple[str, str]]
    # descriptive columns for the per-category and per-source tables of ``validate.py``
    source: NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype=str))
    gpu: NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype=str))
    vendor: NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype=str))
    model: NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype=str))
    params_b: F = field(default_factory=lambda: np.array([], dtype=float))  # total [1e9]
    moe: NDArray[np.bool_] = field(default_factory=lambda: np.array([], dtype=bool))
    num_gpus: F = field(default_factory=lambda: np.array([], dtype=float))  # TP degree
    precision: NDArray[np.str_] = field(default_factory=lambda: np.array([], dtype=str))
    # the run's own settings where its notes state them (nan where not): an offline batch of
    # ``concurrency`` requests submitted at once (``inf.at_batch``), a decode kernel that does
    # not share KV heads (``UNSHARED_GQA_SOURCES``), the engine's ``max_num_seqs``, and the
    # number of requests of a finite open-loop run
    offline_batch: NDArray[np.bool_] = field(default_factory=lambda: np.array([], dtype=bool))
    unshared_gqa: NDArray[np.bool_] = field(default_factory=lambda: np.array([], dtype=bool))
    max_num_seqs: F = field(default_factory=lambda: np.array([], dtype=float))
    num_requests: F = field(default_factory=lambda: np.array([], dtype=float))

    def __len__(self) -> int:
        return len(self.ids)


def num(text: str) -> float:
    """A CSV cell as a number; nan when blank."""
    return float(text) if text.strip() else float("nan")


def _mlp_width(model: ModelArch) -> float:
    """The MLP width one token passes through: the dense intermediate size, or for a mixture of
    experts its k routed experts' (a shared expert is not counted: the catalog gives no
    width for it). [-]"""
    if model.num_experts > 1 and model.moe_intermediate_size:
        return float(model.experts_per_token * model.moe_intermediate_size)
    return float(model.intermediate_size or 4.0 * model.hidden_size)


def load_rows(path: Path = BENCHMARKS_CSV) -> Rows:
    """Read the benchmark CSV and build the vectorised replica for all usable rows."""
    with path.open(encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    keep: list[dict[str, str]] = []
    fields: dict[str, list[float]] = {}
    info: dict[str, list[object]] = {k: [] for k in ("gpu", "vendor", "model", "params", "moe")}
    skipped: list[tuple[str, str]] = []
    splits: list[str] = []
    for index, r in enumerate(raw):
        if not r["input_tokens"].strip() or not r["output_tokens"].strip():
            skipped.append((r["id"], "no mean input/output length in the source"))
            continue
        try:
            model = resolve_model(r["model"])
            gpu = resolve_gpu(r["gpu"])
        except CatalogError as exc:
            skipped.append((r["id"], f"not in catalog: {exc}".split(";")[0]))
            continue
        g = int(r["num_gpus"])
        w = model.total_params_b * 1e9 * memory.bytes_per_weight(r["precision"])
        mixed = r["precision"] == "fp8" and any(c in r["notes"] for c in MIXED_FP8_CHECKPOINTS)
        # the 16-bit share of a mixed checkpoint takes one more byte per parameter
        extra = sixteen_bit_params(model) if mixed else 0.0
        mem_mib = next(
            (
                v
                for (src, name), v in GPU_MEMORY_MIB_OF_SOURCE.items()
                if src in r["source"] and name == gpu.name
            ),
            None,
        )
        if mem_mib is not None:
            gpu = dataclasses.replace(gpu, memory_gb=mem_mib * 2.0**20 / memory.GB)
        util = _memory_utilization(r["engine"], gpu.memory_gb * memory.GB, g, w + extra)
        rep, _fit = build_replica(
            model,
            gpu,
            r["precision"],
            g,
            memory_utilization=util,
            kv_precision=kv_precision(r["engine"], r["precision"]),
            flop_factor=1.0,  # the nominal peak: ``row_efficiency`` applies the factor
        )
        workspace = float(
            memory.prefill_workspace_bytes(
                _workspace_tokens(r["notes"]), model.hidden_size, _mlp_width(model), g
            )
        )
        if mixed or workspace > 0.0:
            kv_cap = memory.kv_capacity_tokens(
                gpu.memory_gb * memory.GB,
                g,
                w + extra,
                float(rep.kv_bytes_per_token),  # type: ignore[arg-type]
                util,
                DEFAULT_RESERVE_BYTES_PER_GPU + workspace,
            )
            rep = dataclasses.replace(rep, weight_bytes=w + extra, kv_capacity_tokens=float(kv_cap))
        for name, value in vars(rep).items():
            fields.setdefault(name, []).append(float(value))
        keep.append(r)
        splits.append(split_of(index))
        info["gpu"].append(gpu.name)
        info["vendor"].append(gpu.vendor)
        info["model"].append(model.name)
        info["params"].append(float(model.total_params_b))
        info["moe"].append(bool(model.num_experts > 1))
    replica = inf.Replica(**{k: np.asarray(v) for k, v in fields.items()})
    ttft = np.array([num(r["ttft_ms"]) for r in keep])
    mode = np.array([r["mode"] for r in keep])
    ttft = np.where(mode == "max_throughput", np.nan, ttft)
    return Rows(
        ids=[r["id"] for r in keep],
        engine=np.array([r["engine"] for r in keep]),
        static_batch=np.array([r["id"].startswith("trtllm061-") for r in keep]),
        mode=mode,
        split=np.array(splits),
        replica=replica,
        input_tokens=np.array([num(r["input_tokens"]) for r in keep]),
        output_tokens=np.array([num(r["output_tokens"]) for r in keep]),
        concurrency=np.array([num(r["concurrency"]) for r in keep]),
        request_rate=np.array([num(r["request_rate"]) for r in keep]),
        measured={
            "throughput": np.array([num(r["output_tokens_per_s"]) for r in keep]),
            "ttft": ttft,
            "itl": np.array([num(r["itl_ms"]) for r in keep]),
        },
        skipped=skipped,
        source=np.array([source_group(r["source"]) for r in keep]),
        gpu=np.array(info["gpu"], dtype=str),
        vendor=np.array(info["vendor"], dtype=str),
        model=np.array(info["model"], dtype=str),
        params_b=np.array(info["params"], dtype=float),
        moe=np.array(info["moe"], dtype=bool),
        num_gpus=np.array([float(r["num_gpus"]) for r in keep]),
        precision=np.array([r["precision"] for r in keep], dtype=str),
        offline_batch=np.array(
            [r["mode"] == "concurrency" and "one batch" in r["notes"] for r in keep]
        ),
        unshared_gqa=np.array(
            [any(k in r["source"] for k in UNSHARED_GQA_SOURCES) for r in keep], dtype=bool
        ),
        max_num_seqs=np.array([_stated(r"max-num-seqs (\d+)", r["notes"]) for r in keep]),
        num_requests=np.array(
            [
                _stated(r"(\d+) requests", r["notes"]) if r["mode"] == "rate" else float("nan")
                for r in keep
            ]
        ),
    )


#: The ``ENGINE_PRESETS`` key of the rows' engine names that are not preset names: the MLPerf
#: NVIDIA submissions run TensorRT-LLM; AMD's MLPerf v4.1 submission runs vLLM (ROCm).
PRESET_OF_ENGINE: dict[str, str] = {"mlperf-nvidia": "trtllm", "mlperf-amd": "vllm"}


def preset_name(engine: str) -> str:
    """The ``ENGINE_PRESETS`` key a row's ``engine`` cell maps to (``PRESET_OF_ENGINE``)."""
    return PRESET_OF_ENGINE.get(engine, engine)


def row_efficiency(
    rows: Rows,
    presets: Mapping[str, inf.Efficiency],
    vendor_factors: Mapping[str, tuple[float, float]] | None = None,
    precision_factors: Mapping[str, float] | None = None,
) -> inf.Efficiency:
    """One ``Efficiency`` with array fields: each row gets its engine's preset
    (``preset_name``; the default ``presets["default"]`` for engines without one), scaled by
    its GPU vendor's factors (``inf.for_vendor``; ``inf.VENDOR_FACTORS`` unless
    ``vendor_factors``) and its precision's FLOP factor on both MFUs
    (``inf.PRECISION_FLOP_FACTORS`` unless ``precision_factors``; the rows' replicas hold the
    nominal peak, so this is where the factor enters, as ``build_replica`` applies it for
    users); static-batch rows run exactly their stated batch (``max_batch`` = their
    concurrency)."""
    base = presets["default"]
    names = [f.name for f in dataclasses.fields(inf.Efficiency)]
    cols: dict[str, F] = {}
    for name in names:
        cols[name] = np.array(
            [float(getattr(presets.get(preset_name(str(e)), base), name)) for e in rows.engine]
        )
    cols["max_batch"] = np.where(rows.static_batch, rows.concurrency, cols["max_batch"])
    if len(rows.unshared_gqa) == len(rows):
        cols["kv_group_shared"] = np.where(rows.unshared_gqa, 0.0, cols["kv_group_shared"])
    if len(rows.max_num_seqs) == len(rows):
        stated = np.isfinite(rows.max_num_seqs)
        cols["max_batch"] = np.where(stated, rows.max_num_seqs, cols["max_batch"])
    table = inf.PRECISION_FLOP_FACTORS if precision_factors is None else precision_factors
    if table and len(rows.precision) == len(rows):
        fl = np.ones(len(rows))
        for prec, factor in table.items():
            fl = np.where(rows.precision == prec, factor, fl)
        cols["mfu_decode"] = cols["mfu_decode"] * fl
        cols["mfu_prefill"] = cols["mfu_prefill"] * fl
    eff = inf.Efficiency(**cols)
    if len(rows.vendor) != len(rows):
        return eff
    return inf.for_vendor(eff, rows.vendor, vendor_factors)


def predict(rows: Rows, eff: inf.Efficiency) -> dict[str, F]:
    """Predicted output tokens/s, TTFT [ms] and ITL [ms] for every row, in its own mode."""
    rep, i, o = rows.replica, rows.input_tokens, rows.output_tokens
    c = np.where(np.isfinite(rows.concurrency), rows.concurrency, 1.0)
    lam = np.where(np.isfinite(rows.request_rate), rows.request_rate, 1.0)
    conc = inf.at_concurrency(rep, c, i, o, eff)
    rate = inf.at_request_rate(rep, lam, i, o, eff)
    mx = inf.at_max_throughput(rep, i, o, eff)
    is_c = rows.mode == "concurrency"
    is_r = rows.mode == "rate"
    if len(rows.offline_batch) == len(rows) and rows.offline_batch.any():
        batch = inf.at_batch(rep, c, i, o, eff)
        conc = dataclasses.replace(
            conc,
            output_tokens_per_s=np.where(
                rows.offline_batch, batch.output_tokens_per_s, conc.output_tokens_per_s
            ),
        )
    if len(rows.num_requests) == len(rows):
        rate = dataclasses.replace(
            rate, output_tokens_per_s=_finite_run(rate, rows.num_requests, o)
        )

    def pick(a: F, b: F, m: F) -> F:
        return np.where(is_c, a, np.where(is_r, b, m))

    return {
        "throughput": pick(
            conc.output_tokens_per_s, rate.output_tokens_per_s, mx.output_tokens_per_s
        ),
        "ttft": 1e3 * pick(conc.ttft_s, rate.ttft_s, mx.ttft_s),
        "itl": 1e3 * pick(conc.itl_s, rate.itl_s, mx.itl_s),
    }


def _finite_run(point: inf.ServingPoint, n: F, o: F) -> F:
    """Output tokens/s that a finite open-loop run of ``n`` requests reports: its ``n``
    requests over the run's length, the ``n - 1`` gaps between arrivals at the served rate plus
    the last request's latency ``TTFT + (O - 1) ITL`` (the drain after the last arrival);
    the steady rate where ``n`` is not stated or the replica is overloaded. [tokens/s]"""
    rps = point.requests_per_s
    e2e = point.ttft_s + (o - 1.0) * point.itl_s
    ok = np.isfinite(n) & np.isfinite(e2e) & ~point.overloaded & (rps > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        finite = n / ((n - 1.0) / rps + e2e)
    return np.where(ok, finite * o, point.output_tokens_per_s)


def pct_errors(pred: F, meas: F) -> F:
    """Signed percentage error ``(pred - meas) / meas`` (nan where either is missing) [-]."""
    ok = np.isfinite(pred) & np.isfinite(meas) & (meas > 0)
    return np.where(ok, (pred - np.where(ok, meas, 1.0)) / np.where(ok, meas, 1.0), np.nan)


@dataclass(frozen=True)
class Summary:
    """Error statistics of one metric over a set of rows (fractions, not %)."""

    n: int
    median_ape: float
    p90_ape: float
    bias: float  # median signed error


def summarize(err: F) -> Summary:
    """Median and p90 absolute percentage error and the median signed error of ``err``."""
    e = err[np.isfinite(err)]
    if e.size == 0:
        return Summary(0, float("nan"), float("nan"), float("nan"))
    a = np.abs(e)
    return Summary(
        int(e.size), float(np.median(a)), float(np.percentile(a, 90)), float(np.median(e))
    )
