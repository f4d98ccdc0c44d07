"""Saved scenarios (``llmecon.web.store``) on SQLite always, and on a real PostgreSQL server
where Debian's ``postgresql`` package is installed (``initdb`` and ``pg_ctl`` on the PATH or
under ``/usr/lib/postgresql/<version>/bin``).

The PostgreSQL fixture runs ``initdb`` in a temporary folder and starts a throwaway server
that listens on a Unix socket in that folder only (no TCP port is opened). PostgreSQL refuses
to run as root, so as root (CI) the folder is handed to the ``postgres`` user and both
programs run through ``runuser``. With ``CI=true`` a missing PostgreSQL fails the test.

The central check: 20 clients saving the same version at once. Exactly one is accepted, the
other 19 get ``Conflict``; and 20 clients that each retry until accepted leave 21 versions
holding every client's text once.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("sqlalchemy")

from llmecon.web.store import Conflict, NotFound, Store, normalise_url

#: Concurrent savers in the concurrency tests (the issue's figure). [-]
SAVERS = 20


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return hits[-1] if hits else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL server's URL (Unix socket in a temporary folder)."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        why = "PostgreSQL not installed (apt-get install postgresql: initdb and pg_ctl)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{why}; CI must install it (see .ci/run)")
        pytest.skip(why)
    root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="llmecon-pg-"))
    data = folder / "data"
    prefix: list[str] = []
    if root:
        # PostgreSQL will not run as root: the server runs as the package's postgres user
        shutil.chown(folder, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "llmecon", "--no-sync"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [
                *prefix,
                pg_ctl,
                "-D",
                str(data),
                "-l",
                str(folder / "log"),
                "-o",
                f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off",
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
    except subprocess.CalledProcessError as err:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {err.stderr.decode(errors='replace')[-500:]}")
    try:
        yield f"postgresql+psycopg://llmecon@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'web.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    s = Store(url)
    try:
        yield s
    finally:
        # each test starts empty: the PostgreSQL server is shared by the module
        for row in s.summaries():
            s.delete(row["id"])
        s.close()


def test_create_get_save_list_delete(store: Store) -> None:
    a = store.create("bot", "name: one\n")
    assert (a.version, a.latest_version) == (1, 1)
    b = store.save(a.id, "name: two\n", version=1)
    assert (b.version, b.name) == (2, "bot")
    assert store.get(a.id).yaml == "name: two\n"
    assert store.get(a.id, 1).yaml == "name: one\n"
    assert store.get(a.id, 1).latest_version == 2
    assert [v["version"] for v in store.versions(a.id)] == [1, 2]
    assert [v["yaml_chars"] for v in store.versions(a.id)] == [
        len("name: one\n"),
        len("name: two\n"),
    ]
    renamed = store.save(a.id, "name: three\n", version=2, name="bot 2")
    assert renamed.name == "bot 2" and store.summaries()[0]["name"] == "bot 2"
    assert [r["id"] for r in store.summaries()] == [a.id]
    store.delete(a.id)
    assert store.summaries() == []
    with pytest.raises(NotFound):
        store.get(a.id)
    with pytest.raises(NotFound):
        store.versions(a.id)
    with pytest.raises(NotFound):
        store.delete(a.id)


def test_stale_save_is_refused_and_writes_nothing(store: Store) -> None:
    a = store.create("bot", "v1")
    store.save(a.id, "v2", version=1)
    with pytest.raises(Conflict) as err:
        store.save(a.id, "stale edit", version=1)
    assert err.value.latest == 2
    assert [store.get(a.id, v["version"]).yaml for v in store.versions(a.id)] == ["v1", "v2"]
    with pytest.raises(NotFound):
        store.save("no-such-id", "x", version=1)
    with pytest.raises(NotFound):
        store.get(a.id, 3)


def test_list_newest_first(store: Store) -> None:
    first = store.create("first", "a")
    second = store.create("second", "b")
    assert [r["name"] for r in store.summaries()] == ["second", "first"]
    store.save(first.id, "a2", version=1)  # saving moves it to the top
    assert [r["id"] for r in store.summaries()] == [first.id, second.id]
    assert [r["id"] for r in store.summaries(limit=1)] == [first.id]
    assert [r["id"] for r in store.summaries(limit=1, offset=1)] == [second.id]


def _race(store: Store, sid: str, retry: bool) -> tuple[list[int], list[int]]:
    """SAVERS threads save version 1 of ``sid`` at the same moment; with ``retry`` each
    reloads the latest version after a conflict and tries again until accepted. Returns the
    versions accepted (one per accepted save) and the conflicts' latest versions."""
    start = threading.Barrier(SAVERS)
    accepted: list[int] = []
    conflicts: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def client(i: int) -> None:
        try:
            base = 1
            start.wait()
            while True:
                try:
                    saved = store.save(sid, f"client {i}", version=base)
                except Conflict as c:
                    with lock:
                        conflicts.append(c.latest)
                    if not retry:
                        return
                    base = store.get(sid).version
                    continue
                with lock:
                    accepted.append(saved.version)
                return
        except BaseException as err:  # surfaced below: a thread's failure must fail the test
            errors.append(err)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(SAVERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    return accepted, conflicts


def test_twenty_concurrent_savers_one_wins(store: Store) -> None:
    sid = store.create("shared", "original").id
    accepted, conflicts = _race(store, sid, retry=False)
    # each client got a new version or a 409: 1 accepted + 19 conflicts = 20 answers
    assert accepted == [2]
    assert len(conflicts) == SAVERS - 1 and set(conflicts) == {2}
    history = store.versions(sid)
    assert [v["version"] for v in history] == [1, 2]


def test_twenty_concurrent_savers_with_retries_lose_nothing(store: Store) -> None:
    sid = store.create("shared", "original").id
    accepted, _ = _race(store, sid, retry=True)
    # every client is accepted exactly once: versions 2 .. 21, no gaps, no repeats
    assert sorted(accepted) == list(range(2, SAVERS + 2))
    texts = [store.get(sid, v).yaml for v in range(2, SAVERS + 2)]
    assert sorted(texts) == sorted(f"client {i}" for i in range(SAVERS))
    assert [v["version"] for v in store.versions(sid)] == list(range(1, SAVERS + 2))


def test_migrations_run_twice_and_keep_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'again.db'}"
    first = Store(url)
    sid = first.create("kept", "x").id
    first.close()
    again = Store(url)  # upgrading an up-to-date database changes nothing
    assert again.get(sid).yaml == "x"
    again.close()


def test_urls() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
    with pytest.raises(ValueError, match="not supported; give sqlite:///FILE"):
        normalise_url("mysql://u@h/db")
    with pytest.raises(ValueError, match="not a database URL"):
        normalise_url("not a url")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.booleans(), min_size=1, max_size=12))
def test_versions_are_contiguous_whatever_the_saves(tmp_path: Path, stale: list[bool]) -> None:
    """Any sequence of fresh and stale saves: the accepted ones are numbered 2, 3, ... with
    no gap, and each stale one is refused naming the latest version."""
    s = Store(f"sqlite:///{tmp_path / 'prop.db'}")
    try:
        sid = s.create("p", "0").id
        latest = 1
        for i, is_stale in enumerate(stale):
            if is_stale and latest > 1:
                with pytest.raises(Conflict) as err:
                    s.save(sid, f"stale {i}", version=latest - 1)
                assert err.value.latest == latest
            else:
                assert s.save(sid, f"edit {i}", version=latest).version == latest + 1
                latest += 1
        assert [v["version"] for v in s.versions(sid)] == list(range(1, latest + 1))
        s.delete(sid)
    finally:
        s.close()
