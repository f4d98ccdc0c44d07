"""``llmecon serve``: the web API and page (``pip install 'llmecon[web]'``).

FastAPI, uvicorn and SQLAlchemy are imported inside the command, so ``llmecon --help`` does
not pay for them (and works without the web extra).
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated

import typer

from llmecon.cli.output import fail

#: Where the default SQLite database lives: ``$LLMECON_DATA_DIR``, else the XDG data home.
DATA_ENV = "LLMECON_DATA_DIR"
DB_FILE = "llmecon.db"


def data_dir() -> Path:
    """``$LLMECON_DATA_DIR`` when set, else ``$XDG_DATA_HOME/llmecon``, else
    ``~/.local/share/llmecon``."""
    given = os.environ.get(DATA_ENV, "").strip()
    if given:
        return Path(given).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME", "").strip()
    # the XDG spec: a relative path is invalid and must be ignored
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "llmecon"


def default_db_url() -> str:
    """SQLite in the user's data directory (created when missing)."""
    d = data_dir()
    d.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(d / DB_FILE).resolve()}"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL: sqlite:///FILE or postgresql+psycopg://USER:PASS@HOST/DB "
            "(default: SQLite under $LLMECON_DATA_DIR, else ~/.local/share/llmecon).",
            show_default=False,
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="LLMECON_TOKEN",
            help="Require 'Authorization: Bearer TOKEN' on every /api call (also from "
            "$LLMECON_TOKEN); required on a non-loopback host.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the JSON API and the interactive page (needs: pip install 'llmecon[web]').

    Binds to 127.0.0.1 by default; any other address needs --token. The database is
    migrated to the newest schema on start.

    Example: llmecon serve --port 8000, then open http://127.0.0.1:8000/
    """
    if token is not None and not token.strip():
        fail(["--token: must not be empty; give a long random string, or drop --token"])
    if token is None and not is_loopback(host):
        fail(
            [
                f"--host: {host} is reachable from other machines, and no --token was given; "
                "pass --token (or set LLMECON_TOKEN), or serve on 127.0.0.1"
            ]
        )
    try:
        import uvicorn

        from llmecon.web.app import create_app
        from llmecon.web.store import normalise_url
    except ImportError as err:
        fail(
            [
                f"llmecon serve: the web extra is not installed ({err.name} is missing); "
                "pip install 'llmecon[web]'"
            ]
        )
    try:
        url = normalise_url(db) if db else default_db_url()
    except ValueError as err:
        fail([f"--db: {err}"])
    except OSError as err:
        fail([f"{err.filename or data_dir()}: {err.strerror}; set {DATA_ENV} or pass --db"])
    try:
        app = create_app(url, token)
    except Exception as err:  # the database refused: one line, never a traceback
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        fail([f"--db: cannot open the database ({first}); check the URL and that it is running"])
    from sqlalchemy.engine import make_url

    where = make_url(url).render_as_string(hide_password=True)
    typer.echo(f"llmecon serve: http://{host}:{port}/ (database {where})", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", workers=1)
