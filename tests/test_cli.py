"""The CLI through its test runner, on exact output; README examples executed."""

from __future__ import annotations

import csv
import io
import json
import re
from importlib import resources

from typer.testing import CliRunner

from llmecon.cli import app
from tests.conftest import EXAMPLES, ROOT

runner = CliRunner()


def test_init_writes_the_commented_template(tmp_path) -> None:
    target = tmp_path / "mine.yaml"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0
    assert result.output == f"wrote {target}; next: llmecon evaluate {target}\n"
    template = resources.files("llmecon").joinpath("templates", "scenario.yaml").read_text()
    assert target.read_text() == template
    again = runner.invoke(app, ["init", str(target)])
    assert again.exit_code == 2
    assert again.output == f"error: {target} exists; pass --force to overwrite it\n"


def test_init_template_evaluates(tmp_path) -> None:
    target = tmp_path / "s.yaml"
    runner.invoke(app, ["init", str(target)])
    result = runner.invoke(app, ["evaluate", str(target), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [o["name"] for o in data["options"]] == ["gpt-4o-mini", "claude-haiku", "llama-8b-h100"]


def test_evaluate_csv_has_one_row_per_option() -> None:
    result = runner.invoke(
        app, ["evaluate", str(EXAMPLES / "internal_assistant.yaml"), "--format", "csv"]
    )
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0] == [
        "option",
        "kind",
        "feasible",
        "development_usd",
        "deployment_usd",
        "sustainability_usd",
        "total_usd",
        "npv_usd",
        "per_1k_requests_usd",
        "per_1m_tokens_usd",
    ]
    assert [r[0] for r in rows[1:]] == [
        "gpt-4o-mini",
        "claude-haiku-4.5",
        "llama-70b-together",
        "llama-8b-h100",
        "llama-8b-onprem",
    ]
    for r in rows[1:]:
        dev, depl, sus, total = (float(x) for x in r[3:7])
        assert abs(dev + depl + sus - total) < 1e-3 * total


def test_evaluate_json_shape_is_stable() -> None:
    result = runner.invoke(
        app, ["evaluate", str(EXAMPLES / "support_bot.yaml"), "--format", "json"]
    )
    data = json.loads(result.output)
    assert set(data) == {"schema_version", "scenario", "options", "recommendation", "assumptions"}
    opt = data["options"][0]
    for key in (
        "name",
        "kind",
        "feasible",
        "infeasible_reasons",
        "total_usd",
        "npv_usd",
        "per_1k_requests_usd",
        "per_1m_tokens_usd",
        "pillars",
        "assumptions",
    ):
        assert key in opt
    assert set(opt["pillars"]) == {"development", "deployment", "sustainability"}
    assert set(data["recommendation"]) >= {"option", "reasons"}


def test_catalog_gpus_json_has_sources() -> None:
    result = runner.invoke(app, ["catalog", "gpus", "--json"])
    rows = json.loads(result.output)
    h100 = next(r for r in rows if r["name"] == "H100 SXM")
    assert (h100["memory_gb"], h100["mem_bandwidth_gbs"], h100["bf16_tflops"]) == (
        80.0,
        3350.0,
        989.0,
    )
    assert all(r["source"] and r["as_of"] for r in rows)


def test_catalog_api_models_provider_filter() -> None:
    result = runner.invoke(app, ["catalog", "api-models", "--provider", "openai", "--json"])
    rows = json.loads(result.output)
    assert {r["provider"] for r in rows} == {"openai"}
    gpt4o = next(r for r in rows if r["model"] == "gpt-4o")
    assert (gpt4o["input_per_mtok"], gpt4o["cached_input_per_mtok"], gpt4o["output_per_mtok"]) == (
        2.5,
        1.25,
        10.0,
    )
    bad = runner.invoke(app, ["catalog", "api-models", "--provider", "nope"])
    assert bad.exit_code == 2 and bad.output.startswith(
        "error: unknown API provider 'nope'; known:"
    )


def test_catalog_gpu_prices_accepts_aliases() -> None:
    result = runner.invoke(app, ["catalog", "gpu-prices", "--gpu", "h100-sxm", "--json"])
    rows = json.loads(result.output)
    assert rows and {r["gpu"] for r in rows} == {"H100 SXM"}


def test_perf_json_fields_and_fit() -> None:
    args = [
        "perf",
        "--model",
        "Llama-3.1-70B",
        "--gpu",
        "H100-SXM-80GB",
        "--input-tokens",
        "1000",
        "--output-tokens",
        "200",
        "--max-throughput",
        "--json",
    ]
    one = json.loads(runner.invoke(app, args).output)
    assert (
        one["fits"] is False
        and one["bottleneck"] == "memory capacity"
        and one["output_tokens_per_s"] == 0.0
    )
    two = json.loads(runner.invoke(app, [*args, "--gpus", "2"]).output)
    for key in (
        "fits",
        "max_batch",
        "output_tokens_per_s",
        "total_tokens_per_s",
        "ttft_ms",
        "itl_ms",
        "requests_per_s",
        "bottleneck",
    ):
        assert key in two
    assert two["fits"] is True and two["output_tokens_per_s"] > 0


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def test_readme_first_commands_name_a_shipped_example() -> None:
    block = re.search(r"```bash\n(.*?)```", _readme(), re.S)
    assert block is not None
    run = re.search(r"llmecon evaluate (\S+)", block.group(1))
    assert run is not None and (ROOT / run.group(1)).exists()
    assert "python -m pytest" in block.group(1)


def test_readme_console_examples_hold() -> None:
    text = _readme()
    rec = re.search(r"\$ llmecon evaluate (examples/\S+)\n(Recommendation: \S+)", text)
    assert rec is not None
    result = runner.invoke(app, ["evaluate", str(ROOT / rec.group(1))])
    assert rec.group(2) in result.output
    err = re.search(r"error: options\[0\]\.gpu: .*", text)
    assert err is not None
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        bad = Path(d) / "bad.yaml"
        bad.write_text(
            "workload: {requests_per_month: 1, input_tokens: 1, output_tokens: 1}\n"
            "options:\n  - {name: a, kind: self_hosted, model: llama-3.1-8b, gpu: H1000}\n"
        )
        out = runner.invoke(app, ["evaluate", str(bad)]).output
    assert out.strip() == err.group(0)


def test_readme_python_snippet_runs(monkeypatch) -> None:
    code = re.search(r"```python\n(.*?)```", _readme(), re.S)
    assert code is not None
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {}
    exec(compile(code.group(1), "README.md", "exec"), namespace)
    assert namespace["data"]["recommendation"]["option"] == "llama-70b-spot"  # type: ignore[index]


def test_readme_analysis_examples_hold() -> None:
    import shlex

    text = _readme()
    found = re.findall(r"\$ (llmecon (?:breakeven|simulate) [^\n]+)\n(• [^\n]+)", text)
    assert len(found) == 2
    for command, line in found:
        args = shlex.split(command)[1:]
        args[1] = str(ROOT / args[1])
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert line in result.output


def test_scenario_reference_is_current() -> None:
    from llmecon.scenario import reference_markdown

    doc = (ROOT / "docs" / "SCENARIO.md").read_text()
    assert doc == reference_markdown() + "\n", (
        "regenerate: python -c 'from llmecon.scenario import reference_markdown; print(reference_markdown())' > docs/SCENARIO.md"
    )


def test_evaluate_lists_assumptions_on_request() -> None:
    path = str(EXAMPLES / "internal_assistant.yaml")
    short = runner.invoke(app, ["evaluate", path]).output
    assert re.search(r"\d+ assumptions used; list them with --assumptions", short)
    full = runner.invoke(app, ["evaluate", path, "--assumptions"]).output
    assert "Assumptions and sources" in full
    assert (
        "gpt-4o-mini: source: openai/gpt-4o-mini: $0.15 in, $0.075 cached, $0.6 out per 1M" in full
    )
