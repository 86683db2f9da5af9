"""The running server accepts exactly what its OpenAPI document says, and answers as it
says: schemathesis's every check, over every operation the document lists, for a
customer and for staff, against a real server (granian, as `make run` serves HTTP) with
a real worker executing what it accepts.

The one allowance: a schema-valid request refused with 422 only for the fields the
operation lists under `x-beyond-schema` (rules no schema can state, such as `after`
naming a command of yours), which its description spells out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from axes.utils import reset
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import spectacular_settings
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import RejectedPositiveData, positive_data_acceptance

from contexts.integrations.models import WebhookEndpoint
from shop.api.schema import BEYOND_SCHEMA
from shop.devstack.servers import http_server
from shop.tokens.keys import issue
from tests.livestack import Client, Server, make_user, workers  # noqa: F401  fixtures

EXAMPLES = int(os.environ.get("SHOP_SCHEMATHESIS_EXAMPLES", "10"))
# The readiness report answers 503 while a part is down (here: no relay worker), as
# documented; its body is checked as every answer's is.
HEALTH = ("/api/health", "/api/health/ready")
CONFIG = {
    "generation": {"max-examples": EXAMPLES, "deterministic": True},
    # A valid If-Match that no longer matches (or names nothing) is 412, as a valid id
    # of nothing is 404: the state's answer, not the schema's.
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 412, 429, "5xx"]
        }
    },
}


def load_schema() -> schemathesis.BaseSchema:
    """The document /api/schema/ serves, generated at collection (one test per operation)."""
    document = spectacular_settings.DEFAULT_GENERATOR_CLASS().get_schema(request=None, public=True)
    config = schemathesis.Config.from_dict(CONFIG)
    return schemathesis.openapi.from_dict(
        json.loads(OpenApiJsonRenderer().render(document)), config=config
    )


schema = load_schema()


@pytest.fixture(scope="module")
def server(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[Server]:
    """One server for every operation's test."""
    log = Path(tmp_path_factory.mktemp("conformance")) / "server.log"
    with django_db_blocker.unblock():
        running = Server(log, command=http_server).start()
        yield running
        running.stop()


@pytest.fixture(scope="module")
def callers(server: Server, django_db_blocker: Any) -> Iterator[list[dict[str, str]]]:
    """A customer's and a staff member's token; the webhooks staff registered on the way
    are deleted after, so no later test's relay sends to them, and the lockout of this
    address the generated sign-ins earned is lifted."""
    with django_db_blocker.unblock():
        customer, staff = make_user(), make_user(staff=True)
        before = set(WebhookEndpoint.objects.values_list("pk", flat=True))
        tokens = [issue(user).key for user in (customer, staff)]
    yield [{"Authorization": f"Token {token}"} for token in tokens]
    with django_db_blocker.unblock():
        admin = Client(server, staff)
        added = WebhookEndpoint.objects.exclude(pk__in=before).values_list("pk", flat=True)
        for webhook in added:
            assert admin.call("DELETE", f"/api/webhooks/{webhook}")[0] == 204
        # The generated sign-ins fail by the hundred and lock this address out for 15
        # minutes (shop.login_limits): later tests sign in from it too.
        reset(ip="127.0.0.1")


def accepts_valid_requests(ctx: schemathesis.CheckContext, response: Any, case: Any) -> None:
    """schemathesis's positive_data_acceptance, but for a 422 naming only fields whose
    rules are beyond the schema (`x-beyond-schema`)."""
    try:
        positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        beyond = set(case.operation.definition.raw.get(BEYOND_SCHEMA, ()))
        named = fields(response.json()) if response.status_code == 422 else set()
        if not named or not named <= beyond:
            raise


def fields(problem: dict) -> set[str]:
    """The fields a 422 names, without list indexes: `lines.0.productId` is
    `lines.productId`."""
    return {
        ".".join(part for part in path.split(".") if not part.isdigit())
        for path in problem.get("errors", {})
    }


@schema.parametrize()
@hypothesis.settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_server_keeps_to_its_schema(
    case: schemathesis.Case,
    server: Server,
    callers: list[dict],
    workers: object,  # noqa: F811
) -> None:
    excluded = [positive_data_acceptance] + ([not_a_server_error] if case.path in HEALTH else [])
    for caller in callers:
        case.call_and_validate(
            base_url=server.url,
            headers=caller,
            excluded_checks=excluded,
            additional_checks=[accepts_valid_requests],
        )
