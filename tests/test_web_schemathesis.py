"""The web API against its own OpenAPI schema (schemathesis, in process over ASGI): for
generated requests to every operation, no response is a 500, and every response's status
code, content type and body conform to what ``/openapi.json`` declares.

Examples per operation are bounded (``EXAMPLES``) so that the file runs in well under a
minute on two cores; generated scenarios are almost never valid, so the engine rarely runs
and the error paths (422 lines, 404, 409) are what is exercised.
"""

from __future__ import annotations

from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from llmecon.web.app import create_app  # noqa: E402

#: Generated requests per API operation. [-]
EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _app() -> object:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="llmecon-schemathesis-"))
    return create_app(f"sqlite:///{folder / 'web.db'}")


schema = schemathesis.openapi.from_asgi("/openapi.json", _app())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CHECKS)
