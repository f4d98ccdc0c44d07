"""The CLI through its test runner, on exact output; README examples executed."""

from __future__ import annotations

import csv
import io
import json
import re
from importlib import resources
from pathlib import Path

import pytest
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
    assert again.output == (
        f"error: {target}: already exists; pass --force to overwrite it, or name another file\n"
    )


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
        "error: --provider: unknown API provider 'nope'; known:"
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


PERF_70B = [
    "perf", "--model", "Llama-3.1-70B", "--gpu", "H100", "--gpus", "4", "--precision", "fp8",
    "--input-tokens", "2000", "--output-tokens", "500", "--json",
]  # fmt: skip


def _library_point(engine: str, batch: int | None) -> dict[str, float]:
    from llmecon.catalog import resolve_gpu, resolve_model
    from llmecon.perf import inference as inf
    from llmecon.perf.replica import build_replica

    gpu = resolve_gpu("H100")
    rep, _ = build_replica(resolve_model("Llama-3.1-70B"), gpu, "fp8", 4)
    eff = inf.for_vendor(inf.ENGINE_PRESETS[engine], gpu.vendor)
    if batch is None:
        p = inf.at_max_throughput(rep, 2000.0, 500.0, eff)
    else:
        p = inf.at_batch(rep, batch, 2000.0, 500.0, eff)
    return {
        "concurrency": round(float(p.concurrency), 3),
        "output_tokens_per_s": round(float(p.output_tokens_per_s), 3),
        "itl_ms": round(float(p.itl_s) * 1e3, 3),
    }


def test_perf_engine_selects_the_preset() -> None:
    runs = {}
    for engine in ("vllm", "trtllm"):
        out = json.loads(
            runner.invoke(app, [*PERF_70B, "--max-throughput", "--engine", engine]).output
        )
        assert out["engine"] == engine
        assert {k: out[k] for k in ("concurrency", "output_tokens_per_s", "itl_ms")} == (
            _library_point(engine, None)
        )
        runs[engine] = out
    # TensorRT-LLM batches up to 384 sequences at 1.1 ms + 11 us each; vLLM up to 256
    assert runs["trtllm"]["max_batch"] == 384 and runs["vllm"]["max_batch"] == 256
    plain = json.loads(runner.invoke(app, [*PERF_70B, "--max-throughput"]).output)
    assert plain["engine"] == "default"
    assert plain["output_tokens_per_s"] == runs["vllm"]["output_tokens_per_s"]


