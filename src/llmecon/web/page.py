"""The page: one server-rendered HTML document, its script and style, and plotly.js.

No build step: ``templates/index.html`` is filled with ``string.Template`` (every value
HTML-escaped), ``static/app.js`` is plain JavaScript and ``static/app.css`` plain CSS.
plotly.js is read from the installed plotly package's own data (the same file the HTML
report inlines), so the page draws its charts with no network.

``static_file(name)`` serves a fixed set of package files by name: a request can never name
a path on the server.
"""

from __future__ import annotations

import json
from functools import cache
from html import escape
from importlib import resources
from pathlib import Path
from string import Template

from llmecon import __version__

#: The page's content security policy: its own scripts and styles only (plotly sets inline
#: styles on the charts it draws), images from itself or data: URLs, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)

#: Files the page may load: name -> media type.
STATIC = {
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "plotly.min.js": "text/javascript; charset=utf-8",
}

#: The example the page opens with when there is no saved scenario to show.
FIRST_EXAMPLE = "support_bot"


def _package_text(*parts: str) -> str:
    return resources.files("llmecon.web").joinpath(*parts).read_text(encoding="utf-8")


@cache
def static_file(name: str) -> tuple[bytes, str] | None:
    """(bytes, media type) of one of the page's files; None for any other name."""
    media = STATIC.get(name)
    if media is None:
        return None
    if name == "plotly.min.js":
        from llmecon.report.charts import plotly_package_data

        path = plotly_package_data("plotly.min.js")
        if path is None or not path.is_file():
            return None
        return path.read_bytes(), media
    return _package_text("static", name).encode(), media


@cache
def examples() -> dict[str, str]:
    """Example scenarios by name: ``starter`` (``llmecon init``'s template), then the shipped
    examples: package data ``llmecon/examples/*.yaml`` where it exists, else a source
    checkout's ``examples/`` folder."""
    import llmecon

    starter = resources.files("llmecon").joinpath("templates", "scenario.yaml")
    out = {"starter": starter.read_text(encoding="utf-8")}
    pkg = Path(llmecon.__file__).resolve().parent
    for folder in (pkg / "examples", pkg.parents[1] / "examples"):
        if folder.is_dir():
            for p in sorted(folder.glob("*.yaml")):
                out.setdefault(p.stem, p.read_text(encoding="utf-8"))
            break
    return out


def render(token_needed: bool, sid: str | None = None, version: int | None = None) -> str:
    """The page; with ``sid`` it opens that saved scenario (its script loads it through the
    API, so a token-protected server shows nothing without the token)."""
    ex = examples()
    first = FIRST_EXAMPLE if FIRST_EXAMPLE in ex else next(iter(ex))
    options = "".join(
        f'<option value="{escape(n)}"{" selected" if n == first else ""}>{escape(n)}</option>'
        for n in ex
    )
    config = {
        "tokenNeeded": token_needed,
        "scenarioId": sid,
        "version": version,
        "example": first,
    }
    return Template(_package_text("templates", "index.html")).substitute(
        version=escape(__version__),
        example_options=options,
        # no saved scenario to load: the first example is in the editor from the start
        initial_yaml=escape(ex[first]) if sid is None else "",
        # JSON inside an HTML attribute: escaped, read back with JSON.parse
        config=escape(json.dumps(config), quote=True),
    )
