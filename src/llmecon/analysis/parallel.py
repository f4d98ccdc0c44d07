"""Chunks of the vectorised space on more than one core: local processes or a Dask cluster.

The engine prices a chunk (a block of Monte Carlo samples, a block of GPUs in the fleet
search) in one vectorised call; this module only sends chunks out and brings the results
back in order. Results do not depend on where a chunk ran: the samples are drawn once in
the calling process, and the search's ranking breaks ties by a key that does not depend on
the chunking, so one process, ``--workers N`` and ``--dask ADDRESS`` give identical answers.

Dask is an optional extra (``pip install llmecon[dask]``); ``dask`` may be a scheduler
address (``tcp://scheduler:8786``) or a ``distributed.Client`` (tests use a
``LocalCluster``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from llmecon.errors import ScenarioError

T = TypeVar("T")
R = TypeVar("R")


def check(workers: int, dask: Any) -> None:
    """One clear line for a bad ``--workers`` or a missing Dask."""
    if workers < 1:
        raise ScenarioError([f"--workers: give 1 or more processes (got {workers})"])
    if dask is not None and workers > 1:
        raise ScenarioError(["--workers and --dask: pick one (the cluster has its own workers)"])
    if dask is not None and isinstance(dask, str):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ScenarioError(
                [
                    f"--dask {dask}: Dask is not installed; pip install 'llmecon[dask]' "
                    "(or run without --dask)"
                ]
            ) from None


def run_chunks(
    fn: Callable[[T], R],
    chunks: Sequence[T],
    workers: int = 1,
    dask: Any = None,
) -> Iterator[R]:
    """``fn(chunk)`` for every chunk, yielded in the chunks' order: here (``workers`` 1),
    in ``workers`` local processes, or on a Dask cluster. ``fn`` must be a module-level
    function and the chunks picklable."""
    check(workers, dask)
    if dask is not None:
        yield from _on_dask(fn, chunks, dask)
        return
    if workers <= 1 or len(chunks) <= 1:
        for c in chunks:
            yield fn(c)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
        yield from pool.map(fn, chunks)


def _on_dask(fn: Callable[[T], R], chunks: Sequence[T], dask: Any) -> Iterator[R]:
    from distributed import Client

    if isinstance(dask, str):
        try:
            client = Client(dask, timeout="10s")  # type: ignore[no-untyped-call]
        except OSError as err:
            raise ScenarioError(
                [f"--dask {dask}: cannot reach the scheduler ({err}); check the address"]
            ) from None
        own = True
    else:
        client, own = dask, False
    try:
        futures = client.map(fn, list(chunks), pure=False)
        for f in futures:
            yield f.result()
    finally:
        if own:
            client.close()  # type: ignore[no-untyped-call]


def split(items: Sequence[T], parts: int) -> list[list[T]]:
    """``items`` in ``parts`` contiguous blocks of near-equal size (none empty)."""
    n = len(items)
    parts = max(1, min(parts, n))
    size, extra = divmod(n, parts)
    out, start = [], 0
    for k in range(parts):
        stop = start + size + (1 if k < extra else 0)
        out.append(list(items[start:stop]))
        start = stop
    return out