def test_perf_engine_refused_on_another_vendor() -> None:
    result = runner.invoke(
        app,
        ["perf", "--model", "Llama-3.1-8B", "--gpu", "MI300X", "--input-tokens", "20",
         "--output-tokens", "5", "--engine", "trtllm"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --engine: trtllm runs on NVIDIA GPUs only, not on MI300X; give vllm or sglang\n"
    )


def test_perf_batch_runs_the_offline_job_in_waves() -> None:
    out = json.loads(runner.invoke(app, [*PERF_70B, "--batch", "1000"]).output)
    assert out["mode"] == "batch" and out["batch"] == 1000 and out["overloaded"] is False
    want = _library_point("default", 1000)
    assert {k: out[k] for k in want} == want
    # 1000 = 3 full waves of 256 and one of 232: slower than the saturated stream
    assert out["concurrency"] == 256.0
    steady = json.loads(runner.invoke(app, [*PERF_70B, "--max-throughput"]).output)
    assert out["output_tokens_per_s"] < steady["output_tokens_per_s"]
    both = runner.invoke(app, [*PERF_70B, "--batch", "10", "--concurrency", "4"])
    assert both.exit_code == 2
    assert both.stderr.startswith("error: --concurrency, --batch: more than one operating point")


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


# --------------------------------------------------------------------------- faces

#: Two API options whose long names share a 40-character prefix (priced from explicit token
#: prices, so no catalog is read): a table that cut names short could not tell them apart.
LONG_A = "customer-support-assistant-eu-production-primary-gpt"
LONG_B = "customer-support-assistant-eu-production-fallback-gpt"
LONG_NAMES = f"""\
start_date: 2026-01-01
name: long-names
workload: {{requests_per_month: 1000000, input_tokens: 500, output_tokens: 100}}
options:
  - {{name: {LONG_A}, kind: api, prices: {{input_per_mtok: 1, output_per_mtok: 5}}}}
  - {{name: {LONG_B}, kind: api, prices: {{input_per_mtok: 2, output_per_mtok: 4}}}}
"""


def _cells(output: str, column: int = 0) -> list[str]:
    """The text of one column of every body row of the rich tables in ``output``."""
    return [
        line.split("│")[column + 1].strip() for line in output.splitlines() if line.startswith("│")
    ]


def test_evaluate_volume_line_names_requests_and_tokens_per_month() -> None:
    result = runner.invoke(app, ["evaluate", str(EXAMPLES / "support_bot.yaml")])
    assert result.exit_code == 0, result.output
    # 20,000,000 requests x (2,000 + 300) tokens = 46e9 tokens/month
    assert result.output.splitlines()[0] == (
        "support-bot — 36 months, 20,000,000 requests/month (46B tokens/month)"
    )


def test_evaluate_table_keeps_long_option_names_whole(tmp_path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(LONG_NAMES)
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert _cells(result.output)[:2] == [LONG_A, LONG_B]
    assert _cells(result.output, 1)[:2] == ["api", "api"]


def test_evaluate_table_folds_rather_than_truncates_in_a_narrow_terminal(tmp_path) -> None:
    import io

    from rich.console import Console

    from llmecon.cli.evaluate import evaluate_scenario, render_evaluation

    path = tmp_path / "long.yaml"
    path.write_text(LONG_NAMES)
    buf = io.StringIO()
    render_evaluation(evaluate_scenario(path).to_dict(), Console(file=buf, width=70))
    text = buf.getvalue()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 70
    # the name column, read top to bottom, spells both names in full
    assert LONG_A in "".join(_cells(text)) and LONG_B in "".join(_cells(text))


def test_in_a_terminal_headers_fold_before_numbers(tmp_path) -> None:
    import io

    from rich.console import Console

    from llmecon.cli.evaluate import evaluate_scenario, render_evaluation

    path = tmp_path / "long.yaml"
    path.write_text(LONG_NAMES)
    data = evaluate_scenario(path).to_dict()
    wide = io.StringIO()
    render_evaluation(data, Console(file=wide, width=1000))
    natural = max(len(line) for line in wide.getvalue().splitlines() if line.startswith("│"))
    buf = io.StringIO()
    term = Console(file=buf, width=natural - 8, force_terminal=True, color_system=None)
    render_evaluation(data, term)
    text = buf.getvalue()
    assert max(len(line) for line in text.splitlines()) <= natural - 8
    assert _cells(text)[:2] == [LONG_A, LONG_B]  # one line per option: nothing folded
    for column in range(2, 9):
        assert all(re.fullmatch(r"−?\$[\d,]+(\.\d\d)?", c) for c in _cells(text, column)[:2])


def test_sensitivity_rows_of_long_option_names_are_distinct(tmp_path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(LONG_NAMES)
    result = runner.invoke(app, ["sensitivity", str(path)])
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    params = [c for c in _cells(result.output) if c.startswith("options.")]
    assert f"options.{LONG_A}.ops_fte" in params
    assert f"options.{LONG_B}.ops_fte" in params
    assert len(params) == len(set(params))


def test_perf_help_shows_units() -> None:
    result = runner.invoke(app, ["perf", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Arrivals (req/s)." in text
    assert "TTFT target (ms)." in text
    assert "ITL target (ms)." in text


def test_init_prints_the_path_it_wrote(tmp_path) -> None:
    target = tmp_path / "sub dir" / "new.yaml"
    target.parent.mkdir()
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 0
    assert result.output == f"wrote {target}; next: llmecon evaluate {target}\n"
    assert target.exists()


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("r.html", "html"),
        ("r.htm", "html"),
        ("R.HTML", "html"),
        ("r.md", "md"),
        ("r.json", "json"),
        ("report", "html"),
    ],
)
def test_report_format_follows_the_extension(tmp_path, monkeypatch, name: str, fmt: str) -> None:
    import llmecon.report.render as render

    seen: list[tuple[Path, str]] = []

    def fake_write(scenario, out, f, samples, seed):  # type: ignore[no-untyped-def]
        seen.append((out, f))
        return [out]

    monkeypatch.setattr(render, "write_report", fake_write)
    out = tmp_path / name
    result = runner.invoke(app, ["report", str(EXAMPLES / "support_bot.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}\n"
    assert seen == [(out, fmt)]
    # an explicit --format that agrees with the extension is fine
    if name != "report":
        agree = ["report", str(EXAMPLES / "support_bot.yaml"), "-o", str(out), "-f", fmt]
        assert runner.invoke(app, agree).exit_code == 0


def test_report_refuses_a_format_that_contradicts_the_extension(tmp_path) -> None:
    out = tmp_path / "r.md"
    result = runner.invoke(
        app, ["report", str(EXAMPLES / "support_bot.yaml"), "-o", str(out), "--format", "html"]
    )
    assert result.exit_code == 2
    assert result.output == (
        f"error: {out}: the extension .md means --format md, but --format html was given; "
        f"drop --format, or write to {tmp_path / 'r.html'}\n"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["evalute", "x.yaml"],
            "error: evalute: no such command of 'llmecon'; did you mean 'evaluate'? "
            "(see 'llmecon --help')",
        ),
        (
            ["evaluate"],
            "error: SCENARIO: required but not given; give SCENARIO "
            "(see 'llmecon evaluate --help')",
        ),
        (
            ["evaluate", "x.yaml", "--format", "xml"],
            "error: --format: 'xml' is not one of 'table', 'json', 'csv'; "
            "see 'llmecon evaluate --help'",
        ),
        (
            ["simulate", "x.yaml", "--sample", "3"],
            "error: --sample: no such option of 'llmecon simulate'; did you mean --samples? "
            "(see 'llmecon simulate --help')",
        ),
        (
            ["breakeven", "x.yaml", "--between", "a"],
            "error: --between: needs 2 arguments; see 'llmecon breakeven --help'",
        ),
        (
            ["report", "x.yaml", "--samples", "0"],
            "error: --samples: must be at least 1 (got 0); pass --samples 1 or more",
        ),
        (
            [
                "perf",
                "--model",
                "m",
                "--gpu",
                "g",
                "--input-tokens",
                "1",
                "--output-tokens",
                "1",
                "--concurrency",
                "2",
                "--max-throughput",
            ],
            "error: --concurrency, --max-throughput: more than one operating point; give one of "
            "--concurrency, --request-rate, --max-throughput, --batch, or the targets "
            "--ttft-ms/--itl-ms",
        ),
    ],
)
def test_command_line_errors_are_one_line_on_stderr(args: list[str], line: str) -> None:
    result = runner.invoke(app, args, prog_name="llmecon")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == line + "\n"
    assert isinstance(result.exception, SystemExit)


def test_file_errors_are_one_line(tmp_path) -> None:
    target = tmp_path / "missing-dir" / "s.yaml"
    result = runner.invoke(app, ["init", str(target)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {target}: no such file or directory; check the path and its permissions\n"
    )


def test_start_up_imports_nothing_heavy() -> None:
    """``import llmecon``, ``import llmecon.cli``, ``llmecon --help`` and an argument error
    load neither numpy, scipy, plotly nor the scenario schema, catalogs or engine (typer
    itself imports pydantic to check argument values, so an argument error may load it)."""
    import subprocess
    import sys

    heavy = [
        "numpy",
        "scipy",
        "plotly",
        "yaml",
        "llmecon.scenario",
        "llmecon.catalog",
        "llmecon.engine",
        "llmecon.evaluation",
    ]
    code = f"""
import contextlib, io, sys
import llmecon, llmecon.cli
found = {{"import": [m for m in {[*heavy, "pydantic"]!r} if m in sys.modules]}}
for args in (["--help"], ["evaluate"], ["perf", "--gpus", "x"]):
    sys.argv = ["llmecon", *args]
    with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()), \\
            contextlib.redirect_stderr(io.StringIO()):
        llmecon.cli.app()
    found[args[0]] = [m for m in {heavy!r} if m in sys.modules]
print(found)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "{'import': [], '--help': [], 'evaluate': [], 'perf': []}"


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", "--help"],
        ["evaluate"],
        ["evaluate", "--format", "yaml", "x.yaml"],
        ["search", "--help"],
        ["catalog", "gpus", "--bogus"],
        ["prices", "status", "--help"],
        ["simulate", "--samples", "many", "x.yaml"],
    ],
)
def test_one_command_built_alone_answers_as_the_whole_cli(args: list[str]) -> None:
    """The ``llmecon`` script builds only the command it runs (``cli.build([name])``, for
    start-up time); help and errors read exactly as from the whole command line."""
    from llmecon.cli import build

    alone = runner.invoke(build([args[0]]), args, prog_name="llmecon")
    whole = runner.invoke(app, args, prog_name="llmecon")
    assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)
    assert alone.output.strip()
