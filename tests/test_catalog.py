"""Catalog rows carry provenance; aliases resolve; API prices match the genai-prices snapshot."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from llmecon.catalog import CatalogError, fact, gpu_prices, gpus, models, resolve_gpu, resolve_model
from llmecon.catalog.api_prices import api_price
from tests.conftest import START_DATE

FILES = ["gpus.csv", "gpu_prices.csv", "models.csv", "training_compute.csv", "facts.csv"]


@pytest.mark.parametrize("name", FILES)
def test_every_row_has_source_and_as_of(name: str) -> None:
    text = resources.files("llmecon.catalog").joinpath("data", name).read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert rows
    for row in rows:
        assert row["source"].strip(), row
        assert row["as_of"].strip(), row


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("H100", "H100 SXM"),
        ("h100-sxm", "H100 SXM"),
        ("H100-SXM-80GB", "H100 SXM"),
        ("H100-80GB-HBM3", "H100 SXM"),
        ("H200-141GB", "H200 SXM"),
        ("A100-SXM4-80GB", "A100 80GB SXM4"),
        ("A100-80GB", "A100 80GB SXM4"),
        ("L40S", "L40S"),
        ("MI300X", "MI300X"),
    ],
)
def test_gpu_aliases(alias: str, name: str) -> None:
    assert resolve_gpu(alias).name == name


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("llama-3.1-8b", "Llama 3.1 8B"),
        ("Llama-3.1-8B", "Llama 3.1 8B"),
        ("Llama-3.1-70B", "Llama 3.1 70B"),
        ("Llama-3.3-70B", "Llama 3.3 70B"),
        ("Llama-3.1-405B", "Llama 3.1 405B"),
        ("Llama-2-7B", "Llama 2 7B"),
        ("Llama-2-70B", "Llama 2 70B"),
        ("Mixtral-8x7B", "Mixtral 8x7B"),
        ("meta-llama/Llama-3.1-8B", "Llama 3.1 8B"),
    ],
)
def test_model_aliases(alias: str, name: str) -> None:
    assert resolve_model(alias).name == name


def test_mistral_7b_alias_resolves_to_a_mistral() -> None:
    assert resolve_model("Mistral-7B").name.startswith("Mistral 7B")


def test_unknown_names_suggest_close_ones() -> None:
    with pytest.raises(CatalogError, match=r"unknown GPU 'H1000'; did you mean: H100 SXM"):
        resolve_gpu("H1000")


def test_moe_expert_params_mixtral() -> None:
    m = resolve_model("Mixtral-8x7B")
    # (46.7 - 12.9) B differ by 6 experts' worth (8 total - 2 active): x 8/6 for all 8 experts
    assert m.expert_params == pytest.approx((46.7 - 12.9) * 1e9 * 8 / 6, rel=0.02)


def test_dense_peak_not_sparse() -> None:
    h100 = resolve_gpu("H100")
    assert h100.peak_tflops("bf16") == 989.0
    assert h100.peak_tflops("fp8") == 1979.0
    assert resolve_gpu("A100-80GB").peak_tflops("fp8") == 312.0  # no fp8 units: 16-bit rate


def test_gpu_prices_belong_to_catalog_gpus() -> None:
    names = {g.name for g in gpus()}
    assert {p.gpu for p in gpu_prices()} <= names
    assert all(p.usd_per_gpu_hour > 0 for p in gpu_prices())


def test_models_have_consistent_shapes() -> None:
    for m in models():
        assert m.active_params_b <= m.total_params_b
        assert m.num_attention_heads % max(m.num_kv_heads, 1) == 0 or m.kv_lora_rank > 0, m.name


def test_api_price_with_cache_and_batch() -> None:
    p = api_price("gpt-4o", "openai", on=START_DATE)
    assert (p.input_per_mtok, p.cached_input_per_mtok, p.output_per_mtok) == (2.5, 1.25, 10.0)
    assert (p.batch_input_per_mtok, p.batch_output_per_mtok) == (1.25, 5.0)
    s = api_price("claude-sonnet-4-5", "anthropic", on=START_DATE)
    assert s.tiers == ((200000, 6.0, 22.5, 0.6),)


def test_fact_lookup() -> None:
    assert fact("chinchilla_tokens_per_param").value == 20.0
    with pytest.raises(CatalogError):
        fact("no_such_fact")
