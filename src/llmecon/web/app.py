"""The FastAPI application: a JSON API and one page over the same engine as the CLI.

``create_app(db_url, token)`` builds it. Routes (docs/WEB.md has the request and response
shapes):

* ``GET /health``; ``GET /`` and ``GET /s/{id}?version=N`` (the page); ``GET /static/...``;
* ``POST /api/evaluate`` (exactly ``llmecon evaluate --format json``), ``/api/breakeven``,
  ``/api/sensitivity``, ``/api/simulate``, ``/api/search`` (the CLI's ``--json``),
  ``/api/profile`` (usage exports uploaded as multipart form data), ``/api/report`` (the
  HTML report), ``/api/view`` (what the page draws), ``/api/validate``, ``/api/apply``;
* ``GET /api/catalog/{gpus|models|gpu-prices|api-models|rate-limits}``, ``/api/examples``;
* saved scenarios: ``POST/GET /api/scenarios``, ``GET/PUT/DELETE /api/scenarios/{id}``,
  ``GET /api/scenarios/{id}/versions``.

Every error is ``{"errors": ["<path>: <problem>; <fix>", ...]}``, the CLI's lines: 422 for
bad input (a broken scenario is never a 500), 401 without the bearer token, 404, 409 for a
stale save, 413 for a body over 1 MiB. With ``token``, every ``/api`` route needs
``Authorization: Bearer <token>``. CORS is off: no cross-origin headers are sent.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from llmecon import __version__
from llmecon.catalog import CatalogError
from llmecon.errors import ScenarioError, UnknownParameter
from llmecon.web import compute, page
from llmecon.web.cache import ResultCache, key_of
from llmecon.web.inputs import MAX_BODY_BYTES, MAX_SAMPLES, build_scenario
from llmecon.web.store import MAX_NAME, Conflict, NotFound, Store

log = logging.getLogger("llmecon.web")

ASGIApp = Callable[[Any, Any, Any], Awaitable[None]]
#: The bearer scheme (module level: route signatures are resolved from module globals).
BEARER = HTTPBearer(auto_error=False, description="The token given to `llmecon serve`.")


# --------------------------------------------------------------------------- request shapes


class ErrorBody(BaseModel):
    """Every error response: one line per problem, ``<path>: <problem>; <fix>``."""

    errors: list[str]


class ScenarioIn(BaseModel):
    """A scenario as YAML text (``yaml``) or as a JSON object (``scenario``), with the page's
    overrides (dotted scenario path -> number, e.g. ``workload.requests_per_month``) and a
    factor on every GPU price."""

    model_config = ConfigDict(extra="forbid")

    yaml: str | None = Field(None, description="The scenario's YAML text.")
    scenario: dict[str, Any] | None = Field(None, description="The scenario as a JSON object.")
    overrides: dict[str, float] = Field(
        default_factory=dict,
        description="Dotted scenario path -> number, written into the scenario before it is "
        "validated, e.g. {'workload.requests_per_month': 2e6}.",
    )
    gpu_price_factor: float | None = Field(
        None, gt=0, le=100, description="Every GPU price the options pay, times this [-]."
    )


class BreakevenIn(ScenarioIn):
    between: list[str] | None = Field(
        None, min_length=2, max_length=2, description="Two option names (default: top two)."
    )
    on: str | None = Field(
        None, description="Parameter path to sweep (default: workload.requests_per_month)."
    )


class SearchIn(ScenarioIn):
    """The fleet search's space (each list: None searches every catalog entry)."""

    models: list[str] | None = Field(None, max_length=50, description="Open models.")
    gpus: list[str] | None = Field(None, max_length=50, description="GPUs.")
    precisions: list[str] | None = Field(None, max_length=5, description="bf16, fp8, ...")
    pricing: list[str] | None = Field(
        None, max_length=4, description="on-demand, reserved-1y, reserved-3y, spot."
    )
    engines: list[str] | None = Field(None, max_length=20, description="Engine presets.")
    top: int = Field(10, ge=1, le=100, description="Results to verify and return.")


class SimulateIn(ScenarioIn):
    samples: int = Field(10_000, ge=1, le=MAX_SAMPLES, description="Monte Carlo samples.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Random seed.")


class ReportIn(ScenarioIn):
    samples: int = Field(5_000, ge=1, le=MAX_SAMPLES, description="Monte Carlo samples.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Random seed.")


Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=r"\S")]


class SaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    yaml: str


class UpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yaml: str
    version: int = Field(ge=1, le=2**31 - 1, description="The version this edit started from.")
    name: Name | None = None


