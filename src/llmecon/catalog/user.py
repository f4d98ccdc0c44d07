"""A scenario's own catalog entries: GPUs, model architectures and GPU prices (``catalog:``).

A scenario may add rows to the package's catalogs under a top-level ``catalog:`` section::

    catalog:
      gpus:
        - name: RTX 5090
          memory_gb: 32
          mem_bandwidth_gbs: 1792
          bf16_tflops: 209.5
      models:
        - name: my-8b
          total_params_b: 8.03
          num_layers: 32
          hidden_size: 4096
          num_attention_heads: 32
          num_kv_heads: 8
          head_dim: 128
      gpu_prices:
        - gpu: RTX 5090
          usd_per_gpu_hour: 0.89
          pricing: on-demand

Each entry uses the column names and units of the package's CSV files (``catalog/data/*.csv``,
described in ``catalog/data/README.md``). ``parse_user_catalog`` validates the entries into the
same ``GPU``, ``ModelArch`` and ``GPUPrice`` rows the package uses; every problem is one line
``catalog.gpus[0].memory_gb: <problem>; <fix>`` in a ``ScenarioError``. A user entry whose name
or alias equals a package entry's shadows it (``UserCatalog.notes`` says so), and
``UserCatalog.resolve_gpu``, ``resolve_model`` and ``gpu_prices_for`` look a name up in the
user's entries first, then in the package's.

``model_from_hf_config`` turns a Hugging Face ``config.json`` into a ``models`` entry with its
parameter counts computed from the shapes (``hf_param_counts``); ``model_entry_yaml`` prints it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from typing import Any, NamedTuple

from llmecon.catalog import tables
from llmecon.catalog.tables import GPU, GPUPrice, ModelArch
from llmecon.errors import CatalogError, ScenarioError

#: The tables a ``catalog:`` section may hold, with the CSV file whose columns they use.
TABLES: dict[str, str] = {
    "gpus": "gpus.csv",
    "models": "models.csv",
    "gpu_prices": "gpu_prices.csv",
}
#: Pricing modes of a ``gpu_prices`` row (as in ``gpu_prices.csv``).
PRICING_MODES = ("on-demand", "reserved-1y", "reserved-3y", "spot")
#: ``source`` of a user entry that names none.
DEFAULT_SOURCE = "user catalog"
#: ``provider`` of a user price that names none.
DEFAULT_PROVIDER = "user catalog"


class _Col(NamedTuple):
    """How one column is read: its kind, whether it is required, and the fix that an error
    line ends with (which also states the unit)."""

    kind: str  # text | name | date | aliases | positive | count | count0 | bool | pricing
    fix: str
    required: bool = False


_DENSE = "dense (not 2:4 sparse)"

_GPU_COLS: dict[str, _Col] = {
    "name": _Col("name", "give the GPU's name, e.g. RTX 5090", True),
    "aliases": _Col("aliases", "give other names as a list"),
    "vendor": _Col("text", "give the vendor's name"),
    "memory_gb": _Col("positive", "give the GPU memory in GB (1e9 bytes), e.g. 32", True),
    "mem_bandwidth_gbs": _Col("positive", "give the memory bandwidth in GB/s, e.g. 1792", True),
    "bf16_tflops": _Col("positive", f"give the {_DENSE} bf16 tensor throughput in TFLOP/s"),
    "fp16_tflops": _Col("positive", f"give the {_DENSE} fp16 tensor throughput in TFLOP/s"),
    "fp8_tflops": _Col("positive", f"give the {_DENSE} fp8 tensor throughput in TFLOP/s"),
    "int8_tops": _Col("positive", f"give the {_DENSE} int8 tensor throughput in TOP/s"),
    "int4_tops": _Col("positive", f"give the {_DENSE} int4 tensor throughput in TOP/s"),
    "tdp_w": _Col("positive", "give the board power in W"),
    "interconnect_gbs_per_direction": _Col(
        "positive", "give the GPU-to-GPU bandwidth per direction in GB/s (PCIe Gen5 x16: 64)"
    ),
    "interconnect": _Col("text", "name the link, e.g. NVLink4 or PCIe Gen5"),
    "list_price_usd": _Col("positive", "give the purchase price in USD"),
    "list_price_note": _Col("text", "say where the price comes from"),
    "source": _Col("text", "say where the figures come from"),
    "as_of": _Col("date", "give a date like 2025-01 or 2025-01-30"),
    "notes": _Col("text", "give notes as text"),
}

_MODEL_COLS: dict[str, _Col] = {
    "name": _Col("name", "give the model's name, e.g. my-8b", True),
    "aliases": _Col("aliases", "give other names as a list"),
    "hf_repo": _Col("text", "give the Hugging Face repo id, e.g. meta-llama/Llama-3.1-8B"),
    "family": _Col("text", "give the family, e.g. llama"),
    "total_params_b": _Col("positive", "give the total parameters in billions, e.g. 8.03", True),
    "active_params_b": _Col(
        "positive",
        "give the parameters used per token in billions (mixture of experts: top-k experts "
        "plus everything shared)",
    ),
    "num_layers": _Col("count", "give the transformer layers (config num_hidden_layers)", True),
    "hidden_size": _Col("count", "give the model width (config hidden_size)", True),
    "intermediate_size": _Col("positive", "give the MLP width (config intermediate_size)"),
    "num_attention_heads": _Col("count", "give the query heads (config num_attention_heads)", True),
    "num_kv_heads": _Col("count", "give the key/value heads (config num_key_value_heads)", True),
    "head_dim": _Col(
        "count", "give the width of one head (config head_dim, else hidden_size / heads)", True
    ),
    "vocab_size": _Col("count", "give the vocabulary size (config vocab_size)"),
    "max_context": _Col(
        "count", "give the context window in tokens (config max_position_embeddings)"
    ),
    "num_experts": _Col("count", "give the routed experts per layer, 1 for a dense model"),
    "experts_per_token": _Col("count", "give the routed experts each token uses (top-k)"),
    "moe_intermediate_size": _Col("positive", "give the MLP width of one expert"),
    "kv_lora_rank": _Col(
        "count0", "give the MLA latent width (DeepSeek kv_lora_rank), 0 without MLA"
    ),
    "rope_head_dim": _Col(
        "count0", "give the MLA rotary width (DeepSeek qk_rope_head_dim), 0 without MLA"
    ),
    "tied_embeddings": _Col("bool", "give true or false"),
    "license": _Col("text", "give the license's name"),
    "open_weights": _Col("bool", "give true or false"),
    "source": _Col("text", "say where the shapes come from"),
    "as_of": _Col("date", "give a date like 2025-01 or 2025-01-30"),
    "notes": _Col("text", "give notes as text"),
}

_PRICE_COLS: dict[str, _Col] = {
    "provider": _Col("text", "give the provider's name"),
    "segment": _Col("text", "give the market segment, e.g. neocloud"),
    "instance_type": _Col("text", "give the instance's name"),
    "gpu": _Col("name", "give a GPU of catalog.gpus or of the package catalog", True),
    "gpus_per_instance": _Col("positive", "give the GPUs in one instance"),
    "usd_per_gpu_hour": _Col("positive", "give the price per GPU-hour in USD", True),
    "usd_per_instance_hour": _Col("positive", "give the price per instance-hour in USD"),
    "pricing": _Col("pricing", f"use one of {', '.join(PRICING_MODES)}", True),
    "region": _Col("text", "give the provider's region id, e.g. us-east-1"),
    "geo": _Col("text", "give the geo, e.g. us or eu"),
    "as_of": _Col("date", "give a date like 2025-01 or 2025-01-30"),
    "source": _Col("text", "say where the price comes from"),
    "notes": _Col("text", "give notes as text"),
}

_SPECS: dict[str, dict[str, _Col]] = {
    "gpus": _GPU_COLS,
    "models": _MODEL_COLS,
    "gpu_prices": _PRICE_COLS,
}


@cache
def _columns(table: str) -> tuple[str, ...]:
    """The columns a user entry of ``table`` may use: the package CSV's header (so a column
    added there is accepted here at once), then any this module reads that it lacks."""
    header = tuple(tables._rows(TABLES[table])[0])
    return header + tuple(c for c in _SPECS[table] if c not in header)


@dataclass(frozen=True)
class UserCatalog:
    """A scenario's own catalog entries, validated into the package's row types.

    ``notes`` says which package entries a user entry shadows, one line each. The look-up
    methods prefer user entries and fall back to the package catalog.
    """

    gpus: tuple[GPU, ...] = ()
    models: tuple[ModelArch, ...] = ()
    gpu_prices: tuple[GPUPrice, ...] = ()
    notes: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.gpus or self.models or self.gpu_prices)

    def resolve_gpu(self, name: str) -> GPU:
        """A GPU by name or alias: the user's first, then the package's (``CatalogError``
        with close names of both if neither has it)."""
        hit = _user_index(self.gpus).get(tables._norm(name))
        if hit is not None:
            return hit
        try:
            return tables.resolve_gpu(name)
        except CatalogError:
            names = [g.name for g in self.gpus] + [g.name for g in tables.gpus()]
            raise CatalogError(_unknown("GPU", name, names)) from None

    def resolve_model(self, name: str) -> ModelArch:
        """A model by name, alias or Hugging Face repo id: the user's first, then the
        package's (``CatalogError`` with close names of both if neither has it)."""
        hit = _user_index(self.models).get(tables._norm(name))
        if hit is not None:
            return hit
        try:
            return tables.resolve_model(name)
        except CatalogError:
            names = [m.name for m in self.models] + [m.name for m in tables.models()]
            raise CatalogError(_unknown("model", name, names)) from None

    def gpu_prices_for(
        self, gpu: str | None = None, pricing: str | None = None, provider: str | None = None
    ) -> tuple[GPUPrice, ...]:
        """Rental prices filtered as ``tables.gpu_prices`` filters them (GPU by any alias,
        pricing mode, provider case-insensitively), user rows first.

        Where the user catalog prices a GPU in a pricing mode, the package's rows for that
        GPU and mode are left out: a price you state replaces the package's quotes rather
        than joining their median. [USD/GPU-hour rows]
        """
        name = self.resolve_gpu(gpu).name if gpu else None
        own = {(p.gpu, p.pricing) for p in self.gpu_prices}

        def keep(p: GPUPrice) -> bool:
            return (
                (name is None or p.gpu == name)
                and (pricing is None or p.pricing == pricing)
                and (provider is None or p.provider.lower() == provider.lower())
            )

        # The package filter is given no GPU: a user-only GPU is unknown to it.
        package = tables.gpu_prices(None, pricing, provider)
        return tuple(p for p in self.gpu_prices if keep(p)) + tuple(
            p for p in package if keep(p) and (p.gpu, p.pricing) not in own
        )


