"""The library's input errors, in a module with no heavy imports (the CLI loads it at start).

Every face turns these into one line per problem naming the field and the fix.
"""

from __future__ import annotations


class ScenarioError(ValueError):
    """Invalid scenario input; ``problems`` holds one line per problem (path: message; fix)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class CatalogError(ValueError):
    """A name that the catalog does not know; the message lists close known names."""


class UnknownParameter(KeyError):
    """A parameter path that names no number the engine reads."""
