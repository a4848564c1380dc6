"""Every API operation, fuzzed from its OpenAPI document by schemathesis (#12, item 17).

Bounded: a few dozen generated cases per operation, on the demo organisation.
Every check schemathesis has must pass: no server error, documented status
codes and content types, bodies matching their schemas, bad input refused,
good input accepted, auth enforced, unsupported methods answered with 405.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from portfolio.api.openapi import openapi_document
from portfolio.demo import seed_demo
from portfolio.extensions import db
from portfolio.models import ApiToken, Role, TokenScope, User


@pytest.fixture
def api_tokens(app) -> dict[str, str]:
    """A leader's read token for the reads, a PM's readings:write token for the write."""
    seed_demo(db.session)
    secrets = {}
    for role, scopes in ((Role.LEADER, ()), (Role.PM, (TokenScope.READINGS_WRITE,))):
        owner = db.session.execute(db.select(User).where(User.role == role)).scalars().first()
        token, secrets[role.value] = ApiToken.issue(owner, "schemathesis", scopes=scopes)
        db.session.add(token)
    db.session.commit()
    return secrets


class CurrentApp:
    """A WSGI app that forwards to the test's own app (a fresh database per
    test): schemathesis' fixture loader does not run on this pytest, so the
    schema is built once from the document and sends its calls here."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


CURRENT_APP = CurrentApp()
# What no schema can say: a reading dated after tomorrow is refused (422) however
# well formed, so for the write a 422 is also an answer to valid data.
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-operation-id": "putReading",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "422"]}
                },
            }
        ]
    }
)
# The document itself, exactly as /api/openapi.json serves it.
schema = schemathesis.openapi.from_dict(openapi_document("http://localhost"), config=CONFIG)
schema.app = CURRENT_APP


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
def test_the_api_keeps_its_contract(case, app, api_tokens):
    CURRENT_APP.app = app
    token = api_tokens["pm" if case.method == "PUT" else "leader"]
    # Schemathesis's WSGI client does not decode compressed bodies: ask for plain
    # ones (compression itself is tested in test_bytes.py).
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    )