#: The catalog of a scenario without a ``catalog:`` section: every look-up is the package's.
EMPTY = UserCatalog()


def _user_index(rows: tuple[Any, ...]) -> dict[str, Any]:
    index: dict[str, Any] = {}
    for row in rows:
        for n in (row.name, *row.aliases, getattr(row, "hf_repo", "")):
            if n:
                index.setdefault(tables._norm(n), row)
    return index


def _unknown(label: str, name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.4)
    known = ", ".join(close or names[:8])
    return f"unknown {label} {name!r}; {'did you mean' if close else 'known'}: {known}"


# --------------------------------------------------------------------------- reading values


def _is_number(v: Any) -> bool:
    # bool is an int to Python, but `memory_gb: true` is a mistake, not 1 GB
    return isinstance(v, int | float) and not isinstance(v, bool)


def _convert(col: _Col, value: Any, path: str, problems: list[str]) -> Any:
    """``value`` read as ``col`` says, or None after adding a problem line."""
    kind = col.kind
    if kind in ("positive", "count", "count0"):
        if not _is_number(value) or not math.isfinite(value):
            what = "a positive number" if kind == "positive" else "a whole number"
            problems.append(f"{path}: must be {what} (got {value!r}); {col.fix}")
            return None
        if kind == "positive":
            if value <= 0:
                problems.append(f"{path}: must be a positive number (got {value!r}); {col.fix}")
                return None
            return float(value)
        if value != int(value) or value < (1 if kind == "count" else 0):
            least = "1 or more" if kind == "count" else "0 or more"
            problems.append(f"{path}: must be a whole number, {least} (got {value!r}); {col.fix}")
            return None
        return int(value)
    if kind == "bool":
        if not isinstance(value, bool):
            problems.append(f"{path}: must be true or false (got {value!r}); {col.fix}")
            return None
        return value
    if kind == "aliases":
        items = value.split(";") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(a, str) for a in items):
            problems.append(
                f"{path}: must be a list of names (got {value!r}); {col.fix}, each quoted "
                "if it looks like a number"
            )
            return None
        return tuple(a.strip() for a in items if a.strip())
    if kind == "date" and isinstance(value, dt.date):
        return value.isoformat()  # YAML reads 2025-01-30 as a date
    if kind == "date" and isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a bare year
    if not isinstance(value, str):
        problems.append(
            f"{path}: must be text (got {value!r}); {col.fix} (quote it if it looks like a number)"
        )
        return None
    text = value.strip()
    if kind == "name" and not text:
        problems.append(f"{path}: must not be empty; {col.fix}")
        return None
    if kind == "pricing" and text not in PRICING_MODES:
        problems.append(f"{path}: {value!r} is not a pricing mode; {col.fix}")
        return None
    return text


