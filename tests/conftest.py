from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def write(tmp_path: Path):
    """Write a YAML text to a temporary scenario file and return its path."""

    def _write(text: str, name: str = "s.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p

    return _write


#: Option fields that zero every effort and upkeep default, so a test's cost is only what it sets.
ZERO_UPKEEP: dict[str, Any] = {
    "engineering_weeks": 0,
    "eval_set_examples": 0,
    "time_to_deploy_weeks": 0,
    "ops_fte": 0,
    "migration_weeks": 0,
    "security_hours_per_month": 0,
    "network_storage_usd_per_month": 0,
    "price_change_per_year": 0,
}