class Saved(BaseModel):
    id: str
    version: int


class SavedScenario(BaseModel):
    id: str
    name: str
    version: int
    latest_version: int
    yaml: str
    created_at: str
    updated_at: str


class ScenarioSummary(BaseModel):
    id: str
    name: str
    latest_version: int
    created_at: str
    updated_at: str


class VersionInfo(BaseModel):
    version: int
    created_at: str
    yaml_chars: int


class Health(BaseModel):
    status: str
    version: str
    db: str


class Validation(BaseModel):
    valid: bool
    errors: list[str]
    name: str | None = None
    options: list[dict[str, str]] = Field(default_factory=list)
    sliders: dict[str, float | None] = Field(default_factory=dict)


class Applied(BaseModel):
    yaml: str


class Example(BaseModel):
    name: str
    yaml: str


class CatalogTable(StrEnum):
    gpus = "gpus"
    models = "models"
    gpu_prices = "gpu-prices"
    api_models = "api-models"
    rate_limits = "rate-limits"


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    words = {
        401: "Missing or wrong bearer token",
        404: "No such scenario or version",
        409: "The version saved is no longer the latest",
        413: "Request body over 1 MiB",
        422: "Bad input: one line per problem, naming the field and the fix",
    }
    return {c: {"model": ErrorBody, "description": words[c]} for c in codes}


def _json(status: int, body: bytes) -> Response:
    return Response(content=body, status_code=status, media_type="application/json")


def error(status: int, lines: list[str], headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"errors": lines}, status_code=status, headers=headers)


# --------------------------------------------------------------------------- middleware


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes with 413 (read at most limit + 1 bytes,
    whatever Content-Length claims), before any route parses them."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        for k, v in scope.get("headers", []):
            if k == b"content-length" and v.isdigit() and int(v) > self.limit:
                await self._refuse(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Any, receive: Any, send: Any) -> None:
        line = (
            f"(request body): larger than {self.limit:,} bytes; a scenario is at most 1 MiB, "
            "send a smaller one"
        )
        await error(413, [line])(scope, receive, send)


class SecurityHeaders:
    """No sniffing, no framing, no referrer on every response; the page also gets a
    content security policy that allows nothing from another origin."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_page = scope["path"] == "/" or scope["path"].startswith("/s/")

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if is_page:
                    headers.append((b"content-security-policy", page.CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --------------------------------------------------------------------------- errors


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path")]
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else ("." if out else "") + str(p)
    return out or "(request body)"


def validation_lines(err: RequestValidationError) -> list[str]:
    """FastAPI's request validation errors as one line each, ``<path>: <problem>; <fix>``."""
    lines = []
    for e in err.errors():
        where = _loc(tuple(e.get("loc", ())))
        kind = e.get("type", "")
        if kind == "missing":
            lines.append(f"{where}: required but missing; add it")
        elif kind == "extra_forbidden":
            lines.append(f"{where}: unknown key; remove it or check its spelling")
        elif where.endswith("samples") and kind == "less_than_equal":
            lines.append(
                f"{where}: at most {MAX_SAMPLES:,} samples per web request (got "
                f"{e.get('input')!r}); ask for fewer, or run `llmecon simulate` locally"
            )
        elif kind == "json_invalid":
            lines.append("(request body): not valid JSON; send a JSON object")
        else:
            msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            lines.append(f"{where}: {msg[:1].lower() + msg[1:]}; fix the value")
    return lines


# --------------------------------------------------------------------------- the app