def _read_entry(table: str, entry: Any, path: str, problems: list[str]) -> dict[str, Any] | None:
    """The entry's values by column (absent columns left out), or None if a problem was
    found (all of them are added to ``problems``)."""
    spec = _SPECS[table]
    if not isinstance(entry, Mapping):
        problems.append(
            f"{path}: must be a mapping of column: value (got {entry!r}); give the columns of "
            f"{TABLES[table]}"
        )
        return None
    before = len(problems)
    allowed = _columns(table)
    values: dict[str, Any] = {}
    for key, value in entry.items():
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            problems.append(
                f"{path}.{key}: unknown column; {hint}the columns of {TABLES[table]} are "
                f"{', '.join(allowed)}"
            )
            continue
        if value is None:
            continue  # `tdp_w:` with nothing after it is a blank cell, as in the CSV
        col = spec.get(str(key), _Col("text", "give text"))
        converted = _convert(col, value, f"{path}.{key}", problems)
        if converted is not None:
            values[str(key)] = converted
    for key, col in spec.items():
        if col.required and entry.get(key) is None:
            problems.append(f"{path}.{key}: required column is missing; {col.fix}")
    return values if len(problems) == before else None


def _fill(cls: type[Any], explicit: dict[str, Any], values: dict[str, Any]) -> Any:
    """``cls(**explicit)`` plus every other column that is a field of ``cls`` (text columns
    such as a price's ``segment`` and ``geo``), so a new optional field needs no change here."""
    extra = {
        f.name: values[f.name] for f in fields(cls) if f.name not in explicit and f.name in values
    }
    return cls(**explicit, **extra)


# --------------------------------------------------------------------------- the three tables


