"""Whatever a user writes, the CLI answers with a result or clear error lines, never a traceback."""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from llmecon.cli import app
from tests.conftest import EXAMPLES

runner = CliRunner()
BASE = yaml.safe_load((EXAMPLES / "classification.yaml").read_text())

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


PATHS = _paths(BASE)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(picks=st.lists(st.tuples(st.sampled_from(PATHS), junk), min_size=1, max_size=3))
def test_mutated_scenarios_never_crash(
    tmp_path_factory: Any, picks: list[tuple[tuple[Any, ...], Any]]
) -> None:
    data = copy.deepcopy(BASE)
    for path, value in picks:
        node = data
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["evaluate", str(path), "--format", "json"])
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    if result.exit_code == 2:
        lines = result.output.strip().splitlines()
        assert lines and all(line.startswith("error: ") for line in lines), result.output
        # each line: where, what, and the fix (error: <path>: <problem>; <fix>)
        assert all(re.match(r"error: [^:]+: .+; .+", line) for line in lines), result.output
        return
    _check_answer(result.output)


def _refuse(token: str) -> float:
    raise AssertionError(f"non-standard JSON constant {token}")


def _check_answer(text: str) -> None:
    """Strict JSON (no NaN or Infinity), and the recommendation is a feasible option with a
    finite NPV."""
    doc = json.loads(text, parse_constant=_refuse)
    rec = doc["recommendation"]["option"]
    if rec is not None:
        chosen = next(o for o in doc["options"] if o["name"] == rec)
        assert chosen["feasible"] is True
        assert isinstance(chosen["npv_usd"], float | int) and math.isfinite(chosen["npv_usd"])


TEXT = (EXAMPLES / "classification.yaml").read_text()

#: Whole hostile files: the example in other encodings or cut short, random bytes, deep
#: nesting, alias fans, extreme numbers spliced into it.
hostile_files = st.one_of(
    st.binary(max_size=400),
    st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "utf-8-sig"]).map(
        lambda enc: TEXT.replace("#", "é#").encode(enc, errors="replace")
    ),
    st.integers(0, len(TEXT)).map(lambda n: TEXT[:n].encode()),
    st.tuples(st.sampled_from("[{"), st.integers(1, 3000)).map(lambda t: (t[0] * t[1]).encode()),
    st.integers(2, 12).map(
        lambda k: (
            TEXT
            + "\nuncertainty:\n  a0: &a0 [1, 2, 3]\n"
            + "".join(f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, k))
        ).encode()
    ),
    st.sampled_from(
        ["1e308", "-1e308", "1e-320", ".inf", ".nan", "0x1p999", "99999999999999999999"]
    ).map(
        lambda x: TEXT.replace(
            "requests_per_month: 300000000", f"requests_per_month: {x}", 1
        ).encode()
    ),
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=hostile_files, command=st.sampled_from(["evaluate", "simulate", "sensitivity"]))
def test_hostile_files_never_crash_or_hang(
    tmp_path_factory: Any, content: bytes, command: str
) -> None:
    path = tmp_path_factory.mktemp("hostile") / "s.yaml"
    path.write_bytes(content)
    args = [command, str(path)] + (["--samples", "50"] if command == "simulate" else [])
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    if result.exit_code == 2:
        lines = result.output.strip().splitlines()
        assert lines and all(line.startswith("error: ") for line in lines), result.output
