"""A scenario from a web request, with the web's own limits.

A request carries the scenario as YAML text (``yaml``) or as a JSON object (``scenario``),
plus optional ``overrides`` (dotted scenario path -> number: the page's sliders) and a
``gpu_price_factor`` (every GPU price of the scenario, catalog or typed, times this). The
overrides are written into the scenario before it is validated, so an out-of-range slider
value gets the schema's own one-line error naming the field, and every output (document,
charts, report) shows the numbers that were priced.

Limits beyond the CLI's: at most ``MAX_OPTIONS`` options; no option may name a file on the
server (``calibration:``): the client must never make the server read a path it chose.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

from llmecon.errors import ScenarioError
from llmecon.scenario import (
    Scenario,
    check_references,
    parse_scenario,
    read_yaml_text,
    split_option_path,
)

#: Most options one request may price. [-]
MAX_OPTIONS = 50
#: Most Monte Carlo samples one request may ask for. [-]
MAX_SAMPLES = 100_000
#: Largest request body, the same bound as a scenario file. [bytes]
MAX_BODY_BYTES = 1 << 20
#: GPU price fields of an option that ``gpu_price_factor`` scales (on-demand, reserved, spot,
#: and the training job's). [USD/GPU-hour]
GPU_PRICE_FIELDS = (
    "usd_per_gpu_hour",
    "reserved_usd_per_gpu_hour",
    "spot_usd_per_gpu_hour",
    "training.usd_per_gpu_hour",
)


def read_yaml(text: str) -> Any:
    """The data of a scenario's YAML text; every way it can fail is one ``yaml: ...`` line,
    worded as ``load_scenario`` words it for a file (``scenario.read_yaml_text``)."""
    if "\x00" in text:
        raise ScenarioError(["yaml: holds NUL characters, so it is not YAML text; paste YAML"])
    return read_yaml_text(text, "yaml")


def scenario_data(yaml_text: str | None, obj: Mapping[str, Any] | None) -> dict[str, Any]:
    """The scenario's raw mapping from exactly one of YAML text or a JSON object."""
    if (yaml_text is None) == (obj is None):
        raise ScenarioError(
            [
                "yaml: give the scenario either as YAML text in `yaml` or as a JSON object in "
                "`scenario`, not both or neither"
            ]
        )
    data = read_yaml(yaml_text) if yaml_text is not None else copy.deepcopy(dict(obj or {}))
    if not isinstance(data, dict):
        raise ScenarioError(
            ["(top level): a scenario must be a YAML mapping with workload and options"]
        )
    return data


def check_web_limits(data: Mapping[str, Any]) -> None:
    """The web's own limits: at most ``MAX_OPTIONS`` options, and no server file paths."""
    options = data.get("options")
    if isinstance(options, list):
        if len(options) > MAX_OPTIONS:
            raise ScenarioError(
                [
                    f"options: {len(options)} options, more than the web API prices at once "
                    f"({MAX_OPTIONS}); split the scenario, or run `llmecon evaluate` locally"
                ]
            )
        problems = [
            f"options[{i}].calibration: the web API never reads files on the server; remove "
            f"it and give the fitted factors under options[{i}].efficiency instead"
            for i, o in enumerate(options)
            if isinstance(o, dict) and o.get("calibration") is not None
        ]
        if problems:
            raise ScenarioError(problems)


def _set_path(node: dict[str, Any], parts: list[str], value: float, where: str) -> None:
    """Set ``node[p0][p1]...`` to ``value``, creating missing mappings on the way."""
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ScenarioError(
                [f"overrides.{where}: {part} is not a mapping in the scenario; fix the path"]
            )
        node = child
    node[parts[-1]] = value


def apply_overrides(data: dict[str, Any], overrides: Mapping[str, float]) -> dict[str, Any]:
    """A copy of ``data`` with each dotted path set to its number (``options.<name>.<field>``
    names an option by its name). Paths are checked by the schema when the result is parsed."""
    if not overrides:
        return data
    out = copy.deepcopy(data)
    options = out.get("options")
    by_name: dict[str, dict[str, Any]] = {}
    if isinstance(options, list):
        by_name = {
            str(o["name"]): o for o in options if isinstance(o, dict) and o.get("name") is not None
        }
    for path, value in overrides.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ScenarioError([f"overrides.{path}: must be a number; give a number"])
        if not math.isfinite(value):
            raise ScenarioError([f"overrides.{path}: must be a finite number; give one"])
        if path.startswith("options."):
            split = split_option_path(path, by_name)
            if split is None:
                names = ", ".join(list(by_name)[:10]) or "(none)"
                raise ScenarioError(
                    [
                        f"overrides.{path}: names no option of the scenario; write "
                        f"options.<name>.<field> with one of: {names}"
                    ]
                )
            name, rest = split
            _set_path(by_name[name], rest.split("."), float(value), path)
        elif path and all(path.split(".")):
            _set_path(out, path.split("."), float(value), path)
        else:
            raise ScenarioError(
                [f"overrides.{path}: not a dotted path; write e.g. workload.requests_per_month"]
            )
    return out


def scale_gpu_prices(scenario: Scenario, data: dict[str, Any], factor: float) -> dict[str, Any]:
    """``data`` with every GPU price the scenario's options pay (typed or from the catalog)
    times ``factor``; base prices are the ones the engine resolves for the scenario. [-]"""
    from llmecon.analysis._common import base_inputs

    used = base_inputs(scenario).used
    scaled = {
        f"options.{o.name}.{f}": used[f"options.{o.name}.{f}"] * factor
        for o in scenario.options
        for f in GPU_PRICE_FIELDS
        if f"options.{o.name}.{f}" in used
    }
    return apply_overrides(data, scaled)


def build_scenario(
    yaml_text: str | None,
    obj: Mapping[str, Any] | None,
    overrides: Mapping[str, float] | None = None,
    gpu_price_factor: float | None = None,
    check_names: bool = False,
) -> Scenario:
    """The validated scenario of a request; raises ``ScenarioError`` with one line per
    problem, worded as the CLI words them (the YAML path, the problem, the fix).
    ``check_names`` also resolves every catalog name now (pricing does it anyway)."""
    data = scenario_data(yaml_text, obj)
    check_web_limits(data)
    data = apply_overrides(data, overrides or {})
    scenario = parse_scenario(data)
    if check_names:
        check_references(scenario)
    if gpu_price_factor is not None and gpu_price_factor != 1.0:
        scenario = parse_scenario(scale_gpu_prices(scenario, data, gpu_price_factor))
    return scenario
