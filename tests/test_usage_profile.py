"""``llmecon.usage``: the same known week of traffic written in every export layout, recovered
exactly; bad input; splitting a log into files changes nothing (property test).

The week (``EVENTS``): Monday 2026-01-05 to Sunday 2026-01-11 (UTC), two requests a day:

* 00:00, gpt-4o: 1,000 input tokens (none cached), 100 output, logged spend $0.01;
* 23:00, gpt-4o-mini: 3,000 input tokens (1,500 cached), 300 output, logged spend $0.002;
* TTFT 0.5 s, total latency 2 s; the Sunday 23:00 request failed.

Covered span: Monday 00:00 to Sunday 24:00 = 168 hours = 168 / 730.5 months.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmecon.usage import UsageError, profile_files

MONDAY = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def _events() -> list[dict[str, Any]]:
    out = []
    for d in range(7):
        for h, model, inp, outp, cached, spend in (
            (0, "gpt-4o", 1000, 100, 0, 0.01),
            (23, "gpt-4o-mini", 3000, 300, 1500, 0.002),
        ):
            t = MONDAY + dt.timedelta(days=d, hours=h)
            out.append(
                {
                    "t": t,
                    "model": model,
                    "input": inp,
                    "output": outp,
                    "cached": cached,
                    "spend": spend,
                    "failed": d == 6 and h == 23,
                }
            )
    return out


EVENTS = _events()
N = 14
MONTHS = 168 / 730.5  # covered hours / hours per mean month


def _z(t: dt.datetime, seconds: float = 0.0) -> str:
    return (t + dt.timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


def litellm_rows(events: list[dict[str, Any]] = EVENTS) -> list[dict[str, Any]]:
    return [
        {
            "request_id": f"r{i}",
            "startTime": _z(e["t"]),
            "endTime": _z(e["t"], 2.0),
            "completionStartTime": _z(e["t"], 0.5),
            "model": e["model"],
            "custom_llm_provider": "openai",
            "prompt_tokens": e["input"],
            "completion_tokens": e["output"],
            "total_tokens": e["input"] + e["output"],
            "spend": e["spend"],
            "cache_hit": "False",
            "status": "failure" if e["failed"] else "success",
            "team_id": "support",
            "metadata": json.dumps(
                {
                    "additional_usage_values": {
                        "prompt_tokens_details": {"cached_tokens": e["cached"]}
                    }
                }
            ),
            "messages": "SECRET PROMPT TEXT",
            "response": "SECRET RESPONSE TEXT",
        }
        for i, e in enumerate(events)
    ]


def write_litellm(path: Path, events: list[dict[str, Any]] = EVENTS) -> Path:
    return _write_csv(path, litellm_rows(events))


def write_helicone(path: Path) -> Path:
    return _write_csv(
        path,
        [
            {
                "request_created_at": e["t"].strftime("%Y-%m-%d %H:%M:%S+00:00"),
                "response_created_at": _z(e["t"], 2.0),
                "model": e["model"],
                "provider": "openai",
                "prompt_tokens": e["input"],
                "completion_tokens": e["output"],
                "prompt_cache_read_tokens": e["cached"],
                "latency": 2000,
                "time_to_first_token": 500,
                "cost": e["spend"],
                "response_status": 500 if e["failed"] else 200,
                "request_body": "SECRET",
            }
            for e in EVENTS
        ],
    )


def write_langfuse(path: Path) -> Path:
    rows: list[dict[str, Any]] = [
        {
            "id": f"o{i}",
            "type": "GENERATION",
            "startTime": _z(e["t"]),
            "endTime": _z(e["t"], 2.0),
            "completionStartTime": _z(e["t"], 0.5),
            "model": e["model"],
            "usageDetails": {
                "input": e["input"] - e["cached"],
                "input_cached_tokens": e["cached"],
                "output": e["output"],
                "total": e["input"] + e["output"],
            },
            "costDetails": {"total": e["spend"]},
            "latency": 2.0,
            "timeToFirstToken": 0.5,
            "level": "ERROR" if e["failed"] else "DEFAULT",
            "input": {"messages": "SECRET"},
            "output": "SECRET",
        }
        for i, e in enumerate(EVENTS)
    ]
    # a span: not a generation, so it does not count
    rows.append({**rows[0], "id": "span", "type": "SPAN", "model": None})
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def write_openai(path: Path) -> Path:
    buckets = [
        {
            "object": "bucket",
            "start_time": int(e["t"].timestamp()),
            "end_time": int(e["t"].timestamp()) + 3600,
            "results": [
                {
                    "object": "organization.usage.completions.result",
                    "input_tokens": e["input"],
                    "output_tokens": e["output"],
                    "input_cached_tokens": e["cached"],
                    "num_model_requests": 1,
                    "model": e["model"],
                    "project_id": "proj_support",
                    "batch": False,
                }
            ],
        }
        for e in EVENTS
    ]
    # two pages, one per line (JSONL), as a paginating script saves them
    pages = [
        {"object": "page", "data": buckets[:7], "has_more": True, "next_page": "x"},
        {"object": "page", "data": buckets[7:], "has_more": False, "next_page": None},
    ]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for p in pages:
            f.write(json.dumps(p) + "\n")
    return path


def write_anthropic(path: Path) -> Path:
    page = {
        "data": [
            {
                "starting_at": _z(e["t"]),
                "ending_at": _z(e["t"], 3600),
                "results": [
                    {
                        "uncached_input_tokens": e["input"] - e["cached"],
                        "cache_creation": {
                            "ephemeral_1h_input_tokens": 0,
                            "ephemeral_5m_input_tokens": 0,
                        },
                        "cache_read_input_tokens": e["cached"],
                        "output_tokens": e["output"],
                        "server_tool_use": {"web_search_requests": 0},
                        "api_key_id": None,
                        "workspace_id": "wrkspc_support",
                        "model": "claude-sonnet-4-20250514",
                        "service_tier": "standard",
                        "context_window": "0-200k",
                    }
                ],
            }
            for e in EVENTS
        ],
        "has_more": False,
        "next_page": None,
    }
    path.write_text(json.dumps(page), encoding="utf-8")
    return path


def write_mapped(path: Path) -> Path:
    return _write_csv(
        path,
        [
            {
                "created": e["t"].strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "llm": e["model"],
                "in_tok": e["input"],
                "out_tok": e["output"],
                "hit_tok": e["cached"],
                "usd": e["spend"],
            }
            for e in EVENTS
        ],
    )


MAP = {
    "timestamp": "created",
    "model": "llm",
    "input": "in_tok",
    "output": "out_tok",
    "cached": "hit_tok",
    "spend": "usd",
}

PER_REQUEST = {
    "litellm": ("spend.csv", write_litellm, {}),
    "helicone": ("helicone.csv", write_helicone, {}),
    "langfuse": ("observations.json", write_langfuse, {}),
    "csv": ("mine.csv", write_mapped, MAP),
}


def _hourly() -> list[float]:
    # mean hour: 14 requests / 168 h = 1/12; hours 0 and 23 see 7 requests in 7 occurrences
    w = [0.0] * 24
    w[0] = w[23] = 1.0 / (1 / 12)
    return w


@pytest.mark.parametrize("name", sorted(PER_REQUEST))
def test_per_request_formats_recover_the_week(tmp_path: Path, name: str) -> None:
    fname, write, mapping = PER_REQUEST[name]
    p = profile_files([write(tmp_path / fname)], mapping=mapping)
    assert p.format == name
    assert p.requests == N
    assert p.requests_per_month == pytest.approx(14 / MONTHS)  # 60.875
    assert p.input_tokens.mean == pytest.approx((7 * 1000 + 7 * 3000) / 14)  # 2000
    assert p.output_tokens.mean == pytest.approx((7 * 100 + 7 * 300) / 14)  # 200
    # quantile_cont over seven 1000s and seven 3000s: p50 halfway (index 6.5), p90 3000
    assert p.input_tokens.p50 == pytest.approx(2000)
    assert p.input_tokens.p90 == pytest.approx(3000)
    assert p.cached_input_share == pytest.approx(7 * 1500 / 28000)  # 0.375
    assert p.hourly_weights == pytest.approx(_hourly())
    # every day: 2 requests in 24 h over the mean 1/12 per hour
    assert p.weekday_weights == pytest.approx([1.0] * 7)
    assert p.peak_to_average == pytest.approx(12.0)
    assert {m.name: m.requests for m in p.models} == {"gpt-4o": 7, "gpt-4o-mini": 7}
    assert p.spend_usd == pytest.approx(7 * 0.01 + 7 * 0.002)  # 0.084
    if name != "csv":
        assert p.failure_share == pytest.approx(1 / 14)
        assert p.ttft_s is not None and p.ttft_s.mean == pytest.approx(0.5)
        assert p.latency_s is not None and p.latency_s.mean == pytest.approx(2.0)
    assert p.malformed == {}


@pytest.mark.parametrize("name", sorted(PER_REQUEST))
def test_the_bill_is_reconciled_with_catalog_prices(tmp_path: Path, name: str) -> None:
    from llmecon.catalog.api_prices import api_price

    fname, write, mapping = PER_REQUEST[name]
    p = profile_files([write(tmp_path / fname)], mapping=mapping)
    r = p.reconciliation
    assert r is not None
    on = dt.date(2026, 1, 1)
    big, mini = api_price("gpt-4o", None, on), api_price("gpt-4o-mini", None, on)
    # gpt-4o: 7 x 1000 uncached input + 7 x 100 output
    want_big = (7000 * big.input_per_mtok + 700 * big.output_per_mtok) / 1e6
    # gpt-4o-mini: 7 x 1500 uncached + 7 x 1500 cached input + 7 x 300 output
    cached_p = mini.cached_input_per_mtok or mini.input_per_mtok
    want_mini = (10500 * mini.input_per_mtok + 10500 * cached_p + 2100 * mini.output_per_mtok) / 1e6
    by = {x.model: x for x in r.by_model()}
    assert by["gpt-4o"].priced_usd == pytest.approx(want_big)
    assert by["gpt-4o-mini"].priced_usd == pytest.approx(want_mini)
    assert by["gpt-4o"].logged_usd == pytest.approx(0.07)
    assert by["gpt-4o-mini"].logged_usd == pytest.approx(0.014)
    logged, priced = r.totals()
    assert logged == pytest.approx(0.084)
    assert priced == pytest.approx(want_big + want_mini)
    assert [x.month for x in r.lines] == ["2026-01", "2026-01"]


def test_openai_usage_pages_gzip_jsonl(tmp_path: Path) -> None:
    p = profile_files([write_openai(tmp_path / "usage.jsonl.gz")])
    assert p.format == "openai-usage"
    assert not p.per_request
    assert p.requests == N
    assert p.requests_per_month == pytest.approx(14 / MONTHS)
    assert p.input_tokens.mean == pytest.approx(2000)
    assert p.input_tokens.p50 is None  # bucketed: means only
    assert any("means only" in n for n in p.notes)
    assert p.cached_input_share == pytest.approx(0.375)
    assert p.hourly_weights == pytest.approx(_hourly())
    assert p.projects[0].name == "proj_support"
    assert p.batch_share == 0.0
    assert p.spend_usd is None  # the Usage API carries no cost


def test_anthropic_usage_report_counts_tokens_not_requests(tmp_path: Path) -> None:
    p = profile_files([write_anthropic(tmp_path / "report.json")])
    assert p.format == "anthropic-usage"
    assert p.requests is None and p.requests_per_month is None
    assert p.input_tokens_per_month == pytest.approx(28000 / MONTHS)
    assert p.output_tokens_per_month == pytest.approx(2800 / MONTHS)
    assert p.cached_input_share == pytest.approx(0.375)
    # shape by tokens: 7 x 1,100 at 00h and 7 x 3,300 at 23h; mean hour 30,800 / 168
    mean_hour = 30800 / 168
    assert p.hourly_weights is not None
    assert p.hourly_weights[0] == pytest.approx(1100 / mean_hour)
    assert p.hourly_weights[23] == pytest.approx(3300 / mean_hour)
    assert "requests_per_month" not in p.workload_section()
    assert "no request counts" in p.yaml_text()


def test_workload_section_is_a_valid_scenario_workload(tmp_path: Path) -> None:
    from llmecon.scenario import Workload

    p = profile_files([write_litellm(tmp_path / "s.csv")])
    w = p.workload_section()
    assert w["requests_per_month"] == 61  # 60.875 rounded
    assert w["input_tokens"] == 2000.0 and w["output_tokens"] == 200.0
    assert w["cached_input_share"] == 0.375
    Workload.model_validate(w)
    import yaml

    doc = yaml.safe_load(p.yaml_text())
    assert doc["workload"] == w


# --------------------------------------------------------------------------- bad input


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "empty.csv"
    f.write_text("")
    with pytest.raises(UsageError) as e:
        profile_files([f])
    assert e.value.problems == [f"{f}: the file is empty; export some usage first"]


def test_header_only_file_has_no_usable_rows(tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text("startTime,model,prompt_tokens,completion_tokens\n")
    with pytest.raises(UsageError) as e:
        profile_files([f])
    assert e.value.problems[0].startswith(f"{f}: no usable rows")


def test_unrecognised_shape_lists_columns_and_the_map_needed(tmp_path: Path) -> None:
    f = _write_csv(tmp_path / "odd.csv", [{"when": "2026-01-01", "who": "x", "n": 3}])
    with pytest.raises(UsageError) as e:
        profile_files([f])
    assert e.value.problems == [
        f"{f}: unrecognised export (columns: when, who, n); give --format, or name the "
        "columns with --map timestamp=COLUMN input=COLUMN output=COLUMN model=COLUMN"
    ]


def test_mapped_table_missing_a_required_field(tmp_path: Path) -> None:
    f = write_mapped(tmp_path / "m.csv")
    with pytest.raises(UsageError) as e:
        profile_files([f], mapping={"timestamp": "created", "input": "in_tok"})
    assert "a mapped table needs output, model" in e.value.problems[0]


def test_malformed_rows_are_counted_skipped_and_located(tmp_path: Path) -> None:
    rows = litellm_rows()
    rows[2]["startTime"] = "yesterday"  # line 4 (header is line 1)
    rows[5]["prompt_tokens"] = "lots"  # line 7
    rows[6]["completion_tokens"] = -5  # line 8
    rows[9]["model"] = ""  # line 11
    rows[10]["startTime"] = "2026-13-45"  # line 12
    p = profile_files([_write_csv(tmp_path / "bad.csv", rows)])
    assert p.malformed == {
        "bad timestamp": 2,
        "non-numeric token count": 1,
        "negative token count": 1,
        "unknown model": 1,
    }
    assert p.first_lines["bad timestamp"] == ["bad.csv line 4", "bad.csv line 12"]
    assert p.first_lines["non-numeric token count"] == ["bad.csv line 7"]
    assert p.rows_used == 14 - 5
    assert p.malformed_line() == (
        "5 malformed rows skipped: 2 bad timestamp (bad.csv line 4, bad.csv line 12); "
        "1 negative token count (bad.csv line 8); 1 non-numeric token count (bad.csv line 7); "
        "1 unknown model (bad.csv line 11)"
    )


def _bin_quantile(bins: list[tuple[int, int]], q: float) -> float:
    """Quantile ``q`` of fine histogram ``bins`` ((bin, rows), ascending), interpolated in its
    bin: bin b spans 2^(b/32) - 1 to 2^((b+1)/32) - 1 (32 bins per doubling)."""
    target = q * sum(c for _, c in bins)
    acc = 0
    for b, c in bins:
        if acc + c >= target:
            lo, hi = 2 ** (b / 32) - 1, 2 ** ((b + 1) / 32) - 1
            return lo + (target - acc) / c * (hi - lo)
        acc += c
    raise AssertionError("target beyond the histogram")


def test_large_logs_take_percentiles_from_the_one_scan_histograms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # above EXACT_QUANTILE_ROWS the percentiles come from the fine histograms that the
    # aggregate scan collects; 0 forces that path on the week
    monkeypatch.setattr("llmecon.usage.read.EXACT_QUANTILE_ROWS", 0)
    p = profile_files([write_litellm(tmp_path / "spend.csv")])
    assert not p.exact_quantiles
    assert any("log-spaced histograms" in n for n in p.notes)
    # 1000 tokens: floor(32 * log2(1001)) = floor(318.95) = bin 318;
    # 3000 tokens: floor(32 * log2(3001)) = floor(369.66) = bin 369
    inp = [(318, 7), (369, 7)]
    # p50: 7 of 14 rows, the top of bin 318 = 2^(319/32) - 1 = 1002.2 (1000 exactly, +0.2 %)
    assert p.input_tokens.p50 == pytest.approx(_bin_quantile(inp, 0.5))
    assert p.input_tokens.p50 == pytest.approx(2 ** (319 / 32) - 1)
    assert p.input_tokens.p50 == pytest.approx(1000, rel=0.022)
    # p90: 12.6 of 14 rows, 5.6 / 7 = 0.8 of the way through bin 369 (3000 exactly)
    assert p.input_tokens.p90 == pytest.approx(_bin_quantile(inp, 0.9))
    assert p.input_tokens.p90 == pytest.approx(3000, rel=0.022)
    # 100 and 300 output tokens: bins floor(32 * log2(101)) = 213, floor(32 * log2(301)) = 263
    assert p.output_tokens.p90 == pytest.approx(_bin_quantile([(213, 7), (263, 7)], 0.9))
    # latency 2 s = 2000 ms, bin floor(32 * log2(2001)) = 350: p50 halfway through it
    assert p.latency_s is not None and p.latency_s.p50 == pytest.approx(
        _bin_quantile([(350, 14)], 0.5) / 1000
    )
    # TTFT 0.5 s = 500 ms, bin floor(32 * log2(501)) = 286
    assert p.ttft_s is not None and p.ttft_s.p99 == pytest.approx(
        _bin_quantile([(286, 14)], 0.99) / 1000
    )
    # the chart's bins: 4 per doubling, so fine bin // 8: 318 // 8 = 39, 369 // 8 = 46
    assert p.histograms["input"] == {39: 7, 46: 7}
    assert p.histograms["output"] == {213 // 8: 7, 263 // 8: 7}  # {26: 7, 32: 7}
    # the means stay exact
    assert p.input_tokens.mean == pytest.approx(2000)


def test_rows_without_a_latency_are_not_binned_as_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("llmecon.usage.read.EXACT_QUANTILE_ROWS", 0)
    rows = litellm_rows()
    for r in rows:
        del r["completionStartTime"]  # no TTFT in the export at all
    for r in rows[:7]:
        r["endTime"] = ""  # no latency on half the rows
    p = profile_files([_write_csv(tmp_path / "spend.csv", rows)])
    assert p.ttft_s is None
    # the 7 rows with a latency, all 2 s (bin 350); an empty one must not count as 0 ms
    assert p.latency_s is not None
    assert p.latency_s.mean == pytest.approx(2.0)
    assert p.latency_s.p50 == pytest.approx(_bin_quantile([(350, 7)], 0.5) / 1000)
    assert p.latency_s.p50 == pytest.approx(2.0, rel=0.022)


def test_epoch_seconds_and_milliseconds_as_text(tmp_path: Path) -> None:
    rows = litellm_rows()
    for i, (r, e) in enumerate(zip(rows, EVENTS, strict=True)):
        s = e["t"].timestamp()  # 2026-01-05T00:00Z = 1,767,571,200 s
        # even rows in Unix seconds, odd rows in milliseconds (above 1e11: divided by 1000)
        r["startTime"] = str(int(s)) if i % 2 == 0 else str(int(s * 1000))
        r["endTime"] = str(int(s + 2))
    p = profile_files([_write_csv(tmp_path / "epoch.csv", rows)])
    assert p.malformed == {}
    assert p.hourly_weights == pytest.approx(_hourly())
    assert p.latency_s is not None and p.latency_s.mean == pytest.approx(2.0)
    assert p.naive_rows == 0 and p.offsets == []


def test_naive_timestamps_are_utc_and_said_so(tmp_path: Path) -> None:
    rows = litellm_rows()
    for r in rows:
        r["startTime"] = r["startTime"].replace("T", " ").removesuffix("Z")
    p = profile_files([_write_csv(tmp_path / "naive.csv", rows)])
    assert p.naive_rows == 14
    assert "14 timestamps had no time zone: taken as UTC" in p.notes
    assert p.hourly_weights == pytest.approx(_hourly())


def test_mixed_time_zones_are_converted(tmp_path: Path) -> None:
    rows = litellm_rows()
    for r, e in zip(rows[::2], EVENTS[::2], strict=True):  # the same instants, in UTC+02:00
        r["startTime"] = (e["t"].astimezone(dt.timezone(dt.timedelta(hours=2)))).isoformat()
    p = profile_files([_write_csv(tmp_path / "tz.csv", rows)])
    assert p.offsets == ["Z", "+02:00"]
    assert any("2 UTC offsets (Z, +02:00): all converted to UTC" in n for n in p.notes)
    assert p.hourly_weights == pytest.approx(_hourly())


def test_filters_since_until_model(tmp_path: Path) -> None:
    f = write_litellm(tmp_path / "s.csv")
    p = profile_files([f], since="2026-01-07", until="2026-01-09", models=["gpt-4o"])
    # Wednesday 00:00 and Thursday 00:00 gpt-4o requests
    assert p.requests == 2
    assert p.filtered == 12
    with pytest.raises(UsageError) as e:
        profile_files([f], models=["nope"])
    assert "14 outside --since/--until/--model" in e.value.problems[0]


def test_text_columns_are_never_selected(tmp_path: Path) -> None:
    from llmecon.usage.formats import FORMATS, TEXT_COLUMNS

    for fmt in FORMATS.values():
        for fld in fmt.fields.values():
            for spec in fld.columns:
                for alt in spec.split("|"):
                    assert alt.split(".")[0].lower() not in TEXT_COLUMNS, (fmt.name, alt)


# --------------------------------------------------------------------------- property


_ROW = st.tuples(
    st.integers(0, 24 * 60 - 1),  # hour offset from 2026-01-05 (about two months)
    st.sampled_from(["gpt-4o", "gpt-4o-mini"]),
    st.integers(0, 5000),
    st.integers(0, 1000),
)


def _canon(d: dict[str, Any]) -> dict[str, Any]:
    drop = {"files", "seconds", "charts"}
    return {k: v for k, v in d.items() if k not in drop}


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(_ROW, min_size=2, max_size=40), cut=st.integers(1, 39))
def test_splitting_a_log_into_two_files_gives_the_same_profile(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[int, str, int, int]], cut: int
) -> None:
    d = tmp_path_factory.mktemp("split")
    events = [
        {
            "t": MONDAY + dt.timedelta(hours=h),
            "model": m,
            "input": i,
            "output": o,
            "cached": i // 4,
            "spend": 0.001,
            "failed": False,
        }
        for h, m, i, o in rows
    ]
    cut = min(cut, len(events) - 1)
    whole = profile_files([write_litellm(d / "all.csv", events)])
    parts = profile_files(
        [write_litellm(d / "a.csv", events[:cut]), write_litellm(d / "b.csv", events[cut:])]
    )
    a, b = _canon(whole.to_dict()), _canon(parts.to_dict())
    assert a.keys() == b.keys()
    for k in a:
        assert json.dumps(a[k], sort_keys=True) == json.dumps(b[k], sort_keys=True) or (
            a[k] == pytest.approx(b[k])
        ), k


def test_a_model_the_catalog_lacks_is_profiled_but_not_priced(tmp_path: Path) -> None:
    events = [{**e, "model": "acme-support-ft-7b"} if e["model"] == "gpt-4o" else e for e in EVENTS]
    p = profile_files([write_litellm(tmp_path / "s.csv", events)])
    assert p.requests == 14  # still counted in the workload
    r = p.reconciliation
    assert r is not None
    assert r.unknown_models == {"acme-support-ft-7b": 7}
    assert "not in llmecon's API price catalog (not priced): acme-support-ft-7b" in p.notes
    by = {x.model: x for x in r.by_model()}
    assert by["acme-support-ft-7b"].priced_usd is None
    assert by["acme-support-ft-7b"].logged_usd == pytest.approx(0.07)
    # the totals compare only lines priced on both sides: gpt-4o-mini's
    assert r.totals()[0] == pytest.approx(0.014)