def create_app(
    db_url: str,
    token: str | None = None,
    *,
    cache: ResultCache | None = None,
    store: Store | None = None,
) -> FastAPI:
    """The application over the database at ``db_url`` (migrated to the newest schema on
    start); with ``token``, every ``/api`` route needs ``Authorization: Bearer <token>``."""
    db = store if store is not None else Store(db_url)
    results = cache if cache is not None else ResultCache()

    def check_token(
        creds: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    ) -> None:
        if token is None:
            return
        given = creds.credentials if creds is not None else ""
        if not secrets.compare_digest(given.encode(), token.encode()):
            raise StarletteHTTPException(401, "bearer token")

    app = FastAPI(
        title="llmecon",
        version=__version__,
        description="API model, self-hosted open model, or a small model of your own? "
        "The llmecon engine over HTTP; errors are one line per problem.",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: nothing downloads
        redoc_url=None,
    )
    app.state.store = db
    app.state.cache = results

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_: Request, err: RequestValidationError) -> Response:
        return error(422, validation_lines(err))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, err: StarletteHTTPException) -> Response:
        if err.status_code == 401:
            return error(
                401,
                [
                    "Authorization: missing or wrong bearer token; send Authorization: Bearer <token>"
                ],
                {"WWW-Authenticate": "Bearer"},
            )
        if err.status_code == 404:
            return error(404, ["(path): no such page or endpoint; see /openapi.json"])
        if err.status_code == 400:  # a body FastAPI could not decode (not UTF-8 JSON)
            return error(422, ["(request body): not UTF-8 JSON; send a JSON object"])
        if err.status_code == 405:
            return error(405, ["(method): not allowed on this path; see /openapi.json"])
        return error(err.status_code, [str(err.detail)])

    def run(endpoint: str, req: BaseModel, fn: Callable[[Any], bytes]) -> Response:
        """Build the request's scenario and ``fn(scenario)`` once per distinct request."""

        def compute_once() -> tuple[int, bytes]:
            body = req.model_dump(mode="json")
            try:
                scenario = build_scenario(
                    body.get("yaml"),
                    body.get("scenario"),
                    body.get("overrides"),
                    body.get("gpu_price_factor"),
                )
                return 200, fn(scenario)
            except ScenarioError as err:
                return 422, compute.dumps({"errors": err.problems})
            except CatalogError as err:
                return 422, compute.dumps({"errors": [str(err)]})
            except UnknownParameter as err:
                return 422, compute.dumps(
                    {
                        "errors": [
                            f"{err.args[0]}: unknown parameter; use a dotted path such as "
                            "workload.requests_per_month"
                        ]
                    }
                )
            except RecursionError:
                return 422, compute.dumps(
                    {"errors": ["(top level): nested too deeply to read; write it out plainly"]}
                )
            except Exception as err:  # a broken scenario is never a 500
                log.exception("pricing failed")
                return 422, compute.dumps(
                    {
                        "errors": [
                            f"(scenario): llmecon could not price it ({type(err).__name__}: "
                            f"{err}); check the values, and report it as a bug with the scenario"
                        ]
                    }
                )

        status, body = results.get_or_compute(
            key_of(endpoint, req.model_dump(mode="json")), compute_once
        )
        return _json(status, body)

    # ----------------------------------------------------------------- public routes

    @app.get("/health", response_model=Health, tags=["server"])
    def health() -> Health:
        """Liveness: ``{"status": "ok", "version", "db": "sqlite|postgresql"}``."""
        return Health(status="ok", version=__version__, db=db.dialect)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(page.render(token_needed=token is not None))

    @app.get("/s/{sid}", response_class=HTMLResponse, include_in_schema=False)
    def permalink(sid: str, version: Annotated[int | None, Query(ge=1)] = None) -> HTMLResponse:
        return HTMLResponse(page.render(token_needed=token is not None, sid=sid, version=version))

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        found = page.static_file(name)  # a fixed list of package files, never a client path
        if found is None:
            return error(404, [f"/static/{name}: no such file; the page's files only"])
        body, media = found
        return Response(body, media_type=media, headers={"Cache-Control": "max-age=3600"})

    # ----------------------------------------------------------------- /api

    api = APIRouter(prefix="/api", dependencies=[Depends(check_token)])
    common = _errors(401, 413, 422)

    @api.post("/evaluate", responses=common, tags=["analysis"])
    def evaluate(req: ScenarioIn) -> Response:
        """Exactly the document of ``llmecon evaluate SCENARIO --format json``."""
        return run("evaluate", req, lambda s: compute.dumps(compute.evaluate_document(s)))

    @api.post("/view", responses=common, tags=["analysis"])
    def view(req: ScenarioIn) -> Response:
        """What the page draws: ``document`` (as /api/evaluate), ``headline``, ``table``,
        ``breakevens`` and plotly ``figures`` (cumulative, volume, pillars, tornado)."""
        return run("view", req, compute.view)

    @api.post("/breakeven", responses=common, tags=["analysis"])
    def breakeven(req: BreakevenIn) -> Response:
        """As ``llmecon breakeven SCENARIO [--between A B] [--on PARAM] --json``."""
        between = (req.between[0], req.between[1]) if req.between else None
        return run(
            "breakeven", req, lambda s: compute.dumps(compute.breakeven_dict(s, between, req.on))
        )

    @api.post("/sensitivity", responses=common, tags=["analysis"])
    def sensitivity(req: ScenarioIn) -> Response:
        """As ``llmecon sensitivity SCENARIO --json``."""
        return run("sensitivity", req, lambda s: compute.dumps(compute.sensitivity_dict(s)))

    @api.post("/search", responses=common, tags=["analysis"])
    def search(req: SearchIn) -> Response:
        """As ``llmecon search SCENARIO [--models ...] [--gpus ...] --top N --json``."""

        def fn(s: Any) -> bytes:
            from llmecon.analysis.search import search as fleet_search
            from llmecon.engine.search import Space

            def names(v: list[str] | None) -> tuple[str, ...] | None:
                return None if v is None else tuple(x.strip() for x in v if x.strip())

            space = Space(
                models=names(req.models),
                gpus=names(req.gpus),
                precisions=names(req.precisions),
                pricing=names(req.pricing),
                engines=names(req.engines),
            )
            return compute.dumps(fleet_search(s, space, req.top).to_dict())

        return run("search", req, fn)

    @api.post("/profile", responses=common, tags=["analysis"])
    def profile(
        files: Annotated[list[UploadFile], File(description="Usage exports (CSV, JSON, ...).")],
        format: Annotated[str, Form(max_length=40)] = "auto",
        since: Annotated[str | None, Form(max_length=40)] = None,
        until: Annotated[str | None, Form(max_length=40)] = None,
        model: Annotated[list[str] | None, Form()] = None,
    ) -> Response:
        """As ``llmecon profile FILE... [--format F] [--since D] [--until D] [--model M]
        --json``, on uploaded files (written to a private temporary folder, deleted after)."""
        import hashlib

        bodies = [(f.filename or "upload", f.file.read()) for f in files]
        digest = hashlib.sha256()
        for name, body in bodies:
            digest.update(name.encode() + b"\0" + hashlib.sha256(body).digest())
        params = {"f": format, "s": since, "u": until, "m": model, "h": digest.hexdigest()}

        def compute_profile() -> tuple[int, bytes]:
            try:
                return 200, compute.profile_uploads(bodies, format, since, until, model)
            except ScenarioError as err:  # UsageError is one
                return 422, compute.dumps({"errors": err.problems})
            except Exception as err:  # an unreadable upload is bad input, never a 500
                log.exception("profiling failed")
                return 422, compute.dumps(
                    {
                        "errors": [
                            f"files: could not be profiled ({type(err).__name__}: {err}); "
                            "check the export's format, or pass format"
                        ]
                    }
                )

        return _json(*results.get_or_compute(key_of("profile", params), compute_profile))

    @api.post("/simulate", responses=common, tags=["analysis"])
    def simulate(req: SimulateIn) -> Response:
        """As ``llmecon simulate SCENARIO --samples N --seed S --json`` (N at most 100,000)."""
        return run(
            "simulate",
            req,
            lambda s: compute.dumps(compute.simulate_dict(s, req.samples, req.seed)),
        )

    @api.post(
        "/report",
        responses={
            **common,
            200: {
                "content": {"text/html": {"schema": {"type": "string"}}},
                "description": "The report: one self-contained HTML document",
            },
        },
        tags=["analysis"],
    )
    def report(req: ReportIn) -> Response:
        """The HTML report of ``llmecon report -o report.html`` (self-contained, offline)."""
        r = run("report", req, lambda s: compute.report_html(s, req.samples, req.seed).encode())
        if r.status_code == 200:
            return Response(r.body, media_type="text/html; charset=utf-8")
        return r

    @api.post("/validate", response_model=Validation, responses=_errors(401, 413, 422))
    def validate(req: ScenarioIn) -> Response:
        """Validation for the page's editor: ``valid``, the error lines, and for a valid
        scenario its options and the base values of the sliders (200 either way)."""

        def fn(s: Any) -> bytes:
            return compute.dumps(compute.validation(s))

        r = run("validate", req, fn)
        if r.status_code == 422:
            import json

            lines = json.loads(bytes(r.body))["errors"]
            return _json(200, compute.dumps({"valid": False, "errors": lines}))
        return r

    @api.post("/apply", response_model=Applied, responses=common)
    def apply(req: ScenarioIn) -> Response:
        """The scenario as YAML with the overrides and GPU price factor written in (comments
        are not kept), for saving the sliders' position."""
        from llmecon.scenario import dump_scenario

        return run("apply", req, lambda s: compute.dumps({"yaml": dump_scenario(s)}))

    @api.get("/examples", response_model=list[Example], responses=_errors(401))
    def examples() -> list[Example]:
        """The scenarios shipped with llmecon, by name, with their YAML."""
        return [Example(name=n, yaml=t) for n, t in page.examples().items()]

    @api.get("/catalog/{table}", responses=_errors(401, 422), tags=["catalog"])
    def catalog(
        table: CatalogTable,
        gpu: Annotated[str | None, Query(max_length=200)] = None,
        provider: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Response:
        """A fact catalog as ``llmecon catalog <table> --json`` prints it; ``gpu-prices``
        filters by ``gpu`` and ``provider``, ``api-models`` and ``rate-limits`` by
        ``provider``."""
        from dataclasses import asdict

        key = key_of("catalog", {"t": table.value, "g": gpu, "p": provider})

        def rows() -> tuple[int, bytes]:
            from llmecon import catalog as cat
            from llmecon.catalog.api_prices import api_models

            try:
                if table is CatalogTable.gpus:
                    data: list[Any] = [asdict(g) for g in cat.gpus()]
                elif table is CatalogTable.models:
                    data = [asdict(m) for m in cat.models()]
                elif table is CatalogTable.gpu_prices:
                    data = [asdict(p) for p in cat.gpu_prices(gpu, None, provider)]
                elif table is CatalogTable.api_models:
                    data = [m.as_dict() for m in api_models(provider)]
                else:
                    data = [
                        asdict(r)
                        for r in cat.rate_limits()
                        if provider is None or r.provider == provider
                    ]
            except CatalogError as err:
                where = "gpu" if table is CatalogTable.gpu_prices and gpu else "provider"
                return 422, compute.dumps({"errors": [f"{where}: {err}"]})
            return 200, compute.dumps(data)

        return _json(*results.get_or_compute(key, rows))

    # ----------------------------------------------------------------- saved scenarios

    def _check_saveable(text: str) -> Response | None:
        try:
            build_scenario(text, None, check_names=True)
        except (ScenarioError, CatalogError) as err:
            lines = err.problems if isinstance(err, ScenarioError) else [str(err)]
            return error(422, lines)
        except Exception as err:  # a broken scenario is never a 500
            return error(422, [f"yaml: could not be read ({type(err).__name__}); fix it"])
        return None

    saved = _errors(401, 404, 413, 422)

    @api.post("/scenarios", status_code=201, response_model=Saved, responses=_errors(401, 413, 422))
    def create(req: SaveIn) -> Response:
        """Save a new scenario (validated first): ``{id, version: 1}``."""
        bad = _check_saveable(req.yaml)
        if bad is not None:
            return bad
        s = db.create(req.name.strip(), req.yaml)
        return JSONResponse({"id": s.id, "version": s.version}, status_code=201)

    @api.get("/scenarios", response_model=list[ScenarioSummary], responses=_errors(401, 422))
    def list_scenarios(
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    ) -> Any:
        """Saved scenarios, the most recently saved first."""
        return db.summaries(limit, offset)

    @api.get("/scenarios/{sid}", response_model=SavedScenario, responses=saved)
    def get_scenario(
        sid: str, version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None
    ) -> Any:
        """The latest version of a saved scenario, or ``?version=N``."""
        try:
            return db.get(sid, version).to_dict()
        except NotFound:
            return _not_found(sid, version)

    @api.put("/scenarios/{sid}", response_model=Saved, responses=_errors(401, 404, 409, 413, 422))
    def update(sid: str, req: UpdateIn) -> Any:
        """Save a new version; ``version`` is the one the edit started from. 409 when another
        save came first (nothing is overwritten: load the latest and save again)."""
        bad = _check_saveable(req.yaml)
        if bad is not None:
            return bad
        try:
            s = db.save(sid, req.yaml, req.version, req.name.strip() if req.name else None)
        except NotFound:
            return _not_found(sid, None)
        except Conflict as err:
            return error(
                409,
                [
                    f"version: {req.version} is not the latest version of {sid} "
                    f"({err.latest} is); load version {err.latest}, redo the edit, and save "
                    "again (or save as a new scenario)"
                ],
            )
        return {"id": s.id, "version": s.version}

    @api.get("/scenarios/{sid}/versions", response_model=list[VersionInfo], responses=saved)
    def versions(sid: str) -> Any:
        """Every accepted version, oldest first."""
        try:
            return db.versions(sid)
        except NotFound:
            return _not_found(sid, None)

    @api.delete("/scenarios/{sid}", status_code=204, responses=saved)
    def delete(sid: str) -> Response:
        """Delete a saved scenario and all its versions."""
        try:
            db.delete(sid)
        except NotFound:
            return _not_found(sid, None)
        return Response(status_code=204)

    app.include_router(api)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)
    return app


def _not_found(sid: str, version: int | None) -> Response:
    what = f"{sid} has no version {version}" if version is not None else f"no scenario {sid!r}"
    return error(404, [f"id: {what}; list the saved scenarios with GET /api/scenarios"])
