"""Build a ``Replica`` (numbers for the inference model) from catalog rows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from llmecon.catalog import GPU, ModelArch, fact
from llmecon.perf import memory
from llmecon.perf.inference import PRECISION_FLOP_FACTORS, Replica

#: Per-GPU memory held back for activations, CUDA graphs and workspace [bytes]; vLLM profiles
#: this at start-up; 1 GiB per GPU is a llmecon assumption (typical profiled size at batch 256).
DEFAULT_RESERVE_BYTES_PER_GPU = 1.0 * memory.GIB


@dataclass(frozen=True)
class Fit:
    """Whether a model fits a replica, with the numbers that decide it."""

    fits: bool
    weight_gb: float  # [GB]
    kv_gb_per_1k_tokens: float  # [GB per 1000 tokens]
    usable_gb: float  # [GB] GPUs x memory x utilization - reserve
    kv_capacity_tokens: float  # [tokens]

    def explain(self, gpus: int, gpu_name: str) -> str:
        if self.fits:
            return (
                f"weights {self.weight_gb:.1f} GB + KV for {self.kv_capacity_tokens:,.0f} tokens "
                f"fit {gpus} x {gpu_name} ({self.usable_gb:.1f} GB usable)"
            )
        return (
            f"weights need {self.weight_gb:.1f} GB but {gpus} x {gpu_name} give "
            f"{self.usable_gb:.1f} GB usable"
        )


def gpus_per_node() -> float:
    """GPUs in one node's NVLink domain [-]: 8, as in NVIDIA DGX H100/H200/B200 (facts.csv
    ``dgx_h100_gpus_per_node``); used for every GPU (judgement: the common 8-GPU server)."""
    return fact("dgx_h100_gpus_per_node").value


def network_bandwidth_gbs() -> float:
    """Inter-node bandwidth per GPU per direction [GB/s]: one 400 Gb/s ConnectX-7 NIC per GPU
    on DGX H100/H200/B200 (facts.csv ``dgx_h100_compute_nic_gbit_per_s_per_gpu``) = 50 GB/s."""
    return fact("dgx_h100_compute_nic_gbit_per_s_per_gpu").value / 8.0


def link_bandwidth_gbs(gpu: GPU) -> float:
    """GPU-to-GPU bandwidth per direction [GB/s]: NVLink/Infinity Fabric, else PCIe Gen4 x16."""
    if gpu.interconnect_gbs_per_direction:
        return gpu.interconnect_gbs_per_direction
    return fact("pcie_gen4_x16_gbs_per_direction").value


@lru_cache(maxsize=1024)
def build_replica(
    model: ModelArch,
    gpu: GPU,
    precision: str,
    num_gpus: int,
    kv_precision: str | None = None,
    memory_utilization: float = memory.DEFAULT_GPU_MEMORY_UTILIZATION,
    network_gbs_per_gpu: float | None = None,
    gpus_in_node: float | None = None,
    flop_factor: float | None = None,
) -> tuple[Replica, Fit]:
    """Numbers for ``perf.inference`` from a catalog model and GPU.

    KV precision defaults to fp8 when weights are fp8 (as TensorRT-LLM and vLLM FP8 recipes
    do) and to bf16 otherwise. ``network_gbs_per_gpu`` [GB/s per direction] and
    ``gpus_in_node`` [-] set the inter-node network and the NVLink domain that a
    tensor-parallel group larger than one node crosses (``inference.allreduce_time``);
    ``None`` takes the DGX H100 values, 50 GB/s and 8 (``network_bandwidth_gbs``,
    ``gpus_per_node``).

    ``Replica.peak_flops`` is the GPU's nominal dense peak at ``precision``;
    ``Replica.flop_factor`` is ``flop_factor`` [-], the share of that peak the model's FLOPs
    can reach relative to 16-bit (``None``: ``inference.PRECISION_FLOP_FACTORS``, 1 for
    precisions not listed, below 1 for FP8). Efficiency fractions (``mfu_decode``,
    ``mfu_prefill``) apply on top of both.
    """
    kv_prec = kv_precision or ("fp8" if precision == "fp8" else "bf16")
    bpw = memory.bytes_per_weight(precision)
    w = float(memory.weight_bytes(model.total_params_b * 1e9, bpw))
    kv = float(
        memory.kv_bytes_per_token(
            model.num_layers,
            model.num_kv_heads,
            model.head_dim,
            memory.kv_bytes_per_element(kv_prec),
            model.kv_lora_rank,
            model.rope_head_dim,
        )
    )
    flops_share = PRECISION_FLOP_FACTORS.get(precision, 1.0) if flop_factor is None else flop_factor
    mem_bytes = gpu.memory_gb * memory.GB
    kv_tokens = float(
        memory.kv_capacity_tokens(
            mem_bytes, num_gpus, w, kv, memory_utilization, DEFAULT_RESERVE_BYTES_PER_GPU
        )
    )
    usable = num_gpus * (mem_bytes * memory_utilization - DEFAULT_RESERVE_BYTES_PER_GPU)
    fit = Fit(
        fits=kv_tokens >= 1024.0,
        weight_gb=w / memory.GB,
        kv_gb_per_1k_tokens=kv * 1000.0 / memory.GB,
        usable_gb=usable / memory.GB,
        kv_capacity_tokens=max(kv_tokens, 0.0),
    )
    replica = Replica(
        weight_bytes=w,
        expert_weight_bytes=model.expert_params * bpw,
        active_params=model.active_params_b * 1e9,
        num_layers=model.num_layers,
        hidden_size=model.hidden_size,
        attn_dim=model.num_attention_heads * model.head_dim,
        kv_bytes_per_token=kv,
        # latent attention caches one shared latent per layer: no group to re-read
        gqa_group=1.0
        if model.kv_lora_rank
        else model.num_attention_heads / max(model.num_kv_heads, 1),
        kv_capacity_tokens=kv_tokens,
        num_gpus=num_gpus,
        peak_flops=gpu.peak_tflops(precision) * 1e12,
        flop_factor=flops_share,
        mem_bandwidth=gpu.mem_bandwidth_gbs * 1e9,
        link_bandwidth=link_bandwidth_gbs(gpu) * 1e9,
        num_experts=model.num_experts,
        experts_per_token=model.experts_per_token,
        gpus_per_node=gpus_per_node() if gpus_in_node is None else gpus_in_node,
        network_bandwidth=(
            network_bandwidth_gbs() if network_gbs_per_gpu is None else network_gbs_per_gpu
        )
        * 1e9,
    )
    return replica, fit