def _gpu(v: dict[str, Any], path: str, problems: list[str]) -> GPU | None:
    if "bf16_tflops" not in v and "fp16_tflops" not in v:
        # peak_tflops() falls back to the 16-bit rate for every format without its own units
        problems.append(
            f"{path}: bf16_tflops or fp16_tflops is required; give the {_DENSE} 16-bit "
            "tensor throughput in TFLOP/s"
        )
        return None
    gpu: GPU = _fill(
        GPU,
        {
            "name": v["name"],
            "aliases": v.get("aliases", ()),
            "vendor": v.get("vendor", ""),
            "memory_gb": v["memory_gb"],
            "mem_bandwidth_gbs": v["mem_bandwidth_gbs"],
            "bf16_tflops": v.get("bf16_tflops"),
            "fp16_tflops": v.get("fp16_tflops"),
            "fp8_tflops": v.get("fp8_tflops"),
            "int8_tops": v.get("int8_tops"),
            "tdp_w": v.get("tdp_w"),
            "interconnect_gbs_per_direction": v.get("interconnect_gbs_per_direction"),
            "interconnect": v.get("interconnect", ""),
            "list_price_usd": v.get("list_price_usd"),
            "list_price_note": v.get("list_price_note", ""),
            "source": v.get("source", DEFAULT_SOURCE),
            "as_of": v.get("as_of", ""),
            "notes": v.get("notes", ""),
        },
        v,
    )
    return gpu


def _model(v: dict[str, Any], path: str, problems: list[str]) -> ModelArch | None:
    before = len(problems)
    total = v["total_params_b"]
    experts = v.get("num_experts", 1)
    top_k = v.get("experts_per_token", 1)
    active = v.get("active_params_b")
    heads, kv_heads = v["num_attention_heads"], v["num_kv_heads"]
    if heads % kv_heads:
        problems.append(
            f"{path}.num_kv_heads: {kv_heads} does not divide num_attention_heads {heads}; "
            "give the config's num_key_value_heads (each KV head serves a whole group of "
            "query heads)"
        )
    if active is not None and active > total:
        problems.append(
            f"{path}.active_params_b: {active:g} exceeds total_params_b {total:g}; give the "
            "parameters used per token in billions, at most the total"
        )
    if experts > 1:
        # expert_params = (total - active) * E / (E - k): needs k < E and active < total
        if top_k >= experts:
            problems.append(
                f"{path}.experts_per_token: must be fewer than num_experts ({top_k} of "
                f"{experts}); give the routed experts each token uses (top-k)"
            )
        if active is None:
            problems.append(
                f"{path}.active_params_b: required for a mixture-of-experts model "
                f"(num_experts {experts}); give the parameters used per token in billions"
            )
        elif active >= total:
            problems.append(
                f"{path}.active_params_b: a mixture-of-experts model uses fewer parameters "
                f"per token than it holds ({active:g} of {total:g}); give active_params_b "
                "below total_params_b"
            )
    elif top_k > 1:
        problems.append(
            f"{path}.experts_per_token: {top_k} but num_experts is 1; give num_experts for a "
            "mixture-of-experts model, or leave experts_per_token out"
        )
    if len(problems) > before:
        return None
    model: ModelArch = _fill(
        ModelArch,
        {
            "name": v["name"],
            "aliases": v.get("aliases", ()),
            "hf_repo": v.get("hf_repo", ""),
            "family": v.get("family", ""),
            "total_params_b": total,
            "active_params_b": total if active is None else active,
            "num_layers": v["num_layers"],
            "hidden_size": v["hidden_size"],
            "intermediate_size": v.get("intermediate_size"),
            "num_attention_heads": heads,
            "num_kv_heads": kv_heads,
            "head_dim": v["head_dim"],
            "vocab_size": v.get("vocab_size", 0),
            "max_context": v.get("max_context", 0),
            "num_experts": experts,
            "experts_per_token": top_k,
            "moe_intermediate_size": v.get("moe_intermediate_size"),
            "kv_lora_rank": v.get("kv_lora_rank", 0),
            "rope_head_dim": v.get("rope_head_dim", 0),
            "license": v.get("license", ""),
            "open_weights": v.get("open_weights", True),
            "source": v.get("source", DEFAULT_SOURCE),
            "as_of": v.get("as_of", ""),
            "notes": v.get("notes", ""),
        },
        v,
    )
    return model


def _price(v: dict[str, Any], gpu_name: str) -> GPUPrice:
    price: GPUPrice = _fill(
        GPUPrice,
        {
            "provider": v.get("provider", DEFAULT_PROVIDER),
            "instance_type": v.get("instance_type", ""),
            "gpu": gpu_name,
            "gpus_per_instance": v.get("gpus_per_instance"),
            "usd_per_gpu_hour": v["usd_per_gpu_hour"],
            "pricing": v["pricing"],
            "region": v.get("region", ""),
            "as_of": v.get("as_of", ""),
            "source": v.get("source", DEFAULT_SOURCE),
            "notes": v.get("notes", ""),
        },
        v,
    )
    return price


def _names(row: Any) -> list[str]:
    return [n for n in (row.name, *row.aliases, getattr(row, "hf_repo", "")) if n]


