"""The default GPU price rule (``catalog.gpu_quotes``): golden medians worked by hand from the
rows of ``gpu_prices.csv``, each fallback and its note, data residency, staleness, dedup."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from llmecon.catalog import CatalogError, GPUPrice, gpu_prices
from llmecon.catalog import gpu_quotes as gq
from llmecon.catalog.gpu_quotes import MODES, SEGMENTS, geo_of, select_quotes
from tests.conftest import START_DATE

# START_DATE is 2026-01-01, so the window is 2025-01-01 .. and every dated row counts.
ON = START_DATE


def _select(
    gpu: str,
    mode: str,
    *,
    on: dt.date = ON,
    geo: str | None = None,
    strict_geo: bool = False,
    segment: str | None = None,
    provider: str | None = None,
) -> gq.QuoteSelection:
    sel = select_quotes(
        gpu, mode, on=on, geo=geo, strict_geo=strict_geo, segment=segment, provider=provider
    )
    assert sel is not None
    return sel


# --------------------------------------------------------------------------- golden medians


def test_h100_on_demand_us_hyperscaler() -> None:
    # AWS us-east-1 p5.48xlarge 6.88 and p5.4xlarge 6.88 -> one quote, 6.88
    # OCI us-ashburn-1 10; GCP us-central1 11.06125; GCP us-east4 11.06947; Azure eastus 12.29
    # sorted 6.88, 10, 11.06125, 11.06947, 12.29 -> median (3rd of 5) = 11.06125
    sel = _select("H100", "on-demand", geo="us", segment="hyperscaler")
    assert sel.price == pytest.approx(11.06125)
    assert (sel.low, sel.high) == (6.88, 12.29)
    assert len(sel.quotes) == 5 and len(sel.rows) == 6
    assert sel.notes == () and sel.reason is None


def test_h100_on_demand_us_neocloud() -> None:
    # Lambda 1x 4.29 and 8x 3.99 -> one quote (4.29 + 3.99) / 2 = 4.14
    # Crusoe 3.9; Together AI 3.99; CoreWeave 6.155
    # sorted 3.9, 3.99, 4.14, 6.155 -> median (3.99 + 4.14) / 2 = 4.065
    sel = _select("H100", "on-demand", geo="us", segment="neocloud")
    assert sel.price == pytest.approx(4.065)
    assert (sel.low, sel.high) == (3.9, 6.155)
    assert {q.provider for q in sel.quotes} == {"Crusoe", "Together AI", "Lambda", "CoreWeave"}


def test_h100_on_demand_eu_all_segments() -> None:
    # Verda 3.25; Nebius eu-north1 3.85; AWS eu-north-1 7.3616; OCI eu-frankfurt-1 10;
    # GCP europe-west4 14.06756; Azure westeurope 15.977
    # median of 6 = (7.3616 + 10) / 2 = 8.6808
    sel = _select("H100", "on-demand", geo="eu")
    assert sel.price == pytest.approx(8.6808)
    assert (sel.low, sel.high) == (3.25, 15.977)


def test_undated_rows_ignored_when_dated_ones_exist() -> None:
    # A100 80GB SXM4 on-demand, us hyperscaler: AWS p4de 3.430881, OCI 4.0, GCP us-central1
    # a2-ultragpu-8g and -1g both 5.068798 (one quote); Azure eastus 4.09625 is undated -> out.
    # median of 3.430881, 4.0, 5.068798 = 4.0
    sel = _select("A100 80GB SXM4", "on-demand", geo="us", segment="hyperscaler")
    assert sel.price == pytest.approx(4.0)
    assert "Azure" not in {q.provider for q in sel.quotes}
    assert sel.notes == ()


def test_region_id_reads_as_its_geo() -> None:
    # geo is per geo, not per region: us-east-1 -> us. H100 reserved-1y in us:
    # AWS us-east-1 p5.48xlarge and p5.4xlarge 5.418 (one quote); GCP us-central1 7.672959
    # median (5.418 + 7.672959) / 2 = 6.5454795
    sel = _select("H100", "reserved-1y", geo="us-east-1")
    assert sel.geo == "us"
    assert sel.price == pytest.approx(6.5454795)


# --------------------------------------------------------------------------- dedup


def test_one_vote_per_provider_and_region() -> None:
    # The old pooled H100 on-demand median ($5.22) counted AWS us-east-1 twice (p5.48xlarge
    # and p5.4xlarge at 6.88): now both rows sit behind one quote.
    sel = _select("H100", "on-demand")
    aws = [q for q in sel.quotes if q.provider == "AWS" and q.region == "us-east-1"]
    assert len(aws) == 1
    assert sorted(r.instance_type for r in aws[0].rows) == ["p5.48xlarge", "p5.4xlarge"]
    keys = [(q.provider, q.region) for q in sel.quotes]
    assert len(keys) == len(set(keys))


def _row(price: float, as_of: str, *, instance: str = "x1", provider: str = "P") -> GPUPrice:
    return GPUPrice(
        provider=provider,
        instance_type=instance,
        gpu="H100 SXM",
        gpus_per_instance=1,
        usd_per_gpu_hour=price,
        pricing="on-demand",
        region="r1",
        as_of=as_of,
        source="synthetic",
        notes="",
        segment="neocloud",
        geo="us",
    )


def _fake(monkeypatch: pytest.MonkeyPatch, rows: list[GPUPrice]) -> None:
    monkeypatch.setattr(gq, "gpu_prices", lambda *a, **k: tuple(rows))


def test_repeated_instance_row_keeps_newest(monkeypatch: pytest.MonkeyPatch) -> None:
    # Same provider, region and instance twice: 2.00 (2026-03) and 3.00 (2026-06) -> 3.00 only.
    # Another size of that provider in that region, 5.00 -> quote (3 + 5) / 2 = 4.
    # Provider Q in the same region, 1.00 -> median of quotes 1 and 4 = 2.5
    _fake(
        monkeypatch,
        [
            _row(2.0, "2026-03-01"),
            _row(3.0, "2026-06-01"),
            _row(5.0, "2026-06-01", instance="x8"),
            _row(1.0, "2026-05-01", provider="Q"),
        ],
    )
    sel = _select("H100", "on-demand", on=dt.date(2026, 7, 1))
    assert [q.usd_per_gpu_hour for q in sel.quotes] == [1.0, 4.0]
    assert sel.price == pytest.approx(2.5)
    assert (sel.low, sel.high) == (1.0, 5.0)


# --------------------------------------------------------------------------- dates


def test_quotes_older_than_twelve_months_drop_out() -> None:
    # L4 spot, eu (no neocloud row -> hyperscaler): GCP europe-west4 0.38986 (2026-07-30) and
    # AWS eu-central-1 0.48295 (2025-11-30).
    # on 2026-01-01: both -> (0.38986 + 0.48295) / 2 = 0.436405
    # on 2026-12-01: window starts 2025-12-01, AWS drops -> 0.38986
    both = _select("L4", "spot", geo="eu", segment="neocloud")
    assert both.price == pytest.approx(0.436405)
    later = _select("L4", "spot", geo="eu", segment="neocloud", on=dt.date(2026, 12, 1))
    assert later.price == pytest.approx(0.38986)
    assert [q.provider for q in later.quotes] == ["GCP"]


def test_quotes_dated_after_on_count_as_current() -> None:
    # L40S on-demand eu neocloud: Nebius 1.55 (2026-09-25), Scaleway 1.61 (2025-08, read as
    # 2025-08-01). On 2025-06-01 both are later than on, so both count: (1.55 + 1.61) / 2 = 1.58
    sel = _select("L40S", "on-demand", geo="eu", segment="neocloud", on=dt.date(2025, 6, 1))
    assert sel.price == pytest.approx(1.58)
    assert sel.notes == ()


def test_stale_quotes_use_the_newest_twelve_months_and_say_so() -> None:
    # On 2027-11-01 nothing is newer than 2026-11-01. Newest: Nebius 2026-09-25; its 12 months
    # start 2025-09-25, so Scaleway (2025-08-01) drops -> 1.55, marked stale.
    sel = _select("L40S", "on-demand", geo="eu", segment="neocloud", on=dt.date(2027, 11, 1))
    assert sel.price == pytest.approx(1.55)
    assert len(sel.notes) == 1
    assert sel.notes[0].startswith("stale: newest quote 2026-09")


def test_undated_rows_only_when_nothing_is_dated() -> None:
    # Nebius H200 on-demand us-central1 3.5 is the one Nebius H200 us row, and it is undated.
    sel = _select("H200", "on-demand", geo="us", provider="Nebius")
    assert sel.price == pytest.approx(3.5)
    assert sel.notes == ("undated quotes only: no Nebius H200 SXM on-demand quote carries a date",)


def test_twelve_months_before_clips_to_month_end() -> None:
    assert gq._months_before(dt.date(2028, 2, 29), 12) == dt.date(2027, 2, 28)
    assert gq._months_before(dt.date(2026, 1, 15), 12) == dt.date(2025, 1, 15)


# --------------------------------------------------------------------------- fallbacks


def test_segment_fallback_is_noted() -> None:
    sel = _select("L4", "spot", geo="eu", segment="neocloud")
    assert sel.notes == ("no neocloud quote for L4 spot in eu; used hyperscaler quotes",)
    assert {q.segment for q in sel.quotes} == {"hyperscaler"}


def test_geo_fallback_is_noted() -> None:
    # No H100 reserved-1y row in uk: all geos. Hyperstack 2.72; AWS us-east-1 5.418 (two sizes,
    # one quote); AWS eu-north-1 5.79726; GCP us-central1 7.672959; GCP europe-west4 9.758898
    # median of 5 = 5.79726
    sel = _select("H100", "reserved-1y", geo="uk")
    assert sel.price == pytest.approx(5.79726)
    assert sel.notes == (
        "no H100 SXM reserved-1y quote in uk; used quotes from all geos (eu, other, us)",
    )


def test_data_residency_without_a_quote_has_no_price_and_names_the_fix() -> None:
    sel = _select("H100", "reserved-1y", geo="uk", strict_geo=True)
    assert sel.price is None and sel.low is None and sel.high is None
    assert sel.rows == () and sel.quotes == ()
    assert sel.reason is not None
    assert sel.reason.startswith("no H100 SXM reserved-1y quote in uk in the catalog")
    assert "set usd_per_gpu_hour (or add a gpu_prices row)" in sel.reason
    assert sel.summary == sel.reason


def test_data_residency_with_a_quote_stays_in_the_geo() -> None:
    sel = _select("H100", "on-demand", geo="europe-west2", strict_geo=True)
    # uk: AWS eu-west-2 8.944, GCP europe-west2 12.614759 -> (8.944 + 12.614759) / 2
    assert sel.price == pytest.approx((8.944 + 12.614759) / 2)
    assert {r.geo for r in sel.rows} == {"uk"}


def test_no_row_at_all_is_none_and_bad_names_raise() -> None:
    assert select_quotes("H200", "reserved-3y", on=ON) is None
    with pytest.raises(CatalogError, match="unknown pricing mode"):
        select_quotes("H100", "reserved", on=ON)
    with pytest.raises(CatalogError, match="unknown market segment"):
        select_quotes("H100", "on-demand", on=ON, segment="neoclouds")
    with pytest.raises(CatalogError, match="unknown GPU"):
        select_quotes("H1000", "on-demand", on=ON)


def test_rule_text_names_the_choices() -> None:
    sel = _select("H100", "on-demand", geo="eu", segment="neocloud")
    assert sel.rule.startswith("H100 SXM on-demand price: median of catalog quotes in eu")
    assert "neocloud segment" in sel.rule and "2026-01-01" in sel.rule
    assert "12 months" in gq.RULE and "provider x region" in gq.RULE


# --------------------------------------------------------------------------- geo_of


@pytest.mark.parametrize(
    ("region", "geo"),
    [
        ("eu", "eu"),
        ("Europe", "eu"),
        ("eu-west-1", "eu"),
        ("westeurope", "eu"),
        ("europe-west4", "eu"),
        ("fr-par", "eu"),
        ("us", "us"),
        ("us-east-1", "us"),
        ("eastus", "us"),
        ("us-central1", "us"),  # from a catalog row
        ("uk", "uk"),
        ("eu-west-2", "uk"),
        ("europe-west2", "uk"),
        ("uksouth", "uk"),
        (" AP-Southeast-1 ", "ap-southeast-1"),
    ],
)
def test_geo_of(region: str, geo: str) -> None:
    assert geo_of(region) == geo


def test_catalog_regions_have_one_geo_each() -> None:
    seen: dict[str, set[str]] = {}
    for p in gpu_prices():
        if p.region:
            seen.setdefault(p.region.lower(), set()).add(p.geo)
    assert all(len(g) == 1 for g in seen.values()), seen
    assert {p.segment for p in gpu_prices()} <= set(SEGMENTS)
    assert {p.geo for p in gpu_prices()} <= {"us", "eu", "uk", "other"}


# --------------------------------------------------------------------------- invariants

_GPUS = sorted({p.gpu for p in gpu_prices()})


@settings(max_examples=200, deadline=None)
@given(
    gpu=st.sampled_from(_GPUS),
    mode=st.sampled_from(MODES),
    geo=st.sampled_from([None, "us", "eu", "uk", "other", "mars"]),
    segment=st.sampled_from([None, *SEGMENTS]),
    strict=st.booleans(),
    on=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
)
def test_selection_invariants(
    gpu: str, mode: str, geo: str | None, segment: str | None, strict: bool, on: dt.date
) -> None:
    sel = select_quotes(gpu, mode, on=on, geo=geo, strict_geo=strict, segment=segment)
    every = gpu_prices(gpu, mode)
    if sel is None:
        assert not every
        return
    assert len(sel.rows) <= len(every)  # filtering never adds rows
    if sel.price is None:
        assert strict and sel.reason and "set usd_per_gpu_hour" in sel.reason
        assert not any(p.geo == geo for p in every)
        return
    assert sel.low is not None and sel.high is not None
    assert sel.low <= sel.price <= sel.high
    keys = [(q.provider, q.region) for q in sel.quotes]
    assert len(keys) == len(set(keys))
    if strict and geo is not None:
        assert {r.geo for r in sel.rows} == {geo}  # residency: never priced from elsewhere
    if geo is not None and {r.geo for r in sel.rows} != {geo}:
        assert any(n.startswith(f"no {sel.gpu} {mode} quote in {geo}") for n in sel.notes)
