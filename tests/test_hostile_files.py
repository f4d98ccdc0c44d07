"""Hostile scenario files get one clear error line and exit status 2: never a traceback, a
hang or a silent last-key-wins (issue #10, file classes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmecon.cli import app
from llmecon.errors import ScenarioError
from llmecon.scenario import MAX_DEPTH, MAX_VALUES, load_scenario, parse_scenario
from tests.conftest import START_YAML

runner = CliRunner()

GOOD = START_YAML + (
    "workload: {requests_per_month: 1000000, input_tokens: 500, output_tokens: 100}\n"
    "options:\n"
    "  - {name: api, kind: api, prices: {input_per_mtok: 1, output_per_mtok: 5}}\n"
)


def _error(path: Path) -> str:
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.output
    return lines[0]


def test_non_utf8_bytes_are_named_with_their_offset(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_bytes(b"workload: {requests_per_month: 1\xff}\n")
    assert _error(p) == (
        f"error: {p}: not UTF-8 text (byte 0xff at offset 32); save the scenario as UTF-8 YAML"
    )


def test_binary_file_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_bytes(bytes(range(128, 256)))
    assert "not UTF-8 text (byte 0x80 at offset 0)" in _error(p)
    p.write_bytes(b"name: a\x00b\n")
    assert "holds NUL bytes" in _error(p)


def test_utf16_with_bom_and_utf8_with_bom_are_read(tmp_path: Path) -> None:
    for encoding in ("utf-16", "utf-8-sig"):
        p = tmp_path / f"{encoding}.yaml"
        p.write_bytes(GOOD.encode(encoding))
        assert load_scenario(p).options[0].name == "api"


def test_directory_fifo_and_oversized_files_are_refused(tmp_path: Path) -> None:
    assert _error(tmp_path) == f"error: {tmp_path}: is a directory; give a scenario YAML file"
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    assert _error(fifo) == (
        f"error: {fifo}: not a regular file (a pipe or device); give a YAML file"
    )
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * (1 << 20) + "\n" + GOOD)
    assert "is larger than a scenario can be (1,048,576)" in _error(big)


def test_deep_nesting_is_refused_without_recursion_error(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("[" * 100_000)
    assert "nested too deeply to read" in _error(p)
    # deep but parseable: a mapping nested in a string field
    nested = "x"
    for _ in range(MAX_DEPTH + 5):
        nested = "{a: " + nested + "}"
    p.write_text(GOOD + f"description: {nested}\n")
    assert f"nested more than {MAX_DEPTH} levels deep" in _error(p)


def test_alias_bomb_is_refused_before_anything_walks_it(tmp_path: Path) -> None:
    """Nine levels of ten aliases expand to 10^9 values from 0.3 KB; refused in evaluate as
    in simulate (every command loads through the same check)."""
    lines = [GOOD.rstrip(), "uncertainty:", "  a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    for i in range(1, 9):
        lines.append(f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    p = tmp_path / "s.yaml"
    p.write_text("\n".join(lines) + "\n")
    for command in ("evaluate", "simulate"):
        result = runner.invoke(app, [command, str(p)])
        assert result.exit_code == 2
        assert f"expands to more than {MAX_VALUES:,} values" in result.output


def test_duplicate_keys_name_both_lines(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(GOOD + "workload: {requests_per_month: 2, input_tokens: 5, output_tokens: 1}\n")
    assert _error(p) == (
        f"error: {p}: line 5: key 'workload' is repeated (first on line 2); keep one"
    )


def test_parse_checks_the_shape_of_mappings_too() -> None:
    data: dict[str, object] = {"workload": {}}
    node = data
    for _ in range(MAX_DEPTH + 2):
        node["x"] = {}
        node = node["x"]  # type: ignore[assignment]
    with pytest.raises(ScenarioError, match="nested more than"):
        parse_scenario(data)