def _check_unique(rows: list[tuple[str, Any]], table: str, problems: list[str]) -> None:
    """Each name, alias and repo id (as look-ups compare them) names one user entry."""
    seen: dict[str, str] = {}
    for path, row in rows:
        for n in dict.fromkeys(tables._norm(x) for x in _names(row)):
            if n in seen:
                problems.append(
                    f"{path}.name: {row.name!r} has a name or alias already used by "
                    f"{seen[n]}; give each entry of catalog.{table} its own names"
                )
                break
            seen[n] = path


def _shadow_notes(
    rows: list[tuple[str, Any]], label: str, resolve: Callable[[str], Any]
) -> list[str]:
    notes = []
    for path, row in rows:
        shadowed: dict[str, None] = {}
        for n in _names(row):
            try:
                shadowed[resolve(n).name] = None
            except CatalogError:
                continue
        for pkg in shadowed:
            notes.append(
                f"{path}: {row.name!r} shadows the package's {label} {pkg!r} in this scenario "
                "(a name or alias is the same)"
            )
    return notes


def parse_user_catalog(data: Mapping[str, Any] | None, where: str = "catalog") -> UserCatalog:
    """Validate a scenario's ``catalog:`` mapping into a ``UserCatalog``.

    ``data`` holds up to three lists, ``gpus``, ``models`` and ``gpu_prices``, of mappings
    whose keys are the columns (and units) of the package's CSV of that name. ``where`` is
    the YAML path of the section, which opens every error line. Raises ``ScenarioError`` with
    one line ``<where>.<table>[i].<column>: <problem>; <fix>`` per problem found.

    Required columns: a GPU needs ``name``, ``memory_gb`` [GB], ``mem_bandwidth_gbs`` [GB/s]
    and ``bf16_tflops`` or ``fp16_tflops`` [TFLOP/s, dense]; a model needs ``name``,
    ``total_params_b`` [1e9 parameters], ``num_layers``, ``hidden_size``,
    ``num_attention_heads``, ``num_kv_heads`` and ``head_dim`` (plus ``active_params_b`` and
    ``experts_per_token`` when ``num_experts`` > 1); a price needs ``gpu`` (of this catalog or
    the package's), ``usd_per_gpu_hour`` [USD/GPU-hour] and ``pricing`` (on-demand,
    reserved-1y, reserved-3y or spot). ``source`` defaults to "user catalog", ``as_of`` to "".
    """
    if data is None:
        return EMPTY
    if not isinstance(data, Mapping):
        raise ScenarioError(
            [
                f"{where}: must be a mapping with gpus, models and gpu_prices (got {data!r}); "
                "give lists of entries under those keys"
            ]
        )
    problems: list[str] = []
    for key in data:
        if key not in TABLES:
            close = difflib.get_close_matches(str(key), list(TABLES), n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}? " if close else ""
            problems.append(
                f"{where}.{key}: unknown table; {hint}the tables are gpus, models and gpu_prices"
            )
    values: dict[str, list[tuple[str, dict[str, Any]]]] = {t: [] for t in TABLES}
    for table in TABLES:
        entries = data.get(table)
        if entries is None:
            continue
        if not isinstance(entries, list):
            problems.append(
                f"{where}.{table}: must be a list of entries (got {entries!r}); start each "
                "entry with '- '"
            )
            continue
        for i, entry in enumerate(entries):
            path = f"{where}.{table}[{i}]"
            v = _read_entry(table, entry, path, problems)
            if v is not None:
                values[table].append((path, v))

    gpus: list[tuple[str, GPU]] = []
    for path, v in values["gpus"]:
        g = _gpu(v, path, problems)
        if g is not None:
            gpus.append((path, g))
    models: list[tuple[str, ModelArch]] = []
    for path, v in values["models"]:
        m = _model(v, path, problems)
        if m is not None:
            models.append((path, m))
    _check_unique(gpus, "gpus", problems)
    _check_unique(models, "models", problems)

    # Prices name a GPU of this catalog or of the package's; they store its catalog name,
    # since look-ups match prices to GPUs by that name.
    partial = UserCatalog(gpus=tuple(g for _, g in gpus))
    prices: list[tuple[str, GPUPrice]] = []
    for path, v in values["gpu_prices"]:
        try:
            gpu_name = partial.resolve_gpu(v["gpu"]).name
        except CatalogError as err:
            problems.append(f"{path}.gpu: {err}; or add it under {where}.gpus")
            continue
        prices.append((path, _price(v, gpu_name)))
    if problems:
        raise ScenarioError(problems)

    notes = _shadow_notes(gpus, "GPU", tables.resolve_gpu)
    notes += _shadow_notes(models, "model", tables.resolve_model)
    replaced: set[tuple[str, str]] = set()
    for path, p in prices:
        pair = (p.gpu, p.pricing)
        n = sum(1 for q in tables.gpu_prices(None, p.pricing) if q.gpu == p.gpu)
        if n and pair not in replaced:
            replaced.add(pair)
            notes.append(
                f"{path}: your {p.gpu} {p.pricing} prices replace the package's {n} in this "
                "scenario"
            )
    return UserCatalog(
        gpus=tuple(g for _, g in gpus),
        models=tuple(m for _, m in models),
        gpu_prices=tuple(p for _, p in prices),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- config.json

#: ``model_type`` values whose layers the parameter formula below was checked against.
CHECKED_MODEL_TYPES = frozenset(
    {
        "llama",
        "mistral",
        "qwen2",
        "qwen3",
        "mixtral",
        "qwen2_moe",
        "qwen3_moe",
        "deepseek_v2",
        "deepseek_v3",
    }
)
#: Keys every supported config.json has.
HF_REQUIRED = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
)
_HF_FIX = (
    "give the config.json of a decoder-only Hugging Face model (Llama, Mistral, Qwen2/3, "
    "Mixtral or DeepSeek-V2/V3 style)"
)


