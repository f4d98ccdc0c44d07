"""The usage reader's input error: one line per problem, printed by the CLI as ``error:``."""

from __future__ import annotations

from llmecon.errors import ScenarioError


class UsageError(ScenarioError):
    """A usage export that cannot be profiled; ``problems`` holds one line per problem
    (file or option: problem; fix)."""
