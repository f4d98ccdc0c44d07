"""Computed responses, cached by a hash of what was asked.

The key is the SHA-256 of the endpoint's name and the request's canonical JSON (the scenario
as sent, the overrides, the parameters), so moving a slider back to a position already seen
returns the stored bytes without parsing, pricing or encoding anything again. Errors (422
lines) are cached too: a broken scenario stays broken until its text changes.

Bounded by total size (``MAX_BYTES``), least recently used first out; thread-safe (the
server computes in a thread pool).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

#: Total size of the cached responses. [bytes]
MAX_BYTES = 64 << 20


def key_of(endpoint: str, request: Any) -> str:
    """A stable hash of ``request`` (JSON-able, key order ignored) under ``endpoint``."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{endpoint}\n{text}".encode()).hexdigest()


class ResultCache:
    """A size-bounded LRU map: key -> (HTTP status, body bytes)."""

    def __init__(self, max_bytes: int = MAX_BYTES):
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[int, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> tuple[int, bytes] | None:
        with self._lock:
            hit = self._items.get(key)
            if hit is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return hit

    def put(self, key: str, status: int, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return  # never evict everything for one response
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old[1])
            self._items[key] = (status, body)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def get_or_compute(
        self, key: str, compute: Callable[[], tuple[int, bytes]]
    ) -> tuple[int, bytes]:
        """The cached (status, body) of ``key``, else ``compute()``'s, stored. Two threads
        asking for the same new key may both compute it; the results are equal."""
        hit = self.get(key)
        if hit is not None:
            return hit
        status, body = compute()
        self.put(key, status, body)
        return status, body

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size_bytes(self) -> int:
        return self._bytes