class ParamCounts(NamedTuple):
    """Parameter counts computed from a config.json. [parameters]"""

    total: int
    active: int  # used per token: everything but the routed experts not chosen
    embedding: int  # the input embedding alone (the output head is separate unless tied)


@dataclass(frozen=True)
class _HFShape:
    model_type: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    max_context: int | None
    tied: bool
    attn_bias: int  # bias parameters of one attention block
    qk_norm: bool
    mlp_bias: bool
    # multi-head latent attention (DeepSeek); kv_lora_rank 0 without it
    kv_lora_rank: int
    q_lora_rank: int
    rope_dim: int
    nope_dim: int
    v_head_dim: int
    # mixture of experts; experts 0 for a dense model
    experts: int
    top_k: int
    expert_intermediate: int
    shared_intermediate: int
    shared_gate: bool
    router_bias: bool
    sparse_layers: int
    notes: tuple[str, ...]


def _read_hf(config: Mapping[str, Any], where: str) -> _HFShape:
    """The shapes the parameter formula needs, or ``ScenarioError`` naming each bad key."""
    if not isinstance(config, Mapping):
        raise ScenarioError([f"{where}: not a JSON object; {_HF_FIX}"])
    cfg: Mapping[str, Any] = config
    notes: list[str] = []
    text = config.get("text_config")
    if config.get("hidden_size") is None and isinstance(text, Mapping):
        # multimodal configs (Llama 4, Gemma 3, Qwen2-VL ...) nest the language model
        cfg = text
        notes.append("shapes read from text_config (the language model only)")
    missing = [k for k in HF_REQUIRED if cfg.get(k) is None]
    if missing:
        raise ScenarioError([f"{where}: missing {', '.join(missing)}; {_HF_FIX}"])
    problems: list[str] = []

    def whole(key: str, least: int = 1) -> int | None:
        v = cfg.get(key)
        if v is None:
            return None
        if not _is_number(v) or not math.isfinite(v) or v != int(v) or v < least:
            problems.append(
                f"{where}: {key} must be a whole number, {least} or more (got {v!r}); "
                "give the model's unmodified config.json"
            )
            return None
        return int(v)

    def flag(key: str) -> bool | None:
        v = cfg.get(key)
        if v is not None and not isinstance(v, bool):
            problems.append(
                f"{where}: {key} must be true or false (got {v!r}); give the model's "
                "unmodified config.json"
            )
            return None
        return v

    h, layers = whole("hidden_size"), whole("num_hidden_layers")
    heads, inter, vocab = (
        whole("num_attention_heads"),
        whole("intermediate_size"),
        whole("vocab_size"),
    )
    kv = whole("num_key_value_heads")
    head_dim = whole("head_dim")
    max_ctx = whole("max_position_embeddings")
    tied, attn_bias_flag, mlp_bias = (
        flag("tie_word_embeddings"),
        flag("attention_bias"),
        flag("mlp_bias"),
    )
    kv_rank = whole("kv_lora_rank", 0) or 0
    q_rank = whole("q_lora_rank", 0) or 0
    rope, nope, v_dim = whole("qk_rope_head_dim"), whole("qk_nope_head_dim"), whole("v_head_dim")
    experts = 0
    for key in ("num_local_experts", "num_experts", "n_routed_experts"):
        if cfg.get(key) is not None:
            experts = whole(key, 0) or 0
            break
    top_k = whole("num_experts_per_tok")
    moe_inter = whole("moe_intermediate_size")
    shared_inter = whole("shared_expert_intermediate_size", 0)
    n_shared = whole("n_shared_experts", 0) or 0
    first_dense = whole("first_k_dense_replace", 0) or 0
    freq = whole("moe_layer_freq") or 1
    step = whole("decoder_sparse_step") or 1
    only_dense = cfg.get("mlp_only_layers") or []
    if not isinstance(only_dense, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in only_dense
    ):
        problems.append(
            f"{where}: mlp_only_layers must be a list of layer numbers (got {only_dense!r}); "
            "give the model's unmodified config.json"
        )
        only_dense = []
    if problems:
        raise ScenarioError(problems)
    assert h and layers and heads and inter and vocab  # required and checked above
    if kv_rank:
        for key, val in (("qk_rope_head_dim", rope), ("qk_nope_head_dim", nope)):
            if val is None:
                problems.append(f"{where}: multi-head latent attention needs {key}; {_HF_FIX}")
        if problems:
            raise ScenarioError(problems)
        assert rope is not None and nope is not None
        head_dim = nope + rope  # as models.csv records DeepSeek-V3 (192 = 128 + 64)
        v_dim = v_dim or nope
    elif head_dim is None:
        if h % heads:
            raise ScenarioError(
                [
                    f"{where}: hidden_size {h} is not a multiple of num_attention_heads "
                    f"{heads} and there is no head_dim; {_HF_FIX}"
                ]
            )
        head_dim = h // heads
    if kv is None:
        kv = heads
        notes.append("no num_key_value_heads: one KV head per query head (multi-head attention)")
    if tied is None:
        tied = False
        notes.append("no tie_word_embeddings: output head counted apart from the embedding")
    model_type = str(cfg.get("model_type") or "")
    if attn_bias_flag is None:
        # Qwen2 has q/k/v biases without saying so in its config
        qkv_only = model_type in ("qwen2", "qwen2_moe")
        attn_bias = (heads + 2 * kv) * head_dim if qkv_only else 0
    else:
        # Llama-style attention_bias puts a bias on q, k, v and o
        attn_bias = ((heads + 2 * kv) * head_dim + h) if attn_bias_flag else 0
    if experts > 1:
        if top_k is None:
            raise ScenarioError([f"{where}: missing num_experts_per_tok; {_HF_FIX}"])
        if top_k >= experts:
            raise ScenarioError(
                [
                    f"{where}: num_experts_per_tok {top_k} is not fewer than the {experts} "
                    f"experts; {_HF_FIX}"
                ]
            )
    else:
        experts, top_k = 0, 1
    expert_inter = moe_inter or inter
    shared_gate = bool(shared_inter)
    shared = shared_inter if shared_inter else n_shared * expert_inter
    sparse = (
        sum(
            1
            for i in range(layers)
            if i >= first_dense and i % freq == 0 and (i + 1) % step == 0 and i not in only_dense
        )
        if experts
        else 0
    )
    if model_type not in CHECKED_MODEL_TYPES:
        notes.append(
            f"model_type {model_type or '(none)'!r} is not one the formula was checked on: "
            "compare total_params_b with the model card"
        )
    return _HFShape(
        model_type=model_type,
        hidden=h,
        layers=layers,
        heads=heads,
        kv_heads=kv,
        head_dim=head_dim,
        intermediate=inter,
        vocab=vocab,
        max_context=max_ctx,
        tied=tied,
        attn_bias=attn_bias,
        qk_norm=model_type in ("qwen3", "qwen3_moe"),
        mlp_bias=bool(mlp_bias),
        kv_lora_rank=kv_rank,
        q_lora_rank=q_rank,
        rope_dim=rope or 0,
        nope_dim=nope or 0,
        v_head_dim=v_dim or 0,
        experts=experts,
        top_k=top_k or 1,
        expert_intermediate=expert_inter,
        shared_intermediate=shared,
        shared_gate=shared_gate,
        router_bias=cfg.get("topk_method") == "noaux_tc",
        sparse_layers=sparse,
        notes=tuple(notes),
    )


