"""The API price book holds genai-prices' facts unchanged, and spares an evaluation its import."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from llmecon.catalog import api_prices, price_book

ROOT = Path(__file__).resolve().parents[1]


def _shipped() -> dict[str, Any]:
    return price_book.loads(price_book.BOOK_PATH.read_text(encoding="utf-8"))


def _plain(book: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**p, "models": list(p["models"])} for p in book["providers"]]


def test_shipped_book_is_the_installed_genai_prices() -> None:
    """Built from the installed version, the book equals a fresh flattening of it; from
    another version, the loader ignores it and flattens the installed one."""
    shipped = _shipped()
    live = price_book.build_book(index=False)
    if shipped["genai_prices_version"] == price_book.installed_version():
        assert _plain(shipped) == live["providers"]
        assert api_prices._book()["lookup"] == shipped["lookup"]
    else:
        assert api_prices._book()["genai_prices_version"] == price_book.installed_version()
        assert api_prices._book()["lookup"] == {}


def test_lookup_agrees_with_genai_prices_matchers() -> None:
    """Every seventh indexed name, and each name the examples use, maps to the models
    genai-prices' own matchers accept, in catalog order."""
    shipped = _shipped()
    if shipped["genai_prices_version"] != price_book.installed_version():
        pytest.skip("the shipped book is for another genai-prices version (checked above)")
    names = [
        *sorted(shipped["lookup"])[::7],
        "gpt-4o",
        "gpt-4o-mini",
        "claude-haiku-4-5",
        "gemini-2.0-flash",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    ]
    providers = price_book.live_providers()
    for name in names:
        expected = [
            [pi, mi]
            for pi, p in enumerate(providers)
            for mi, m in enumerate(p.models)
            if m.id == name or m.is_match(name)
        ]
        assert shipped["lookup"][name] == expected, name


def test_a_name_outside_the_book_is_matched_by_genai_prices() -> None:
    """Matchers lower-case the name, so "GPT-4o" is priced as "gpt-4o", though only the
    lower-case spelling is indexed."""
    assert "GPT-4o" not in _shipped()["lookup"]
    on = dt.date(2026, 1, 1)
    assert api_prices.api_price("GPT-4o", "openai", on) == api_prices.api_price(
        "gpt-4o", "openai", on
    )


def test_dated_prices_follow_the_history() -> None:
    """genai-prices 0.2.3 dates gemini-3.6-flash's rise from $0.75/$3.75 to $1.50/$7.50
    per 1M tokens on 2027-01-01; the book keeps both entries."""
    before = api_prices.api_price("gemini-3.6-flash", "google", dt.date(2026, 11, 30))
    after = api_prices.api_price("gemini-3.6-flash", "google", dt.date(2027, 1, 1))
    assert (before.input_per_mtok, before.output_per_mtok) == (0.75, 3.75)
    assert before.scheduled == (("2027-01-01", 1.5, 7.5, before.scheduled[0][3]),)
    assert (after.input_per_mtok, after.output_per_mtok, after.as_of) == (1.5, 7.5, "2027-01-01")


def test_dumps_loads_round_trip() -> None:
    book = {
        "genai_prices_version": "0",
        "providers": [
            {"id": "a", "name": "A", "urls": [], "models": [{"id": "m1"}, {"id": "m2"}]},
            {"id": "b", "name": "B", "urls": ["u"], "models": [{"id": "m3"}]},
        ],
        "lookup": {"m1": [[0, 0]]},
    }
    back = price_book.loads(price_book.dumps(book))
    assert _plain(back) == book["providers"]
    assert back["lookup"] == book["lookup"]
    assert back["providers"][0]["models"][-1] == {"id": "m2"}
    with pytest.raises(IndexError):
        back["providers"][1]["models"][1]


def test_a_missing_book_is_rebuilt_from_genai_prices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on = dt.date(2026, 1, 1)
    expected = api_prices.api_price("gpt-4o-mini", "openai", on)
    monkeypatch.setattr(price_book, "BOOK_PATH", tmp_path / "absent.jsonl")
    api_prices._book.cache_clear()
    api_prices.api_price.cache_clear()
    try:
        assert api_prices.api_price("gpt-4o-mini", "openai", on) == expected
        assert api_prices._book()["lookup"] == {}
    finally:
        api_prices._book.cache_clear()
        api_prices.api_price.cache_clear()


def test_an_evaluation_does_not_import_genai_prices() -> None:
    code = (
        "import sys\n"
        "from llmecon.scenario import load_scenario\n"
        "from llmecon.engine import evaluate\n"
        "evaluate(load_scenario('examples/support_bot.yaml'))\n"
        "print(sorted(m for m in sys.modules if m.startswith(('genai_prices', 'httpx'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
