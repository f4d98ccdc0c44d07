"""Run open-source analytic LLM-inference peers on the serving-benchmark rows.

Usage (from the repository root, with the separate peers virtualenv)::

    /work/peers-venv/bin/python benchmarks/run_peers.py [--input PATH] [--output PATH]

Peers (pinned in ``benchmarks/requirements-peers.txt``):

* ``llm-analysis`` 0.2.2 (import ``llm_analysis``; ``LLMAnalysis.inference``)
* ``genz-llm`` 0.0.16 (import ``GenZ``; ``prefill_moddeling`` / ``decode_moddeling``)

Input: ``benchmarks/data/serving_benchmarks.csv`` (one row per published
measurement; ``num_gpus`` = tensor-parallel GPUs of one replica, throughput is
summed over that replica).  Output: ``benchmarks/data/peer_predictions.csv``
with columns ``id,peer,peer_version,output_tokens_per_s,ttft_ms,itl_ms,
batch_size_used,notes`` -- one line per (benchmark row, peer).  Rows a peer
cannot model are written with empty predictions and a note saying why.

What is predicted
-----------------
Neither peer models a serving queue or continuous batching; both model one
static batch of ``B`` identical requests (``input_tokens`` prompt,
``output_tokens`` generated) on one tensor-parallel replica (TP = ``num_gpus``,
PP = EP = 1).  From one call per peer we report

* ``ttft_ms``  = the peer's prefill latency of the whole batch of ``B`` prompts
  (the batch-1 prefill latency is added to ``notes`` as ``ttft_b1_ms``);
* ``itl_ms``   = the peer's latency of one decode step at batch ``B``;
* ``output_tokens_per_s`` = ``B * output_tokens / (prefill + output_tokens * itl)``
  (for llm-analysis this is exactly its own ``total_tokens_per_sec``).

Decode context length: llm-analysis is called through its native interface
(``seq_len=input_tokens, num_tokens_to_generate=output_tokens``) and internally
charges KV-cache traffic at the *final* context ``input+output`` on every
step.  GenZ's ``decode_moddeling`` models one decode step after
``output_tokens`` generated tokens; we evaluate it at the mean context
(``output_tokens // 2`` generated tokens) so the step latency is the mean ITL.
GenZ's default ``Bb=4`` (beam width) is set to 1 (no beam search in serving).

Batch size (``batch_size_used``)
--------------------------------
* ``mode == concurrency``: ``B = concurrency``.
* ``mode == rate``: the concurrency implied by the measurement (Little's law),
  ``B = round(request_rate * (ttft_ms + output_tokens * itl_ms) / 1000)``,
  at least 1; rows lacking any of those fields are skipped with a note.
* ``mode == max_throughput``: the largest batch the peer itself says fits in
  GPU memory for the full context (``input+output``), capped at 256 (vLLM's
  default ``max_num_seqs``).  Neither peer has a max-throughput-over-batch mode
  (GenZ's ``get_pareto_optimal_performance`` searches TP/PP splits, not batch),
  so we use the memory limit:
    - llm-analysis: ``min(decode_max_batch_size_per_gpu,
      prefill_max_batch_size_per_gpu)`` from a batch-1 ``inference`` call
      (weights + KV cache + activations vs. the full HBM capacity);
    - GenZ: ``floor((per-chip memory - weights) / KV cache per request)`` from
      ``decode_moddeling(model_profilling=True)`` (the same weights + KV check
      GenZ uses to raise "All params would not fit on chip").
  A batch that does not fit (any mode) is reported as not modelled.

Efficiency settings: peer defaults, not tuned to the data
---------------------------------------------------------
* llm-analysis: ``flops_efficiency = 1.0`` and ``hbm_memory_efficiency = 1.0``
  (``llm_analysis.constant.FLOPS_EFFICIENCY`` / ``HBM_MEMORY_EFFICIENCY``),
  ``intra_node_memory_efficiency = inter_node_memory_efficiency = 1.0``;
  ``layernorm_dtype_bytes = 2``, KV-cache bytes = activation bytes (so FP8 rows
  get an FP8 KV cache), ``use_kv_cache = True``.
* GenZ: ``system_eff = 1`` (compute and memory efficiency 1.0), link
  efficiency 1.0, ``collective_strategy = "GenZ"`` (analytic all-reduce),
  interconnect latency default (1 us), no offload.

Name mapping (no network at run time)
-------------------------------------
Model architecture numbers come from ``shared/reference/model_architectures.csv``
(plus a tiny supplemental table below for Llama-2 models, which that file
lacks; numbers from the HF ``config.json`` and identical to GenZ's built-in
Llama-2 configs).  For GenZ, a built-in config is used when its name matches
and its layer/hidden/KV-head numbers equal ours; otherwise a GenZ
``ModelConfig`` is built from the numbers.  For llm-analysis the ModelConfig is
always built from the numbers (its bundled configs hold no Llama-3/Mistral
models and its Llama-2-70B config has a 4*hidden FFN; its HF fallback needs
network): because llm-analysis models a 2-matrix MLP, a gated (SwiGLU) MLP
with ``intermediate_size`` I is mapped to ``ffn_embed_dim = 1.5 * I`` so weight
bytes equal the real model's (its MLP FLOPs formula is hard-coded
``16*b*s*h^2`` regardless).  MoE models pass ``moe_num_experts``/``moe_top_k``.
Models with MLA attention (DeepSeek-V3) are not modelled by llm-analysis.

GPU specs: the peer's built-in GPU config when it has one (llm-analysis
``h100-sxm-80gb``, ``a100-sxm-80gb``...; GenZ ``H100_GPU``, ``A100_80GB_GPU``,
``MI300X``...), otherwise one built from ``shared/reference/gpu_specs.csv``
(dense BF16 TFLOPS, FP8/INT8 TFLOPS, HBM GB and GB/s; interconnect =
``interconnect_gbs / 2`` per direction, the convention of both peers' H100
configs; a GPU without NVLink in that file gets 32 GB/s = PCIe 4.0 x16 per
direction).  Precision: bf16/fp16 -> 16-bit (llm-analysis ``w16a16e16``, GenZ
``bf16``); fp8 -> 8-bit weights+activations+KV (``w8a8e16`` on the GPU's FP8
TFLOPS, GenZ ``fp8``); int8 -> ``w8a8e16`` / GenZ ``int8``; int4 -> ``w4a4e16``
/ GenZ ``int4``.  Weight-only quantization (GPTQ/AWQ, detected from id/notes)
-> llm-analysis ``w8a16e16``/``w4a16e16``; GenZ cannot express it (one
precision for weights, activations and KV) and skips it.  FP8 on a GPU without
FP8 tensor cores, and other precisions, are reported as unsupported.

Models absent from ``model_architectures.csv`` (and the supplemental table) are
skipped by llm-analysis; GenZ still models them if one of its own built-in
configs has that name (e.g. ``Qwen1.5-32B-Chat`` -> ``Qwen/Qwen1.5-32B``).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import logging
import math
import os
import re
import sys
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

# No network at run time: llm-analysis/transformers must never reach the Hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
warnings.filterwarnings("ignore")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = REPO / "benchmarks" / "data" / "serving_benchmarks.csv"
DEFAULT_OUTPUT = REPO / "benchmarks" / "data" / "peer_predictions.csv"
MAX_NUM_SEQS = 256  # vLLM default max_num_seqs: cap for max_throughput rows
PCIE4_X16_GBS = 32.0  # per direction, for GPUs without NVLink in gpu_specs.csv

OUT_COLUMNS = [
    "id",
    "peer",
    "peer_version",
    "output_tokens_per_s",
    "ttft_ms",
    "itl_ms",
    "batch_size_used",
    "notes",
]


def _reference_dir() -> Path:
    env = os.environ.get("LLMECON_REFERENCE_DIR")
    cands = [Path(env)] if env else []
    cands += [REPO / "shared" / "reference", REPO.parent / "shared" / "reference"]
    for c in cands:
        if (c / "model_architectures.csv").is_file():
            return c
    raise SystemExit(f"reference dir not found (tried {cands}); set LLMECON_REFERENCE_DIR")


def norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def fnum(x) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------
# Architecture and GPU reference data
# --------------------------------------------------------------------------


@dataclass
class Arch:
    name: str
    hf_repo: str
    num_layers: int
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int
    max_context: int
    num_experts: int = 1
    top_k: int = 1
    mla: bool = False


# Llama-2 models are absent from model_architectures.csv; numbers from the HF
# config.json files (identical to GenZ's built-in Llama-2 configs).
SUPPLEMENTAL_ARCH = [
    Arch("Llama 2 7B", "meta-llama/Llama-2-7b-hf", 32, 4096, 11008, 32, 32, 128, 32000, 4096),
    Arch("Llama 2 13B", "meta-llama/Llama-2-13b-hf", 40, 5120, 13824, 40, 40, 128, 32000, 4096),
    Arch("Llama 2 70B", "meta-llama/Llama-2-70b-hf", 80, 8192, 28672, 64, 8, 128, 32000, 4096),
]

# Benchmark model names that do not normalise onto a reference name.
MODEL_ALIASES = {
    "mistral7b": "Mistral 7B v0.1",
    "mistral7binstruct": "Mistral 7B v0.1",
    "llama27b": "Llama 2 7B",
    "llama213b": "Llama 2 13B",
    "llama270b": "Llama 2 70B",
}

# Benchmark GPU names -> gpu_specs.csv names.
GPU_ALIASES = {
    "h100sxm80gb": "H100 SXM",
    "h100sxm": "H100 SXM",
    "h100": "H100 SXM",
    "h10080gb": "H100 SXM",
    "h100pcie80gb": "H100 PCIe",
    "h100pcie": "H100 PCIe",
    "h200141gb": "H200 SXM",
    "h200sxm141gb": "H200 SXM",
    "h200sxm": "H200 SXM",
    "h200": "H200 SXM",
    "a100sxm480gb": "A100 80GB SXM4",
    "a100sxm80gb": "A100 80GB SXM4",
    "a10080gb": "A100 80GB SXM4",
    "a10080gbsxm4": "A100 80GB SXM4",
    "a100sxm440gb": "A100 40GB SXM4",
    "a100sxm40gb": "A100 40GB SXM4",
    "a10040gb": "A100 40GB SXM4",
    "l40s48gb": "L40S",
    "mi300x192gb": "MI300X",
    "b200180gb": "B200",
    "b200192gb": "B200",
}

# Peers' own built-in GPU configs, keyed by gpu_specs.csv name.
LA_BUILTIN_GPU = {
    "H100 SXM": "h100-sxm-80gb",
    "H100 PCIe": "h100-pcie-80gb",
    "A100 80GB SXM4": "a100-sxm-80gb",
    "A100 40GB SXM4": "a100-sxm-40gb",
    "A10G": "a10g-pcie-24gb",
    "V100 SXM2": "v100-sxm-32gb",
    "MI250": "mi250-128gb",
}
GENZ_BUILTIN_GPU = {
    "H100 SXM": "H100_GPU",
    "A100 80GB SXM4": "A100_80GB_GPU",
    "A100 40GB SXM4": "A100_40GB_GPU",
    "MI300X": "MI300X",
    "Gaudi 3": "Gaudi3",
    "TPU v5e": "TPUv5e",
}

# Candidate GenZ built-in names, keyed by reference model name.
GENZ_BUILTIN_MODEL = {
    "Llama 3.1 8B": "meta-llama/Llama-3.1-8B",
    "Llama 3.1 70B": "meta-llama/Llama-3.1-70B",
    "Llama 3.1 405B": "meta-llama/Llama-3.1-405B",
    "Llama 3.2 1B": "meta-llama/Llama-3.2-1B",
    "Llama 3.2 3B": "meta-llama/Llama-3.2-3B",
    "Llama 2 7B": "meta-llama/Llama-2-7B",
    "Llama 2 13B": "meta-llama/Llama-2-13B",
    "Llama 2 70B": "meta-llama/Llama-2-70B",
    "Mistral 7B v0.1": "mistralai/Mistral-7B",
    "Mixtral 8x7B": "mistralai/Mixtral-8x7B",
    "Mixtral 8x22B": "mistralai/Mixtral-8x22B",
    "Qwen2.5 7B": "Qwen/Qwen2.5-7B",
    "Qwen2.5 14B": "Qwen/Qwen2.5-14B",
    "Qwen2.5 32B": "Qwen/Qwen2.5-32B",
    "Qwen2.5 72B": "Qwen/Qwen2.5-72B",
    "Gemma 2 9B": "google/gemma-2-9B",
    "Gemma 2 27B": "google/gemma-2-27B",
    "DeepSeek-V3": "deepseek-ai/DeepSeek-V3-Base",
}


def load_archs(ref: Path) -> dict[str, Arch]:
    archs: dict[str, Arch] = {}
    with open(ref / "model_architectures.csv", newline="") as f:
        for r in csv.DictReader(f):
            try:
                a = Arch(
                    r["model"],
                    r["hf_repo"],
                    int(r["num_layers"]),
                    int(r["hidden_size"]),
                    int(float(r["intermediate_size"])),
                    int(r["num_attention_heads"]),
                    int(r["num_key_value_heads"]),
                    int(r["head_dim"]),
                    int(r["vocab_size"]),
                    int(r["max_context"]),
                )
            except (TypeError, ValueError):
                continue  # incomplete row (e.g. missing intermediate_size)
            notes = r.get("notes", "") or ""
            m = re.search(r"(\d+)\s+(?:routed\s+)?experts?.*?top-?(\d+)", notes, re.I)
            if "moe" in notes.lower() and m:
                a.num_experts, a.top_k = int(m.group(1)), int(m.group(2))
            if re.search(r"\bMLA\b", notes):
                a.mla = True
            archs[r["model"]] = a
    for a in SUPPLEMENTAL_ARCH:
        archs.setdefault(a.name, a)
    return archs


def find_arch(model: str, archs: dict[str, Arch]) -> Arch | None:
    n = norm(model)
    for cand in (n, re.sub(r"(instruct|chat|hf|base)$", "", n)):
        if cand in MODEL_ALIASES and MODEL_ALIASES[cand] in archs:
            return archs[MODEL_ALIASES[cand]]
        for a in archs.values():
            if cand in (norm(a.name), norm(a.hf_repo.split("/")[-1])):
                return a
    return None


def load_gpus(ref: Path) -> dict[str, dict]:
    with open(ref / "gpu_specs.csv", newline="") as f:
        return {r["gpu"]: r for r in csv.DictReader(f)}


def find_gpu(gpu: str, specs: dict[str, dict]) -> str | None:
    n = norm(gpu)
    if n in GPU_ALIASES:
        return GPU_ALIASES[n]
    for name in specs:
        if norm(name) == n:
            return name
    return None


def precision_kind(p: str) -> str | None:
    p = norm(p)
    if p in ("bf16", "fp16", "float16", "bfloat16", "half"):
        return "16"
    if p in ("fp8", "float8", "fp8e4m3", "w8a8fp8"):
        return "fp8"
    if p in ("int8", "w8a8", "w8a8int8"):
        return "int8"
    if p in ("int4", "w4a16"):
        return "int4"
    return None


def weight_only_quant(row: dict) -> bool:
    text = " ".join(str(row.get(k, "")) for k in ("id", "precision", "notes")).lower()
    return bool(re.search(r"gptq|awq|w4a16|w8a16|weight-only|weight only", text))


def icn_gbs(spec: dict) -> tuple[float, str]:
    ic = fnum(spec.get("interconnect_gbs"))
    if ic:
        return ic / 2.0, f"{ic / 2:g} GB/s (interconnect_gbs/2)"
    return PCIE4_X16_GBS, f"{PCIE4_X16_GBS:g} GB/s (no NVLink listed; PCIe 4.0 x16 assumed)"


# --------------------------------------------------------------------------
# Row preparation (shared by both peers)
# --------------------------------------------------------------------------


class Skip(Exception):
    """Row cannot be modelled by a peer; message is the note."""


@dataclass
class Job:
    row: dict
    arch: Arch | None
    gpu: str  # gpu_specs.csv name
    spec: dict | None
    prec: str  # "16" | "fp8" | "int8" | "int4" | "wint8" | "wint4" (weight-only)
    tp: int
    inp: int
    out: int
    fixed_batch: int | None  # None -> max_throughput (peer-specific)
    batch_note: str


def prepare(row: dict, archs, specs) -> Job:
    arch = find_arch(row.get("model", ""), archs)  # None: only a peer built-in can help
    gpu = find_gpu(row.get("gpu", ""), specs)
    if gpu is None:
        raise Skip(f"unknown GPU '{row.get('gpu')}' (not in gpu_specs.csv)")
    spec = specs.get(gpu)
    prec = precision_kind(row.get("precision", ""))
    if prec in ("int8", "int4") and weight_only_quant(row):
        prec = "w" + prec  # GPTQ/AWQ: quantized weights, 16-bit activations and KV
    if prec is None:
        raise Skip(f"unsupported precision '{row.get('precision')}'")
    if prec == "fp8" and spec is not None and not fnum(spec.get("fp8_dense_tflops")):
        raise Skip(f"fp8 on {gpu}, which has no FP8 tensor cores in gpu_specs.csv")
    tp = int(fnum(row.get("num_gpus")) or 1)
    inp, out = fnum(row.get("input_tokens")), fnum(row.get("output_tokens"))
    if not inp or not out:
        raise Skip(
            "input_tokens/output_tokens missing (peers need fixed prompt and output lengths)"
        )
    inp, out = round(inp), max(1, round(out))
    mode = (row.get("mode") or "").strip()
    if mode == "concurrency":
        c = fnum(row.get("concurrency"))
        if not c:
            raise Skip("concurrency row without concurrency value")
        return Job(row, arch, gpu, spec, prec, tp, inp, out, max(1, round(c)), "concurrency")
    if mode == "rate":
        rr, ttft, itl = (
            fnum(row.get("request_rate")),
            fnum(row.get("ttft_ms")),
            fnum(row.get("itl_ms")),
        )
        if rr is None or ttft is None or itl is None:
            raise Skip("rate row lacks request_rate/ttft_ms/itl_ms to infer concurrency")
        c = rr * (ttft + out * itl) / 1000.0
        return Job(
            row,
            arch,
            gpu,
            spec,
            prec,
            tp,
            inp,
            out,
            max(1, round(c)),
            f"implied concurrency {c:.1f} = rate*(ttft+out*itl)",
        )
    if mode == "max_throughput":
        return Job(row, arch, gpu, spec, prec, tp, inp, out, None, "")
    raise Skip(f"unknown mode '{mode}'")


def tput(batch: int, out: int, ttft_ms: float, itl_ms: float) -> float:
    return batch * out / ((ttft_ms + out * itl_ms) / 1000.0)


# --------------------------------------------------------------------------
# llm-analysis
# --------------------------------------------------------------------------


class LLMAnalysisPeer:
    name = "llm-analysis"

    def __init__(self):
        from llm_analysis.logger import logger as la_logger

        la_logger.setLevel(logging.ERROR)
        from llm_analysis import config as la_config
        from llm_analysis.analysis import LLMAnalysis

        self.cfg = la_config
        self.LLMAnalysis = LLMAnalysis
        self.version = metadata.version("llm-analysis")

    def model_config(self, a: Arch | None, job: Job):
        if a is None:
            raise Skip(
                f"unknown model '{job.row.get('model')}' (not in model_architectures.csv; "
                "llm-analysis has no offline built-in for it)"
            )
        if a.mla:
            raise Skip(f"{a.name} uses MLA attention, which llm-analysis does not model")
        if a.heads % a.kv_heads:
            raise Skip(f"{a.name}: heads not divisible by KV heads")
        ffn = 1.5 * a.intermediate  # gated MLP (3 matrices) -> 2-matrix equivalent
        return self.cfg.ModelConfig(
            name=a.name,
            num_layers=a.num_layers,
            n_head=a.heads,
            hidden_dim=a.hidden,
            vocab_size=a.vocab,
            max_seq_len=a.max_context,
            num_key_value_heads=a.kv_heads,
            ffn_embed_dim=ffn,
            expansion_ratio=ffn / a.hidden,
            model_type="llama",
            moe_num_experts=a.num_experts,
            moe_top_k=a.top_k,
        )

    def gpu_config(self, job: Job):
        if job.gpu in LA_BUILTIN_GPU:
            g = self.cfg.get_gpu_config_by_name(LA_BUILTIN_GPU[job.gpu])
            return g, f"gpu={g.name} (built-in)"
        s = job.spec
        bw, icn_note = icn_gbs(s)
        i8 = (
            fnum(s.get("fp8_dense_tflops")) if job.prec == "fp8" else fnum(s.get("int8_dense_tops"))
        )
        if job.prec in ("fp8", "int8") and not i8:
            raise Skip(f"{job.gpu}: no 8-bit TFLOPS in gpu_specs.csv")
        g = self.cfg.GPUConfig(
            name=job.gpu,
            mem_per_GPU_in_GB=float(s["memory_gb"]),
            hbm_bandwidth_in_GB_per_sec=float(s["mem_bandwidth_gbs"]),
            intra_node_bandwidth_in_GB_per_sec=bw,
            intra_node_min_message_latency=8e-6,
            peak_fp16_TFLOPS=float(s["bf16_dense_tflops"]),
            peak_i8_TFLOPS=i8,
        )
        return g, f"gpu={job.gpu} (from gpu_specs.csv; link {icn_note})"

    def dtype(self, prec: str):
        name = {
            "16": "w16a16e16",
            "fp8": "w8a8e16",
            "int8": "w8a8e16",
            "wint8": "w8a16e16",
            "int4": "w4a4e16",
            "wint4": "w4a16e16",
        }[prec]
        return self.cfg.get_dtype_config_by_name(name)

    def run(self, job: Job) -> dict:
        mc = self.model_config(job.arch, job)
        gc, gnote = self.gpu_config(job)
        dc = self.dtype(job.prec)
        pc = self.cfg.ParallelismConfig(tp_size=job.tp)
        an = self.LLMAnalysis(mc, gc, dc, pc)  # default efficiencies (1.0)

        def infer(b):
            with contextlib.redirect_stdout(io.StringIO()):
                return an.inference(
                    batch_size_per_gpu=b, seq_len=job.inp, num_tokens_to_generate=job.out
                )

        try:
            r1 = infer(1)
        except AssertionError as e:
            raise Skip(f"does not fit per llm-analysis: {str(e).splitlines()[0][:120]}") from None
        if job.fixed_batch is None:
            mx = min(r1["decode_max_batch_size_per_gpu"], r1["prefill_max_batch_size_per_gpu"])
            if mx < 1:
                raise Skip("no batch fits in memory per llm-analysis")
            b = min(mx, MAX_NUM_SEQS)
            bnote = f"max batch fitting memory per llm-analysis = {mx}, capped at {MAX_NUM_SEQS}"
        else:
            b, bnote = job.fixed_batch, job.batch_note
        try:
            r = infer(b) if b != 1 else r1
        except AssertionError as e:
            raise Skip(
                f"batch {b} does not fit per llm-analysis: {str(e).splitlines()[0][:120]}"
            ) from None
        ttft = r["prefill_latency"] * 1000.0
        itl = r["decode_latency"] * 1000.0
        notes = (
            f"{bnote}; model={mc.name} (built from architecture numbers, ffn_embed_dim=1.5*I"
            f"{f', MoE {mc.moe_num_experts}x top-{mc.moe_top_k}' if mc.moe_num_experts > 1 else ''}); "
            f"{gnote}; dtype={dc.name}; tp={job.tp}; flops_eff={an.flops_efficiency}, "
            f"hbm_eff={an.hbm_memory_efficiency}; ttft = prefill of whole batch; "
            f"ttft_b1_ms={r1['prefill_latency'] * 1000:.2f}; itl at final context"
        )
        return dict(
            output_tokens_per_s=r["total_tokens_per_sec"],
            ttft_ms=ttft,
            itl_ms=itl,
            batch_size_used=b,
            notes=notes,
        )


# --------------------------------------------------------------------------
# GenZ
# --------------------------------------------------------------------------


class GenZPeer:
    name = "genz-llm"

    def __init__(self):
        import GenZ
        from GenZ.Models.default_models import MODEL_DICT, ModelConfig
        from Systems.system_configs import system_configs

        self.G = GenZ
        self.MODEL_DICT = MODEL_DICT
        self.ModelConfig = ModelConfig
        self.system_configs = system_configs
        self.version = metadata.version("genz-llm")

    def model(self, a: Arch | None, raw_name: str):
        if a is None:  # not in our reference table: try GenZ's own name for it
            base = re.sub(r"[-_ ](instruct|chat|hf|base)$", "", raw_name.strip(), flags=re.I)
            for cand in (raw_name, base):
                m = self.MODEL_DICT.get_model(cand)
                if m is not None:
                    return m, f"model={m.model} (built-in; not in model_architectures.csv)"
            raise Skip(
                f"unknown model '{raw_name}' (not in model_architectures.csv nor GenZ built-ins)"
            )
        for cand in (GENZ_BUILTIN_MODEL.get(a.name), a.hf_repo, a.hf_repo.split("/")[-1]):
            m = self.MODEL_DICT.get_model(cand) if cand else None
            if (
                m is not None
                and m.num_decoder_layers == a.num_layers
                and m.hidden_size == a.hidden
                and m.num_key_value_heads == a.kv_heads
            ):
                return m, f"model={m.model} (built-in)"
        if a.mla:
            raise Skip(f"{a.name} uses MLA attention and has no matching GenZ built-in config")
        m = self.ModelConfig(
            model=a.name,
            vocab_size=a.vocab,
            max_model_len=a.max_context,
            hidden_size=a.hidden,
            intermediate_size=a.intermediate,
            num_ffi=2,
            num_decoder_layers=a.num_layers,
            num_attention_heads=a.heads,
            head_dim=a.head_dim,
            num_key_value_heads=a.kv_heads,
            num_experts=a.num_experts,
            expert_top_k=a.top_k,
        )
        return m, f"model={a.name} (built from architecture numbers)"

    def system(self, job: Job):
        if job.gpu in GENZ_BUILTIN_GPU:
            name = GENZ_BUILTIN_GPU[job.gpu]
            return dict(self.system_configs[name]), f"system={name} (built-in)"
        s = job.spec
        bw, icn_note = icn_gbs(s)
        d = {
            "Flops": float(s["bf16_dense_tflops"]),
            "Memory_size": float(s["memory_gb"]),
            "Memory_BW": float(s["mem_bandwidth_gbs"]),
            "ICN": bw,
            "real_values": True,
        }
        return d, f"system={job.gpu} (from gpu_specs.csv; link {icn_note})"

    def run(self, job: Job) -> dict:
        if job.prec.startswith("w"):
            raise Skip(
                "weight-only quantization (GPTQ/AWQ) not representable: GenZ applies one "
                "precision to weights, activations and KV cache"
            )
        model, mnote = self.model(job.arch, job.row.get("model", ""))
        sysd, snote = self.system(job)
        bits = {"16": "bf16", "fp8": "fp8", "int8": "int8", "int4": "int4"}[job.prec]
        common = dict(
            model=model,
            input_tokens=job.inp,
            bits=bits,
            tensor_parallel=job.tp,
            parallelism_heirarchy=f"TP{{{job.tp}}}_EP{{1}}_PP{{1}}",
        )
        per_chip_mb = float(sysd["Memory_size"]) * 1024.0

        def profile(b):
            with contextlib.redirect_stdout(io.StringIO()):
                _, st = self.G.decode_moddeling(
                    batch_size=b,
                    Bb=1,
                    output_tokens=job.out,
                    system_name=dict(sysd),
                    model_profilling=True,
                    **common,
                )
            return float(st["Total Weights (MB)"].values[0]), float(st["KV Cache (MB)"].values[0])

        w, kv1 = profile(1)
        if w + kv1 > per_chip_mb:
            raise Skip(
                f"does not fit per GenZ: weights {w / 1024:.1f} GiB + KV > {per_chip_mb / 1024:.0f} GiB per chip"
            )
        if job.fixed_batch is None:
            mx = int((per_chip_mb - w) // kv1) if kv1 > 0 else MAX_NUM_SEQS
            b = min(mx, MAX_NUM_SEQS)
            while b > 1 and sum(profile(b)) > per_chip_mb:
                b -= 1
            bnote = f"max batch fitting memory per GenZ = {mx}, capped at {MAX_NUM_SEQS}"
        else:
            b, bnote = job.fixed_batch, job.batch_note
            if sum(profile(b)) > per_chip_mb:
                raise Skip(
                    f"batch {b} does not fit per GenZ (weights + KV > {per_chip_mb / 1024:.0f} GiB per chip)"
                )
        with contextlib.redirect_stdout(io.StringIO()):
            p = self.G.prefill_moddeling(batch_size=b, system_name=dict(sysd), **common)
            p1 = (
                p
                if b == 1
                else self.G.prefill_moddeling(batch_size=1, system_name=dict(sysd), **common)
            )
            d = self.G.decode_moddeling(
                batch_size=b, Bb=1, output_tokens=job.out // 2, system_name=dict(sysd), **common
            )
        ttft, itl = float(p["Latency"]), float(d["Latency"])
        notes = (
            f"{bnote}; {mnote}; {snote}; bits={bits}; tp={job.tp}; system_eff=1; Bb=1; "
            f"ttft = prefill of whole batch; ttft_b1_ms={float(p1['Latency']):.2f}; "
            f"itl at mean context (input + output/2)"
        )
        return dict(
            output_tokens_per_s=tput(b, job.out, ttft, itl),
            ttft_ms=ttft,
            itl_ms=itl,
            batch_size_used=b,
            notes=notes,
        )


# --------------------------------------------------------------------------


def fmt(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:.1f}"
    return str(v)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = ap.parse_args(argv)

    ref = _reference_dir()
    archs, specs = load_archs(ref), load_gpus(ref)
    with open(args.input, newline="") as f:
        rows = list(csv.DictReader(f))

    peers = []
    for cls in (LLMAnalysisPeer, GenZPeer):
        try:
            peers.append(cls())
        except Exception as e:  # peer not installed: still emit rows saying so
            print(f"warning: {cls.name} unavailable: {e}", file=sys.stderr)
            peers.append(
                type(
                    "Missing",
                    (),
                    {
                        "name": cls.name,
                        "version": "",
                        "run": staticmethod(
                            lambda job, e=e: (_ for _ in ()).throw(
                                Skip(f"peer not importable: {e}")
                            )
                        ),
                    },
                )()
            )

    genz_tmp = Path("/tmp/genz/data/model")
    before = set(genz_tmp.iterdir()) if genz_tmp.is_dir() else set()

    out_rows, counts = [], {p.name: [0, 0] for p in peers}
    for row in rows:
        rid = row.get("id", "")
        try:
            job, why = prepare(row, archs, specs), None
        except Skip as e:
            job, why = None, str(e)
        for peer in peers:
            rec = dict(id=rid, peer=peer.name, peer_version=peer.version)
            if job is None:
                rec["notes"] = why
            else:
                try:
                    rec.update(peer.run(job))
                except Skip as e:
                    rec["notes"] = str(e)
                except Exception as e:  # peer crashed on this row: record, keep going
                    rec["notes"] = (
                        f"peer error: {type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"
                    )
            counts[peer.name][0 if rec.get("output_tokens_per_s") not in (None, "") else 1] += 1
            out_rows.append(rec)

    if genz_tmp.is_dir():  # GenZ writes one layer CSV per call; remove only ours
        for p in set(genz_tmp.iterdir()) - before:
            with contextlib.suppress(OSError):
                p.unlink()

    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=OUT_COLUMNS)
        w.writeheader()
        for rec in out_rows:
            w.writerow({k: fmt(rec.get(k)) for k in OUT_COLUMNS})

    print(f"read {len(rows)} rows from {args.input}; wrote {len(out_rows)} to {args.output}")
    for name, (ok, bad) in counts.items():
        print(f"  {name}: modelled {ok}, not modelled {bad}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
