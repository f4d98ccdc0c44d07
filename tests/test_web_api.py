"""The web API in process (FastAPI's TestClient): the same JSON as the CLI, one-line errors
with the field's path, the limits, the token, saved scenarios with optimistic concurrency.

Hand-computed figures use ``tests.conftest``'s workload: 1M requests/month of 500 input and
100 output tokens, on an API option at $1 in and $5 out per 1M tokens:
500 x 1M / 1M x $1 + 100 x 1M / 1M x $5 = $500 + $500 = $1,000 per month.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from llmecon.cli import app as cli
from llmecon.cli.serve import is_loopback
from llmecon.web.app import create_app
from llmecon.web.cache import ResultCache, key_of
from llmecon.web.inputs import MAX_OPTIONS, apply_overrides
from tests.conftest import EXAMPLES, api_option, scenario_dict, self_hosted_option

runner = CliRunner()
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("web") / "web.db"
    with TestClient(create_app(f"sqlite:///{db}")) as c:
        yield c


def _cli_json(*args: str) -> Any:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _cli_errors(*args: str) -> list[str]:
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 2
    return [line.removeprefix("error: ") for line in result.stderr.splitlines()]


def _obj(data: dict[str, Any]) -> dict[str, Any]:
    """A scenario mapping as JSON sends it (dates as text)."""
    return dict(json.loads(json.dumps(data, default=str)))


def _monthly(doc: dict[str, Any], option: str, pillar: str) -> list[float]:
    o = next(o for o in doc["options"] if o["name"] == option)
    return list(o["pillars"][pillar]["monthly_usd"])


# --------------------------------------------------------------------------- same as the CLI


def test_health(client: TestClient) -> None:
    from llmecon import __version__

    assert client.get("/health").json() == {"status": "ok", "version": __version__, "db": "sqlite"}


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_evaluate_is_the_cli_document(client: TestClient, path: Path) -> None:
    r = client.post("/api/evaluate", json={"yaml": path.read_text(encoding="utf-8")})
    assert r.status_code == 200
    assert r.json() == _cli_json("evaluate", str(path), "--format", "json")


def test_analyses_are_the_cli_json(client: TestClient) -> None:
    path = EXAMPLES / "support_bot.yaml"
    body = {"yaml": path.read_text(encoding="utf-8")}
    assert client.post("/api/breakeven", json=body).json() == _cli_json(
        "breakeven", str(path), "--json"
    )
    between = ["llama-70b-spot", "gpt-4o-mini"]
    assert client.post("/api/breakeven", json={**body, "between": between}).json() == _cli_json(
        "breakeven", str(path), "--between", *between, "--json"
    )
    assert client.post("/api/sensitivity", json=body).json() == _cli_json(
        "sensitivity", str(path), "--json"
    )
    web = client.post("/api/simulate", json={**body, "samples": 500, "seed": 7}).json()
    cli_sim = _cli_json("simulate", str(path), "--samples", "500", "--seed", "7", "--json")
    assert web == cli_sim


def test_search_is_the_cli_json(client: TestClient) -> None:
    path = EXAMPLES / "support_bot.yaml"
    body = {"yaml": path.read_text(encoding="utf-8"), "gpus": ["H100", "H200"], "top": 3}
    web = client.post("/api/search", json=body).json()
    cli_out = _cli_json("search", str(path), "--gpus", "H100,H200", "--top", "3", "--json")
    for d in (web, cli_out):
        d.pop("seconds")  # wall time of each run
    assert web == cli_out


def test_profile_upload_is_the_cli_json(client: TestClient) -> None:
    path = EXAMPLES / "usage" / "support_bot_spendlogs.csv"
    if not path.exists():
        pytest.skip("no sample usage export in examples/usage")
    upload = [("files", (path.name, path.read_bytes(), "text/csv"))]
    r = client.post("/api/profile", files=upload)
    assert r.status_code == 200
    web, cli_out = r.json(), _cli_json("profile", str(path), "--json")
    for d in (web, cli_out):
        d.pop("seconds")  # wall time of each run
    assert web.pop("files") == [path.name]  # the upload's name, not the server's folder
    assert cli_out.pop("files") == [str(path)]
    assert web == cli_out
    bad = client.post("/api/profile", files=[("files", ("mine.csv", b"a,b\n1,2\n", "text/csv"))])
    assert bad.status_code == 422
    line = bad.json()["errors"][0]
    assert line.startswith("mine.csv: unrecognised export") and "llmecon-upload" not in line


def test_report_is_html_that_names_the_recommendation(client: TestClient) -> None:
    yaml_text = (EXAMPLES / "support_bot.yaml").read_text(encoding="utf-8")
    r = client.post("/api/report", json={"yaml": yaml_text, "samples": 200})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "Recommendation: <strong>llama-70b-spot</strong>" in r.text


@pytest.mark.parametrize("table", ["gpus", "models", "gpu-prices", "api-models", "rate-limits"])
def test_catalog_is_the_cli_json(client: TestClient, table: str) -> None:
    assert client.get(f"/api/catalog/{table}").json() == _cli_json("catalog", table, "--json")


def test_catalog_filters(client: TestClient) -> None:
    openai = client.get("/api/catalog/api-models", params={"provider": "openai"}).json()
    assert openai and {row["provider"] for row in openai} == {"openai"}
    assert openai == _cli_json("catalog", "api-models", "--provider", "openai", "--json")
    r = client.get("/api/catalog/gpu-prices", params={"gpu": "H1000"})
    assert r.status_code == 422
    cli_line = _cli_errors("catalog", "gpu-prices", "--gpu", "H1000")[0]
    assert r.json()["errors"] == [cli_line.replace("--gpu: ", "gpu: ", 1)]


# --------------------------------------------------------------------------- scenario input


def test_json_object_and_yaml_give_one_answer_with_hand_computed_cost(client: TestClient) -> None:
    data = scenario_dict([api_option()])
    doc = client.post("/api/evaluate", json={"scenario": _obj(data)}).json()
    # $500 input + $500 output per month (module docstring)
    assert _monthly(doc, "api", "deployment")[:3] == [1000.0, 1000.0, 1000.0]
    import yaml

    as_yaml = client.post("/api/evaluate", json={"yaml": yaml.safe_dump(_obj(data))}).json()
    assert as_yaml == doc


def test_overrides_are_written_into_the_scenario(client: TestClient) -> None:
    data = _obj(scenario_dict([api_option()]))
    body = {"scenario": data, "overrides": {"workload.requests_per_month": 2e6}}
    doc = client.post("/api/evaluate", json=body).json()
    # twice the volume: 2M x (500 x $1 + 100 x $5) / 1M = $2,000 per month
    assert _monthly(doc, "api", "deployment")[0] == 2000.0
    assert doc["scenario"]["workload"]["requests_per_month"] == 2e6
    # an option's field by the option's name
    body = {"scenario": data, "overrides": {"options.api.prices.output_per_mtok": 10.0}}
    doc = client.post("/api/evaluate", json=body).json()
    # 500 x $1 + 100 x $10 = $1,500 per month
    assert _monthly(doc, "api", "deployment")[0] == 1500.0


def test_gpu_price_factor_scales_the_resolved_price(client: TestClient) -> None:
    data = _obj(scenario_dict([self_hosted_option()]))
    scaled = client.post("/api/evaluate", json={"scenario": data, "gpu_price_factor": 1.5}).json()
    typed = _obj(scenario_dict([self_hosted_option(usd_per_gpu_hour=3.0)]))  # $2 x 1.5 = $3
    assert scaled == client.post("/api/evaluate", json={"scenario": typed}).json()


def test_view_has_document_table_and_four_figures(client: TestClient) -> None:
    yaml_text = (EXAMPLES / "support_bot.yaml").read_text(encoding="utf-8")
    body = {"yaml": yaml_text, "overrides": {"workload.requests_per_month": 3e6}}
    v = client.post("/api/view", json=body).json()
    assert set(v["figures"]) == {"cumulative", "volume", "pillars", "tornado"}
    # 3M requests x (2,000 + 300) tokens = 6.9B tokens per month
    assert v["headline"] == "support-bot — 36 months, 3,000,000 requests/month (6.9B tokens/month)"
    assert v["document"] == client.post("/api/evaluate", json=body).json()
    assert [row[0] for row in v["table"]["rows"]] == [o["name"] for o in v["document"]["options"]]


def test_validate_gives_slider_bases(client: TestClient) -> None:
    yaml_text = (EXAMPLES / "support_bot.yaml").read_text(encoding="utf-8")
    v = client.post("/api/validate", json={"yaml": yaml_text}).json()
    assert v["valid"] and v["errors"] == []
    assert v["sliders"]["workload.requests_per_month"] == 20_000_000
    assert v["sliders"]["gpu_price_factor"] == 1.0
    bad = client.post("/api/validate", json={"yaml": "workload: {}\n"}).json()
    assert not bad["valid"] and bad["errors"]


def test_apply_writes_the_sliders_into_yaml(client: TestClient) -> None:
    import yaml

    data = _obj(scenario_dict([api_option()]))
    body = {"scenario": data, "overrides": {"workload.requests_per_month": 5e6}}
    out = yaml.safe_load(client.post("/api/apply", json=body).json()["yaml"])
    assert out["workload"]["requests_per_month"] == 5e6


# --------------------------------------------------------------------------- errors and limits


def test_bad_scenario_gets_the_cli_lines(client: TestClient, tmp_path: Path) -> None:
    text = (EXAMPLES / "support_bot.yaml").read_text(encoding="utf-8").replace("H100", "H1000")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    r = client.post("/api/evaluate", json={"yaml": text})
    assert r.status_code == 422
    assert r.json()["errors"] == _cli_errors("evaluate", str(bad))
    assert r.json()["errors"][0].startswith("options[3].gpu: unknown GPU 'H1000'; did you mean")


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ({"yaml": "a: [1"}, "yaml: line 2, column 1: malformed YAML"),
        ({"yaml": "a: 1\na: 2\n"}, "yaml: line 2: key 'a' is repeated (first on line 1); keep one"),
        ({"yaml": "- 1\n"}, "(top level): a scenario must be a YAML mapping"),
        ({}, "yaml: give the scenario either as YAML text in `yaml` or as a JSON object"),
        (
            {"scenario": {"workload": {"requests_per_month": -1}}},
            "workload.requests_per_month: Input should be greater than or equal to 0",
        ),
        ({"yaml": "x", "extra": 1}, "extra: unknown key; remove it or check its spelling"),
        (
            {"scenario": {}, "overrides": {"options.nope.gpu": 1}},
            "overrides.options.nope.gpu: names no option of the scenario",
        ),
    ],
)
def test_bad_input_is_one_line_422(client: TestClient, body: dict[str, Any], line: str) -> None:
    r = client.post("/api/evaluate", json=body)
    assert r.status_code == 422
    assert r.json()["errors"][0].startswith(line), r.json()


def test_not_json_is_422(client: TestClient) -> None:
    r = client.post("/api/evaluate", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json() == {"errors": ["(request body): not valid JSON; send a JSON object"]}


def test_limits(client: TestClient) -> None:
    many = _obj(scenario_dict([api_option(f"o{i}") for i in range(MAX_OPTIONS + 1)]))
    r = client.post("/api/evaluate", json={"scenario": many})
    assert r.status_code == 422
    assert r.json()["errors"] == [
        "options: 51 options, more than the web API prices at once (50); split the scenario, "
        "or run `llmecon evaluate` locally"
    ]
    r = client.post("/api/simulate", json={"scenario": many, "samples": 100_001})
    assert r.status_code == 422
    assert r.json()["errors"][0].startswith("samples: at most 100,000 samples per web request")
    big = "#" * (1 << 20)
    r = client.post("/api/evaluate", json={"yaml": big})
    assert r.status_code == 413
    assert "larger than 1,048,576 bytes" in r.json()["errors"][0]


def test_no_server_files(client: TestClient) -> None:
    data = _obj(scenario_dict([self_hosted_option(calibration="/etc/passwd")]))
    r = client.post("/api/evaluate", json={"scenario": data})
    assert r.status_code == 422
    assert r.json()["errors"][0].startswith(
        "options[0].calibration: the web API never reads files on the server"
    )
    assert client.get("/static/..%2F..%2Fapp.py").status_code == 404
    assert client.get("/static/app.py").status_code == 404


def test_results_are_cached(tmp_path: Path) -> None:
    cache = ResultCache()
    with TestClient(create_app(f"sqlite:///{tmp_path / 'c.db'}", cache=cache)) as c:
        body = {"scenario": _obj(scenario_dict([api_option()]))}
        first = c.post("/api/evaluate", json=body)
        assert (cache.hits, cache.misses) == (0, 1)
        again = c.post("/api/evaluate", json=body)
        assert (cache.hits, cache.misses) == (1, 1)
        assert again.content == first.content


def test_cache_is_bounded() -> None:
    cache = ResultCache(max_bytes=10)
    cache.put("a", 200, b"123456")
    cache.put("b", 200, b"123456")  # 12 bytes: the oldest goes
    assert cache.get("a") is None and cache.get("b") == (200, b"123456")
    cache.put("huge", 200, b"x" * 11)  # larger than the whole cache: not kept
    assert cache.get("huge") is None and len(cache) == 1


# --------------------------------------------------------------------------- security


def test_token_guards_every_api_route(tmp_path: Path) -> None:
    with TestClient(create_app(f"sqlite:///{tmp_path / 't.db'}", TOKEN)) as c:
        assert c.get("/health").status_code == 200
        assert c.get("/").status_code == 200  # the page holds no data; its script asks
        for method, path in (("GET", "/api/scenarios"), ("GET", "/api/catalog/gpus")):
            r = c.request(method, path)
            assert r.status_code == 401
            assert r.headers["www-authenticate"] == "Bearer"
            assert r.json()["errors"][0].startswith("Authorization: missing or wrong bearer")
            wrong = c.request(method, path, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            ok = c.request(method, path, headers={"Authorization": f"Bearer {TOKEN}"})
            assert ok.status_code == 200
        r = c.post("/api/evaluate", json={"yaml": "x"})
        assert r.status_code == 401


def test_cors_is_off(client: TestClient) -> None:
    r = client.get("/health", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in r.headers
    pre = client.options(
        "/api/evaluate",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in pre.headers


def test_page_security_headers(client: TestClient) -> None:
    r = client.get("/")
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["content-security-policy"].startswith("default-src 'self'")


def test_serve_refuses_a_public_host_without_token() -> None:
    result = runner.invoke(cli, ["serve", "--host", "0.0.0.0"], env={"LLMECON_TOKEN": ""})
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --host: 0.0.0.0 is reachable from other machines, and no --token was given; "
        "pass --token (or set LLMECON_TOKEN), or serve on 127.0.0.1\n"
    )
    bad_db = runner.invoke(cli, ["serve", "--db", "mysql://u@h/db"], env={"LLMECON_TOKEN": ""})
    assert bad_db.exit_code == 2
    assert bad_db.stderr.startswith("error: --db: mysql databases are not supported")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_cli_help_does_not_import_the_web_stack() -> None:
    code = (
        "import sys; from typer.testing import CliRunner; from llmecon.cli import app; "
        "r = CliRunner().invoke(app, ['--help']); assert 'serve' in r.output; "
        "print(sorted(m for m in ('fastapi', 'sqlalchemy', 'uvicorn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- saved scenarios


def test_saved_scenarios_round_trip(client: TestClient) -> None:
    text = (EXAMPLES / "classification.yaml").read_text(encoding="utf-8")
    r = client.post("/api/scenarios", json={"name": "classifier", "yaml": text})
    assert r.status_code == 201
    sid = r.json()["id"]
    assert r.json() == {"id": sid, "version": 1}
    assert any(row["id"] == sid for row in client.get("/api/scenarios").json())
    edited = text.replace("# ", "#  ", 1)
    assert client.put(f"/api/scenarios/{sid}", json={"yaml": edited, "version": 1}).json() == {
        "id": sid,
        "version": 2,
    }
    stale = client.put(f"/api/scenarios/{sid}", json={"yaml": text, "version": 1})
    assert stale.status_code == 409
    assert stale.json()["errors"] == [
        f"version: 1 is not the latest version of {sid} (2 is); load version 2, redo the edit, "
        "and save again (or save as a new scenario)"
    ]
    latest = client.get(f"/api/scenarios/{sid}").json()
    assert (latest["version"], latest["latest_version"], latest["yaml"]) == (2, 2, edited)
    assert client.get(f"/api/scenarios/{sid}", params={"version": 1}).json()["yaml"] == text
    assert [v["version"] for v in client.get(f"/api/scenarios/{sid}/versions").json()] == [1, 2]
    assert client.delete(f"/api/scenarios/{sid}").status_code == 204
    for method, path in (
        ("GET", f"/api/scenarios/{sid}"),
        ("GET", f"/api/scenarios/{sid}/versions"),
        ("DELETE", f"/api/scenarios/{sid}"),
    ):
        r = client.request(method, path)
        assert r.status_code == 404
        assert r.json()["errors"] == [
            f"id: no scenario {sid!r}; list the saved scenarios with GET /api/scenarios"
        ]


def test_saving_a_broken_scenario_is_refused(client: TestClient) -> None:
    r = client.post("/api/scenarios", json={"name": "broken", "yaml": "workload: {}\n"})
    assert r.status_code == 422
    assert "workload.requests_per_month: required field is missing; add it" in r.json()["errors"]
    r = client.post("/api/scenarios", json={"name": "   ", "yaml": "x"})
    assert r.status_code == 422 and r.json()["errors"][0].startswith("name: ")


# --------------------------------------------------------------------------- the page


class _Labels(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labelled: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("input", "select", "textarea"):
            self.controls.append(a.get("id") or "(no id)")
        if tag == "label" and a.get("for"):
            self.labelled.add(str(a["for"]))


def test_page_labels_every_control_and_loads_only_its_own_files(client: TestClient) -> None:
    html = client.get("/").text
    p = _Labels()
    p.feed(html)
    assert p.controls and set(p.controls) <= p.labelled
    assert "http://" not in html and "https://" not in html  # nothing from the network
    for name in ("app.js", "app.css", "plotly.min.js"):
        assert client.get(f"/static/{name}").status_code == 200
    assert "starter" in {e["name"] for e in client.get("/api/examples").json()}
    assert client.get("/s/abc", params={"version": 2}).status_code == 200


# --------------------------------------------------------------------------- properties


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(), max_size=5))
def test_cache_key_ignores_key_order(d: dict[str, int]) -> None:
    assert key_of("e", d) == key_of("e", dict(reversed(list(d.items()))))
    assert key_of("e", d) != key_of("f", d)


@settings(max_examples=50, deadline=None)
@given(
    st.floats(min_value=0, max_value=1e13, allow_nan=False),
    st.floats(min_value=0, max_value=100, allow_nan=False),
)
def test_overrides_land_at_their_path_and_leave_the_rest(volume: float, price: float) -> None:
    data = _obj(scenario_dict([api_option("a.b")]))  # a dotted option name
    out = apply_overrides(
        data,
        {"workload.requests_per_month": volume, "options.a.b.prices.input_per_mtok": price},
    )
    assert out["workload"]["requests_per_month"] == volume
    assert out["options"][0]["prices"]["input_per_mtok"] == price
    assert out["options"][0]["prices"]["output_per_mtok"] == 5.0
    assert data["workload"]["requests_per_month"] == 1_000_000  # the input is not changed


@settings(max_examples=8, deadline=None)
@given(volume=st.integers(min_value=0, max_value=10**9))  # the JSON rounds to cents
def test_api_cost_is_linear_in_volume(client: TestClient, volume: int) -> None:
    """Deployment of the $1/$5 API option = volume x (500 x $1 + 100 x $5) / 1M per month."""
    body = {
        "scenario": _obj(scenario_dict([api_option()])),
        "overrides": {"workload.requests_per_month": volume},
    }
    doc = client.post("/api/evaluate", json=body).json()
    assert _monthly(doc, "api", "deployment")[0] == pytest.approx(volume * 1000 / 1e6, abs=0.006)
