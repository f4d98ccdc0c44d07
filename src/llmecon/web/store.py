"""Saved scenarios with versions, in SQLite or PostgreSQL (SQLAlchemy 2, Alembic migrations).

Two tables: ``scenarios`` (id, name, latest version, times) and ``scenario_versions`` (one
row per accepted save, primary key ``(scenario_id, version)``). A save names the version it
edited; it is accepted only when that is still the latest, by one conditional update::

    UPDATE scenarios SET latest_version = v + 1 WHERE id = :id AND latest_version = v

which the database serialises (a row lock in PostgreSQL, the write lock in SQLite): of any
number of concurrent savers of version v, exactly one moves it to v + 1 and writes that
version's row; the others get ``Conflict`` (HTTP 409) and nothing of theirs is written. The
primary key on (scenario_id, version) is the backstop: two rows for one version cannot exist.

``Store(url)`` opens the database and upgrades its schema to the newest migration.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

#: Longest scenario name. [characters]
MAX_NAME = 200
#: Most rows one listing returns. [-]
MAX_LIST = 500
#: How long SQLite waits for another writer's lock before giving up. [s]
SQLITE_BUSY_TIMEOUT_S = 30.0


class NotFound(LookupError):
    """No scenario (or no such version of it) with that id."""


class Conflict(Exception):
    """A save named a version that is no longer the latest; ``latest`` is the one that is."""

    def __init__(self, latest: int):
        self.latest = latest
        super().__init__(f"version {latest} is the latest")


class Base(DeclarativeBase):
    pass


class ScenarioRow(Base):
    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    latest_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class VersionRow(Base):
    __tablename__ = "scenario_versions"

    scenario_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("scenarios.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    yaml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Saved:
    """One version of a saved scenario."""

    id: str
    name: str
    version: int
    latest_version: int
    yaml: str
    created_at: dt.datetime
    updated_at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "latest_version": self.latest_version,
            "yaml": self.yaml,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }


def _iso(t: dt.datetime) -> str:
    # SQLite hands back naive datetimes; every stored time is UTC
    return (t if t.tzinfo else t.replace(tzinfo=dt.UTC)).isoformat()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    """A random 12-character URL-safe id (72 bits): permalinks cannot be guessed."""
    return secrets.token_urlsafe(9)


def dialect_of(url: str) -> str:
    """``sqlite`` or ``postgresql`` for a database URL."""
    return make_url(url).get_backend_name()


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3 (the driver the web extra
    installs); SQLite and ``postgresql+psycopg`` URLs pass unchanged. Raises ``ValueError``
    with the fix for any other kind of URL."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            url = "postgresql+psycopg://" + url[len(plain) :]
    try:
        parsed = make_url(url)
    except Exception:
        raise ValueError(
            f"{url!r} is not a database URL; give sqlite:///FILE or "
            "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(
            f"{parsed.get_backend_name()} databases are not supported; give sqlite:///FILE or "
            "postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
        )
    return url


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL (readers never wait for the writer), a long
    busy timeout (concurrent savers queue instead of failing) and enforced foreign keys."""
    url = normalise_url(url)
    if dialect_of(url) != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(
        url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _: Any) -> None:
        cur = dbapi_conn.cursor()
        if make_url(url).database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine


def upgrade(engine: Engine) -> None:
    """Bring the database's schema to the newest migration (Alembic, from package files)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("llmecon.web").joinpath("migrations"))
    )
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    """The repository of saved scenarios."""

    def __init__(self, url: str, migrate: bool = True):
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.dialect = dialect_of(self.url)
        if migrate:
            upgrade(self.engine)
        self._session = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def create(self, name: str, yaml_text: str) -> Saved:
        """A new scenario at version 1."""
        now = _now()
        sid = new_id()
        with self._session.begin() as s:
            s.add(ScenarioRow(id=sid, name=name, latest_version=1, created_at=now, updated_at=now))
            s.flush()  # the parent row first: the version's foreign key needs it
            s.add(VersionRow(scenario_id=sid, version=1, yaml=yaml_text, created_at=now))
        return Saved(sid, name, 1, 1, yaml_text, now, now)

    def save(self, sid: str, yaml_text: str, version: int, name: str | None = None) -> Saved:
        """Version ``version + 1`` of ``sid``, when ``version`` is still the latest; raises
        ``Conflict`` (naming the latest) when it is not, ``NotFound`` when there is no
        such scenario."""
        now = _now()
        values: dict[str, Any] = {"latest_version": version + 1, "updated_at": now}
        if name is not None:
            values["name"] = name
        with self._session.begin() as s:
            # the conditional update is the lock: only one saver of `version` matches a row
            moved = s.execute(
                update(ScenarioRow)
                .where(ScenarioRow.id == sid, ScenarioRow.latest_version == version)
                .values(**values)
                .returning(ScenarioRow.name, ScenarioRow.created_at)
            ).first()
            if moved is None:
                latest = s.scalar(select(ScenarioRow.latest_version).where(ScenarioRow.id == sid))
                if latest is None:
                    raise NotFound(sid)
                raise Conflict(latest)
            s.add(VersionRow(scenario_id=sid, version=version + 1, yaml=yaml_text, created_at=now))
        return Saved(sid, moved.name, version + 1, version + 1, yaml_text, moved.created_at, now)

    def get(self, sid: str, version: int | None = None) -> Saved:
        """The latest version of ``sid``, or version ``version``."""
        with self._session() as s:
            row = s.get(ScenarioRow, sid)
            if row is None:
                raise NotFound(sid)
            v = s.get(VersionRow, (sid, version if version is not None else row.latest_version))
            if v is None:
                raise NotFound(f"{sid} version {version}")
            return Saved(
                sid, row.name, v.version, row.latest_version, v.yaml, row.created_at, v.created_at
            )

    def summaries(self, limit: int = MAX_LIST, offset: int = 0) -> list[dict[str, Any]]:
        """Saved scenarios, the most recently saved first."""
        with self._session() as s:
            rows = s.scalars(
                select(ScenarioRow)
                .order_by(ScenarioRow.updated_at.desc(), ScenarioRow.id)
                .limit(min(limit, MAX_LIST))
                .offset(offset)
            ).all()
            return [
                {
                    "id": r.id,
                    "name": r.name,
                    "latest_version": r.latest_version,
                    "created_at": _iso(r.created_at),
                    "updated_at": _iso(r.updated_at),
                }
                for r in rows
            ]

    def versions(self, sid: str) -> list[dict[str, Any]]:
        """Every accepted version of ``sid``, oldest first."""
        with self._session() as s:
            if s.get(ScenarioRow, sid) is None:
                raise NotFound(sid)
            rows = s.execute(
                select(VersionRow.version, VersionRow.created_at, func.length(VersionRow.yaml))
                .where(VersionRow.scenario_id == sid)
                .order_by(VersionRow.version)
            ).all()
            return [{"version": v, "created_at": _iso(t), "yaml_chars": int(n)} for v, t, n in rows]

    def delete(self, sid: str) -> None:
        """Delete ``sid`` and all its versions."""
        with self._session.begin() as s:
            s.execute(delete(VersionRow).where(VersionRow.scenario_id == sid))
            gone = s.execute(delete(ScenarioRow).where(ScenarioRow.id == sid))
            if getattr(gone, "rowcount", 0) == 0:
                raise NotFound(sid)
