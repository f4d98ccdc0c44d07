"""The usage exports llmecon reads, and how each maps onto one canonical row, as DuckDB SQL.

Every source becomes the same columns (``CANONICAL``): the request's start time, model,
project, provider, requests the row stands for, input / cached / cache-write / output tokens,
logged spend [USD], time to first token and total latency [s], failure and batch flags.
A format is a table of *candidates*: for each canonical field, the export's column names that
may hold it (the first present wins), and how to read it (``Field.kind``). ``--map`` replaces
candidates; ``detect`` picks the format whose signature columns are all present.

Sources (field names checked against the public docs and schemas cited in docs/USAGE.md):

* ``openai-usage``: OpenAI Usage API, completions (``/v1/organization/usage/completions``):
  pages of time buckets (``start_time``, ``end_time`` in Unix seconds) with per-result
  ``input_tokens`` (cached included), ``input_cached_tokens``, ``output_tokens``,
  ``num_model_requests``, ``model``, ``project_id``, ``batch``;
* ``anthropic-usage``: Anthropic Admin API usage report
  (``/v1/organizations/usage_report/messages``): buckets (``starting_at``, ``ending_at``, RFC
  3339) with ``uncached_input_tokens``, ``cache_creation.ephemeral_5m_input_tokens``,
  ``cache_creation.ephemeral_1h_input_tokens``, ``cache_read_input_tokens``,
  ``output_tokens``, ``model``, ``service_tier``, ``workspace_id``; it counts tokens, not
  requests;
* ``litellm``: LiteLLM proxy ``LiteLLM_SpendLogs`` rows (one per request);
* ``langfuse``: Langfuse observations export (UI CSV/JSON, or blob-storage snake_case); only
  ``GENERATION`` observations count;
* ``helicone``: Helicone request export (``@helicone/export`` CSV/JSON/JSONL);
* ``csv``: any table, with ``--map`` naming its columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: Canonical columns every format is mapped onto.
CANONICAL = (
    "ts",
    "model",
    "project",
    "provider",
    "requests",
    "input",
    "cached",
    "cache_write",
    "output",
    "spend",
    "ttft_s",
    "latency_s",
    "failed",
    "batch",
)

#: ``--map`` keys: the canonical field each names, and what the column must hold.
MAP_KEYS: dict[str, str] = {
    "timestamp": "request start time (ISO 8601 or Unix seconds) [required]",
    "input": "input (prompt) tokens per row, cached included [required]",
    "output": "output (completion) tokens per row [required]",
    "model": "model name [required]",
    "cached": "input tokens read from a prompt cache",
    "requests": "requests the row stands for (bucketed exports; default 1)",
    "spend": "logged cost [USD]",
    "project": "project, team or workspace",
    "provider": "API provider id (openai, anthropic...)",
    "status": "HTTP status or success/failure",
    "latency_ms": "total latency [ms]",
    "ttft_ms": "time to first token [ms]",
    "end_timestamp": "bucket end time (bucketed exports)",
}
#: ``--map`` keys a mapped CSV needs.
MAP_REQUIRED = ("timestamp", "input", "output", "model")

#: Column names that hold prompt or response text: never selected (privacy), listed so that
#: a test can check that no format reads them.
TEXT_COLUMNS = frozenset(
    {
        "messages",
        "response",
        "input",
        "output",
        "request_body",
        "response_body",
        "prompt",
        "completion",
        "proxy_server_request",
    }
)


@dataclass(frozen=True)
class Field:
    """How one canonical field is read: ``columns`` are candidate names (case-insensitive,
    dotted for a nested field of a JSON column), ``kind`` how the value is converted:

    ``time`` (timestamp), ``text``, ``num`` (number), ``num0`` (number, missing = 0),
    ``ms`` / ``s`` (a duration in milliseconds / seconds, to seconds), ``status`` (HTTP
    code or success/failure word -> failed), ``level`` (Langfuse level -> failed),
    ``flag`` (true/false), ``const`` (``columns[0]`` is a SQL literal)."""

    columns: tuple[str, ...]
    kind: str


@dataclass(frozen=True)
class Format:
    """One export format."""

    name: str
    label: str
    #: every one of these columns present (case-insensitive) -> this format
    signature: tuple[str, ...]
    fields: Mapping[str, Field]
    #: per-request rows (True) or time buckets (False: means only, no quantiles)
    per_request: bool = True
    #: the bucket end column of bucketed exports
    bucket_end: Field | None = None
    #: SQL condition on raw columns for rows that count (e.g. Langfuse GENERATION only)
    keep: tuple[str, str] | None = None
    #: nested page layouts: (list column, fields of each element that hold the bucket times)
    pages: tuple[str, ...] = field(default_factory=tuple)
    notes: tuple[str, ...] = ()


def _f(kind: str, *columns: str) -> Field:
    return Field(tuple(columns), kind)


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format(
            "openai-usage",
            "OpenAI Usage API (completions)",
            ("start_time", "num_model_requests"),
            {
                "ts": _f("time", "start_time"),
                "model": _f("text", "model"),
                "project": _f("text", "project_id"),
                "provider": _f("const", "'openai'"),
                "requests": _f("num", "num_model_requests"),
                "input": _f("num", "input_tokens"),
                "cached": _f("num0", "input_cached_tokens"),
                "output": _f("num", "output_tokens"),
                "batch": _f("flag", "batch"),
            },
            per_request=False,
            bucket_end=_f("time", "end_time"),
            pages=("data", "results"),
            notes=("the Usage API counts input_tokens with cached tokens included",),
        ),
        Format(
            "anthropic-usage",
            "Anthropic usage report (messages)",
            ("starting_at", "uncached_input_tokens"),
            {
                "ts": _f("time", "starting_at"),
                "model": _f("text", "model"),
                "project": _f("text", "workspace_id"),
                "provider": _f("const", "'anthropic'"),
                "requests": _f("const", "NULL"),
                # uncached + cache writes + cache reads: every input token of the bucket
                "input": _f(
                    "sum",
                    "uncached_input_tokens",
                    "ephemeral_5m_input_tokens|cache_creation.ephemeral_5m_input_tokens|cache_creation_ephemeral_5m_input_tokens",
                    "ephemeral_1h_input_tokens|cache_creation.ephemeral_1h_input_tokens|cache_creation_ephemeral_1h_input_tokens",
                    "cache_read_input_tokens",
                ),
                "cached": _f("num0", "cache_read_input_tokens"),
                "cache_write": _f(
                    "sum0",
                    "ephemeral_5m_input_tokens|cache_creation.ephemeral_5m_input_tokens|cache_creation_ephemeral_5m_input_tokens",
                    "ephemeral_1h_input_tokens|cache_creation.ephemeral_1h_input_tokens|cache_creation_ephemeral_1h_input_tokens",
                ),
                "output": _f("num", "output_tokens"),
                "batch": _f("tier", "service_tier"),
            },
            per_request=False,
            bucket_end=_f("time", "ending_at"),
            pages=("data", "results"),
            notes=(
                "Anthropic's usage report counts tokens, not requests: requests per month and "
                "tokens per request are unknown from it",
            ),
        ),
        Format(
            "litellm",
            "LiteLLM SpendLogs",
            ("startTime", "prompt_tokens", "completion_tokens"),
            {
                "ts": _f("time", "startTime"),
                "model": _f("text", "model"),
                "project": _f("text", "team_id"),
                "provider": _f("text", "custom_llm_provider"),
                "requests": _f("const", "1"),
                "input": _f("num", "prompt_tokens"),
                # provider prompt-cache reads, where LiteLLM logged the usage details
                "cached": _f(
                    "json0",
                    "metadata.additional_usage_values.cache_read_input_tokens",
                    "metadata.additional_usage_values.prompt_tokens_details.cached_tokens",
                ),
                "output": _f("num", "completion_tokens"),
                "spend": _f("num", "spend"),
                "ttft_s": _f("span", "startTime", "completionStartTime"),
                "latency_s": _f("span", "startTime", "endTime"),
                "failed": _f("status", "status"),
            },
        ),
        Format(
            "langfuse",
            "Langfuse observations",
            ("startTime|start_time", "usageDetails|usage_details"),
            {
                "ts": _f("time", "startTime", "start_time"),
                "model": _f("text", "model", "provided_model_name"),
                "project": _f("text", "projectId", "project_id"),
                "requests": _f("const", "1"),
                "input": _f(
                    "json_sum",
                    "usageDetails.input|usage_details.input",
                    "usageDetails.input_cached_tokens|usage_details.input_cached_tokens",
                    "usageDetails.input_cache_read|usage_details.input_cache_read",
                    "usageDetails.cache_read_input_tokens|usage_details.cache_read_input_tokens",
                    "usageDetails.input_cache_creation|usage_details.input_cache_creation",
                    "usageDetails.cache_creation_input_tokens|usage_details.cache_creation_input_tokens",
                ),
                "cached": _f(
                    "json0",
                    "usageDetails.input_cached_tokens|usage_details.input_cached_tokens",
                    "usageDetails.input_cache_read|usage_details.input_cache_read",
                    "usageDetails.cache_read_input_tokens|usage_details.cache_read_input_tokens",
                ),
                "output": _f("json_sum", "usageDetails.output|usage_details.output"),
                "spend": _f(
                    "json",
                    "costDetails.total|cost_details.total",
                    "calculatedTotalCost|calculated_total_cost|totalCost|total_cost",
                ),
                "ttft_s": _f("s", "timeToFirstToken|time_to_first_token"),
                "latency_s": _f("s", "latency"),
                "failed": _f("level", "level"),
            },
            keep=("type", "GENERATION"),
            notes=("only GENERATION observations count",),
        ),
        Format(
            "helicone",
            "Helicone requests",
            ("request_created_at", "prompt_tokens"),
            {
                "ts": _f("time", "request_created_at"),
                "model": _f("text", "model", "request_model", "response_model"),
                "provider": _f("text", "provider"),
                "requests": _f("const", "1"),
                "input": _f("num", "prompt_tokens"),
                "cached": _f("num0", "prompt_cache_read_tokens"),
                "cache_write": _f("num0", "prompt_cache_write_tokens"),
                "output": _f("num", "completion_tokens"),
                "spend": _f("num", "cost", "costUSD"),
                "ttft_s": _f("ms", "time_to_first_token"),
                "latency_s": _f("ms", "latency", "delay_ms"),
                "failed": _f("status", "response_status", "status"),
            },
        ),
        Format(
            "csv",
            "mapped table (--map)",
            (),
            {"requests": _f("const", "1")},
        ),
    )
}

#: Formats tried by ``--format auto``, in order (the most specific signatures first).
DETECT_ORDER = ("openai-usage", "anthropic-usage", "langfuse", "helicone", "litellm")


def _has(columns: Sequence[str], spec: str) -> bool:
    lower = {c.lower() for c in columns}
    return any(alt.split(".")[0].lower() in lower for alt in spec.split("|"))


def detect(columns: Sequence[str]) -> Format | None:
    """The format whose signature columns are all present, or None."""
    for name in DETECT_ORDER:
        fmt = FORMATS[name]
        if all(_has(columns, s) for s in fmt.signature):
            return fmt
    return None


_MAP_KIND = {
    "timestamp": ("ts", "time"),
    "input": ("input", "num"),
    "output": ("output", "num"),
    "model": ("model", "text"),
    "cached": ("cached", "num0"),
    "requests": ("requests", "num"),
    "spend": ("spend", "num"),
    "project": ("project", "text"),
    "provider": ("provider", "text"),
    "status": ("failed", "status"),
    "latency_ms": ("latency_s", "ms"),
    "ttft_ms": ("ttft_s", "ms"),
}


def with_mapping(fmt: Format, mapping: Mapping[str, str]) -> Format:
    """``fmt`` with the ``--map`` columns replacing its candidates (``end_timestamp`` makes
    the rows time buckets)."""
    fields = dict(fmt.fields)
    bucket_end = fmt.bucket_end
    per_request = fmt.per_request
    for key, column in mapping.items():
        if key == "end_timestamp":
            bucket_end = Field((column,), "time")
            per_request = False
            continue
        canon, kind = _MAP_KIND[key]
        fields[canon] = Field((column,), kind)
    return Format(
        fmt.name,
        fmt.label,
        fmt.signature,
        fields,
        per_request,
        bucket_end,
        fmt.keep,
        fmt.pages,
        fmt.notes,
    )


def map_hint() -> str:
    """The ``--map`` option a table of unknown shape needs."""
    return "--map " + " ".join(f"{k}=COLUMN" for k in MAP_REQUIRED)
