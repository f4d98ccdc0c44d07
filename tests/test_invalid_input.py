"""Bad input: one clear line per problem naming the YAML path and the fix; exit status 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from llmecon.cli import app
from tests.conftest import START_YAML

runner = CliRunner()

OK_WORKLOAD = (
    START_YAML + "workload: {requests_per_month: 1000, input_tokens: 100, output_tokens: 50}\n"
)
API = "  - {name: a, kind: api, provider: openai, model: gpt-4o}\n"

CASES = [
    (
        "malformed",
        "workload: {requests_per_month: 100, input_tokens: 10, output_tokens: 5\noptions: [\n",
        "malformed YAML",
    ),
    (
        "unknown gpu",
        OK_WORKLOAD
        + "options:\n  - {name: a, kind: self_hosted, model: llama-3.1-8b, gpu: H1000}\n",
        "error: options[0].gpu: unknown GPU 'H1000'; did you mean: H100 SXM, H100 PCIe",
    ),
    (
        "unknown model",
        OK_WORKLOAD + "options:\n  - {name: a, kind: self_hosted, model: llama-9-8b, gpu: H100}\n",
        "error: options[0].model: unknown model 'llama-9-8b'; did you mean:",
    ),
    (
        "unknown api model",
        OK_WORKLOAD + "options:\n  - {name: a, kind: api, provider: openai, model: gpt-4x}\n",
        "error: options[0].model: unknown API model 'gpt-4x' at provider 'openai'; did you mean:",
    ),
    (
        "unknown provider",
        OK_WORKLOAD + "options:\n  - {name: a, kind: api, provider: opneai, model: gpt-4o}\n",
        "error: options[0].model: unknown API provider 'opneai'; known:",
    ),
    (
        "negative volume",
        "workload: {requests_per_month: -5, input_tokens: 100, output_tokens: 50}\noptions:\n"
        + API,
        "error: workload.requests_per_month: Input should be greater than or equal to 0; use a larger value",
    ),
    (
        "unknown key",
        "workload: {requests_per_month: 5, input_tokens: 100, output_tokens: 50, tokenz: 3}\noptions:\n"
        + API,
        "error: workload.tokenz: unknown key 'tokenz'; remove it or check its spelling",
    ),
    ("missing workload", "options:\n" + API, "error: workload: required field is missing; add it"),
    (
        "no options",
        OK_WORKLOAD + "options: []\n",
        "error: options: List should have at least 1 item",
    ),
    (
        "bad kind",
        OK_WORKLOAD + "options:\n  - {name: a, kind: cloud, model: x}\n",
        "error: options[0].kind: Input should be 'api', 'hosted_open', 'self_hosted', 'slm' or 'hybrid'; use one of the allowed values",
    ),
    (
        "self-hosted without gpu",
        OK_WORKLOAD + "options:\n  - {name: a, kind: self_hosted, model: llama-3.1-8b}\n",
        "error: options[0]: gpu: give a GPU (e.g. H100); `llmecon catalog gpus` lists them",
    ),
    (
        "share above one",
        "workload: {requests_per_month: 5, input_tokens: 1, output_tokens: 1, cached_input_share: 1.5}\noptions:\n"
        + API,
        "error: workload.cached_input_share: Input should be less than or equal to 1; use a smaller value",
    ),
    (
        "duplicate names",
        OK_WORKLOAD + "options:\n" + API + API,
        "error: options: option names must be unique; repeated: a",
    ),
    (
        "hybrid unknown leg",
        OK_WORKLOAD
        + "options:\n"
        + API
        + "  - {name: h, kind: hybrid, legs: [a, zz], escalation_share: 0.1}\n",
        "error: options: option 'h': leg 'zz' is not an option name; names: a, h",
    ),
    (
        "bad precision",
        OK_WORKLOAD
        + "options:\n  - {name: a, kind: self_hosted, model: llama-3.1-8b, gpu: H100, precision: fp4}\n",
        "error: options[0].precision: Input should be 'bf16', 'fp16', 'fp8', 'int8', 'int4' or 'auto'; use one of the allowed values",
    ),
    (
        "not a mapping",
        "- just\n- a list\n",
        "error: (top level): a scenario must be a YAML mapping with workload and options",
    ),
    (
        "boolean as a number",
        "workload: {requests_per_month: true, input_tokens: 1, output_tokens: 1}\noptions:\n" + API,
        "error: workload.requests_per_month: expected a number, got true/false",
    ),
    (
        "infinite volume",
        "workload: {requests_per_month: .inf, input_tokens: 1, output_tokens: 1}\noptions:\n" + API,
        "error: workload.requests_per_month: Input should be a finite number",
    ),
    (
        "unusable option name",
        OK_WORKLOAD + "options:\n  - {name: '', kind: api, provider: openai, model: gpt-4o}\n",
        "error: options[0].name: '' is not a usable name; use up to 64 letters, digits, spaces",
    ),
    (
        "hourly weights length",
        "workload: {requests_per_month: 5, input_tokens: 1, output_tokens: 1, hourly_weights: [1, 2]}\noptions:\n"
        + API,
        "error: workload.hourly_weights: give exactly 24 non-negative weights, not all zero",
    ),
]


@pytest.mark.parametrize(("label", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_one_clear_line(write, label: str, text: str, expected: str) -> None:
    path = write(text)
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert expected in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, result.output


def test_missing_file_says_how_to_create_one(tmp_path) -> None:
    missing = tmp_path / "nope.yaml"
    result = runner.invoke(app, ["evaluate", str(missing)])
    assert result.exit_code == 2
    assert (
        result.output
        == f"error: {missing}: no such file; create one with `llmecon init {missing}`\n"
    )


def test_several_problems_are_all_listed(write) -> None:
    path = write(
        START_YAML
        + "workload: {requests_per_month: -1, input_tokens: -2, output_tokens: 1}\noptions:\n"
        + API
    )
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2
    assert result.output.count("error:") == 2
    assert "workload.input_tokens" in result.output


def test_impossible_slo_is_reported_infeasible_with_numbers(write) -> None:
    path = write(
        OK_WORKLOAD
        + "latency: {ttft_ms: 1, itl_ms: 1}\noptions:\n"
        + API
        + "  - {name: big, kind: self_hosted, model: llama-3.1-70b, gpu: H100, precision: fp8, usd_per_gpu_hour: 3}\n"
    )
    result = runner.invoke(app, ["evaluate", str(path), "--format", "json"])
    assert result.exit_code == 0
    import json

    big = json.loads(result.output)["options"][1]
    assert big["feasible"] is False
    assert big["infeasible_reasons"][0].startswith("latency targets unreachable on ")
    assert "against 1.0 / 1.0 ms" in big["infeasible_reasons"][0]


def test_perf_unknown_gpu() -> None:
    result = runner.invoke(
        app,
        [
            "perf",
            "--model",
            "Llama-3.1-8B",
            "--gpu",
            "H1000",
            "--input-tokens",
            "10",
            "--output-tokens",
            "10",
        ],
    )
    assert result.exit_code == 2
    assert result.output.startswith("error: --gpu: unknown GPU 'H1000'")


def test_perf_two_modes_rejected() -> None:
    result = runner.invoke(
        app,
        [
            "perf",
            "--model",
            "Llama-3.1-8B",
            "--gpu",
            "H100",
            "--input-tokens",
            "10",
            "--output-tokens",
            "10",
            "--concurrency",
            "4",
            "--max-throughput",
        ],
    )
    assert result.exit_code == 2
    assert "give one of --concurrency" in result.output