def _counts(s: _HFShape) -> ParamCounts:
    h = s.hidden
    if s.kv_lora_rank:
        qk = s.nope_dim + s.rope_dim
        if s.q_lora_rank:
            q = h * s.q_lora_rank + s.q_lora_rank + s.q_lora_rank * s.heads * qk
        else:
            q = h * s.heads * qk
        attn = (
            q
            + h * (s.kv_lora_rank + s.rope_dim)  # kv_a_proj_with_mqa
            + s.kv_lora_rank  # kv_a_layernorm
            + s.kv_lora_rank * s.heads * (s.nope_dim + s.v_head_dim)  # kv_b_proj
            + s.heads * s.v_head_dim * h  # o_proj
        )
    else:
        attn = 2 * h * s.heads * s.head_dim + 2 * h * s.kv_heads * s.head_dim + s.attn_bias
        attn += 2 * s.head_dim if s.qk_norm else 0

    def mlp(width: int) -> int:
        return 3 * h * width + ((2 * width + h) if s.mlp_bias else 0)

    norms = 2 * h
    dense_layer = attn + norms + mlp(s.intermediate)
    sparse_layer = (
        attn
        + norms
        + s.experts * h  # router
        + (s.experts if s.router_bias else 0)
        + s.experts * mlp(s.expert_intermediate)
        + (mlp(s.shared_intermediate) if s.shared_intermediate else 0)
        + (h if s.shared_gate else 0)
    )
    embedding = s.vocab * h
    total = (
        embedding
        + (0 if s.tied else embedding)
        + h  # final norm
        + (s.layers - s.sparse_layers) * dense_layer
        + s.sparse_layers * sparse_layer
    )
    idle = s.sparse_layers * (s.experts - s.top_k) * mlp(s.expert_intermediate)
    return ParamCounts(total=total, active=total - idle, embedding=embedding)


