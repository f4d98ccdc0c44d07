"""Whatever a user writes, the CLI answers with a result or clear error lines, never a traceback."""

from __future__ import annotations

import copy
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