def hf_param_counts(config: Mapping[str, Any], where: str = "config.json") -> ParamCounts:
    """Total and per-token parameters of a decoder-only transformer from its config.json.

    With h = hidden_size, L = num_hidden_layers, V = vocab_size, n_q / n_kv = query / KV
    heads, d = head_dim (else h / n_q), f = intermediate_size [all counts of parameters]:

    * embeddings: V·h, plus V·h for the output head unless ``tie_word_embeddings``;
    * attention per layer: q and o h·n_q·d each, k and v h·n_kv·d each; q/k/v biases
      (n_q + 2·n_kv)·d for Qwen2 (and + h on o with ``attention_bias``); Qwen3's q/k norms 2·d;
      DeepSeek MLA (``kv_lora_rank`` r_kv, ``q_lora_rank`` r_q, rope/nope/v head dims):
      h·r_q + r_q + r_q·n_q·(nope + rope) + h·(r_kv + rope) + r_kv + r_kv·n_q·(nope + v)
      + n_q·v·h;
    * MLP per layer, gated SiLU (gate, up, down): 3·h·f (+ 2·f + h with ``mlp_bias``);
    * norms: 2·h per layer, h after the last;
    * mixture of experts, in each sparse layer (all layers but the first
      ``first_k_dense_replace``, every ``moe_layer_freq``-th / ``decoder_sparse_step``-th, not
      in ``mlp_only_layers``): the MLP is replaced by E experts of width f_e
      (``moe_intermediate_size``, else f) 3·h·f_e each, a router E·h (+ E score biases for
      DeepSeek-V3's ``noaux_tc``), and shared experts: Qwen2-MoE's of width
      ``shared_expert_intermediate_size`` with its h gate, DeepSeek's ``n_shared_experts``·f_e.

    Active = total − sparse layers · (E − k) · 3·h·f_e (the routed experts a token skips;
    embeddings counted, as Mistral counts Mixtral's 12.9 B). Checked against published counts:
    Llama 3 8B 8,030,261,248; Mistral 7B 7,241,732,096; Mixtral 8x7B 46,702,792,704;
    Qwen2.5 7B 7,615,616,512; Qwen3-30B-A3B 30.5 B / 3.3 B; DeepSeek-V3 671 B (the MTP module
    of ``num_nextn_predict_layers`` is not counted, as DeepSeek does not count it).
    """
    return _counts(_read_hf(config, where))


def _hf_repo(config: Mapping[str, Any]) -> str:
    name = config.get("_name_or_path")
    # a local path (/data/llama, ./out) is not a repo id
    if isinstance(name, str) and re.fullmatch(r"[\w.-]+/[\w.-]+", name):
        return name
    return ""


def default_model_name(config: Mapping[str, Any], where: str = "config.json") -> str:
    """A name for a config.json's model: its repo's (``_name_or_path``), else its
    ``model_type`` and size, e.g. ``llama-8.03b`` or ``mixtral-46.7b-a12.9b``."""
    repo = _hf_repo(config) if isinstance(config, Mapping) else ""
    if repo:
        return repo.split("/")[-1]
    shape = _read_hf(config, where)
    n = _counts(shape)
    size = f"{n.total / 1e9:.3g}b"
    if n.active != n.total:
        size += f"-a{n.active / 1e9:.3g}b"
    return f"{shape.model_type or 'model'}-{size}"


def model_from_hf_config(
    config: Mapping[str, Any], name: str, where: str = "config.json"
) -> dict[str, Any]:
    """A ``catalog: models:`` entry (``models.csv`` columns, in their order) for the model a
    Hugging Face config.json describes, its parameter counts computed by ``hf_param_counts``.

    ``where`` names the file in error lines. Raises ``ScenarioError`` for a config that lacks
    a shape the perf model needs. ``license`` and ``as_of`` are not in a config.json and are
    left out; the returned mapping round-trips through ``parse_user_catalog``.
    """
    s = _read_hf(config, where)
    n = _counts(s)
    row: dict[str, Any] = {"name": name}
    repo = _hf_repo(config)
    if repo:
        row["hf_repo"] = repo
    if s.model_type:
        row["family"] = s.model_type
    row |= {
        "total_params_b": n.total / 1e9,
        "active_params_b": n.active / 1e9,
        "num_layers": s.layers,
        "hidden_size": s.hidden,
        "intermediate_size": s.intermediate,
        "num_attention_heads": s.heads,
        "num_kv_heads": s.kv_heads,
        "head_dim": s.head_dim,
        "vocab_size": s.vocab,
    }
    if s.max_context:
        row["max_context"] = s.max_context
    if s.experts:
        row |= {
            "num_experts": s.experts,
            "experts_per_token": s.top_k,
            "moe_intermediate_size": s.expert_intermediate,
        }
    if s.kv_lora_rank:
        row |= {"kv_lora_rank": s.kv_lora_rank, "rope_head_dim": s.rope_dim}
    active = "all active" if n.active == n.total else f"{n.active:,} active per token"
    notes = [f"parameters computed from config.json: {n.total:,} total, {active}", *s.notes]
    row |= {
        "tied_embeddings": s.tied,
        "open_weights": True,
        "source": "Hugging Face config.json",
        "notes": "; ".join(notes),
    }
    return row


def model_entry_yaml(row: Mapping[str, Any]) -> str:
    """``row`` as a one-item YAML list, to paste under ``catalog: models:``."""
    import yaml

    # wide lines: a wrapped notes string would still parse, but reads badly
    text: str = yaml.safe_dump(
        [dict(row)], sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False
    )
    return text
