"""Webhook endpoints over HTTP: register (the secret shown once), read, change,
rotate, delete, deliveries, redeliver and replay; only staff with
`integrations.manage_webhooks` may; a URL that could reach the shop's own network is
refused at registration."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from contexts.integrations import addresses, catalogue
from contexts.integrations.models import WebhookDelivery, WebhookEndpoint
from tests.api.conftest import Api, problem
from tests.staff import join

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"


def staff(*groups: str) -> Api:
    user = User.objects.create_user(f"hooks-{uuid.uuid4().hex[:10]}", is_staff=True)
    return Api(join(user, *groups))


@pytest.fixture
def integrations() -> Api:
    return staff("integrations")


def registered(api: Api, url: str = URL, events: tuple[str, ...] = ("order.paid",)) -> dict:
    response = api.post("/api/webhooks", {"url": url, "events": list(events)})
    assert response.status_code == 201, response.content
    return response.json()


def test_registering_answers_201_with_the_secret_which_no_read_shows(integrations: Api) -> None:
    created = integrations.post(
        "/api/webhooks",
        {"url": URL, "events": ["order.shipped", "order.paid"], "description": "ERP"},
    )

    body = created.json()
    assert created.status_code == 201
    assert {k: body[k] for k in ("url", "events", "description", "enabled")} == {
        "url": URL, "events": ["order.paid", "order.shipped"], "description": "ERP",
        "enabled": True,
    }  # fmt: skip
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) >= 24
    read = integrations.get(f"/api/webhooks/{body['webhookId']}").json()
    listed = integrations.get("/api/webhooks").json()["results"]
    assert "secret" not in read and read["webhookId"] == body["webhookId"]
    assert [w["webhookId"] for w in listed if w["webhookId"] == body["webhookId"]] == [
        body["webhookId"]
    ]
    assert all("secret" not in w for w in listed)


def test_patch_disables_enables_and_changes_the_events(integrations: Api) -> None:
    hook = registered(integrations)
    path = f"/api/webhooks/{hook['webhookId']}"

    disabled = integrations.patch(path, {"enabled": False}).json()
    enabled = integrations.patch(path, {"enabled": True, "events": ["item.purchased"]}).json()

    assert (disabled["enabled"], disabled["disabledReason"]) == (False, "Disabled by staff.")
    assert (enabled["enabled"], enabled["disabledReason"]) == (True, "")
    assert enabled["events"] == ["item.purchased"]


def test_rotating_gives_a_new_secret_and_delete_removes_the_endpoint(integrations: Api) -> None:
    hook = registered(integrations)
    path = f"/api/webhooks/{hook['webhookId']}"

    rotated = integrations.post(f"{path}/rotate-secret")
    deleted = integrations.delete(path)

    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != hook["secret"]
    row = WebhookEndpoint.objects.filter(id=hook["webhookId"])
    assert deleted.status_code == 204 and not row.exists()
    problem(integrations.get(path), 404)


def test_an_unknown_event_type_or_a_missing_url_is_refused(integrations: Api) -> None:
    before = WebhookEndpoint.objects.count()

    unknown = integrations.post("/api/webhooks", {"url": URL, "events": ["order.eaten"]})
    no_url = integrations.post("/api/webhooks", {"events": ["order.paid"]})
    no_events = integrations.post("/api/webhooks", {"url": URL, "events": []})

    assert problem(unknown, 422)["errors"] == {"events.0": ['"order.eaten" is not a valid choice.']}
    assert "url" in problem(no_url, 422)["errors"]
    assert "events" in problem(no_events, 422)["errors"]
    assert WebhookEndpoint.objects.count() == before


@pytest.mark.parametrize(
    ("role", "status"),
    [("integrations", 201), ("support", 403), ("no group", 403), ("customer", 403),
     ("anonymous", 401), ("superuser", 201)],
)  # fmt: skip
def test_only_staff_who_manage_webhooks_may_register(role: str, status: int) -> None:
    callers = {
        "integrations": lambda: staff("integrations"),
        "support": lambda: staff("support"),
        "no group": lambda: staff(),
        "customer": lambda: Api(User.objects.create_user(f"c-{uuid.uuid4().hex[:10]}")),
        "anonymous": lambda: Api(),
        "superuser": lambda: Api(User.objects.create_superuser(f"s-{uuid.uuid4().hex[:8]}")),
    }
    before = WebhookEndpoint.objects.count()

    response = callers[role]().post("/api/webhooks", {"url": URL, "events": ["order.paid"]})

    assert response.status_code == status, response.content
    if status == 403:
        assert problem(response, 403)["detail"] == (
            "Only staff with the permission integrations.manage_webhooks may do this."
        )
    assert WebhookEndpoint.objects.count() == before + (status == 201)


def owed(hook: dict, position: int, event_type: str, status: str, minutes_ago: int) -> Any:
    endpoint_id = uuid.UUID(hook["webhookId"])
    return WebhookDelivery.objects.create(
        id=catalogue.delivery_id(endpoint_id, position, 0), endpoint_id=endpoint_id,
        position=position, index=0, event_type=event_type, ordering_key=uuid.uuid4(),
        occurred_at=timezone.now() - dt.timedelta(minutes=minutes_ago), body="{}",
        status=status, attempts=3 if status != "pending" else 0,
        next_attempt_at=timezone.now(), created_at=timezone.now(),
    )  # fmt: skip


def test_deliveries_are_listed_newest_first_and_can_be_redelivered(integrations: Api) -> None:
    hook = registered(integrations)
    dead = owed(hook, 10, "order.paid", "dead", minutes_ago=5)
    done = owed(hook, 11, "order.paid", "delivered", minutes_ago=4)
    path = f"/api/webhooks/{hook['webhookId']}/deliveries"

    listed = integrations.get(path).json()["results"]
    only_dead = integrations.get(f"{path}?status=dead").json()["results"]
    again = integrations.post(f"{path}/{dead.id}/redeliver")

    assert [d["deliveryId"] for d in listed] == [str(done.id), str(dead.id)]
    assert listed[1]["messageId"] == f"msg_{dead.id.hex}"
    assert (listed[1]["status"], listed[1]["attempts"], listed[1]["nextAttemptAt"]) == (
        "dead", 3, None
    )  # fmt: skip
    assert [d["deliveryId"] for d in only_dead] == [str(dead.id)]
    assert again.status_code == 202
    assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
    problem(integrations.post(f"{path}/{uuid.uuid4()}/redeliver"), 404)


def test_replay_sends_again_the_deliveries_after_its_time(integrations: Api) -> None:
    hook = registered(integrations)
    old = owed(hook, 20, "order.paid", "delivered", minutes_ago=30)
    recent = owed(hook, 21, "order.paid", "delivered", minutes_ago=2)
    since = (timezone.now() - dt.timedelta(minutes=10)).isoformat()

    response = integrations.post(f"/api/webhooks/{hook['webhookId']}/replay", {"since": since})

    assert (response.status_code, response.json()) == (202, {"replayed": 1})
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == ("delivered", "pending")


# No request forgery: only https, only public addresses ------------------------------


@pytest.fixture
def strict(settings: Any) -> None:
    """Production's rules: no plain http, no host allowed by name."""
    settings.SHOP_WEBHOOK_ALLOW_HTTP = False
    settings.SHOP_WEBHOOK_ALLOWED_HOSTS = ()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://93.184.216.34/hooks", "The URL must use https."),
        ("ftp://93.184.216.34/hooks", "The URL must use https."),
        ("https://127.0.0.1/hooks", "resolves to 127.0.0.1"),
        ("https://localhost:8443/hooks", "resolves to 127.0.0.1"),
        ("https://10.1.2.3/hooks", "resolves to 10.1.2.3"),
        ("https://192.168.0.10/hooks", "resolves to 192.168.0.10"),
        ("https://172.16.5.4/hooks", "resolves to 172.16.5.4"),
        ("https://169.254.169.254/latest/meta-data", "resolves to 169.254.169.254"),
        ("https://224.0.0.1/hooks", "resolves to 224.0.0.1"),
        ("https://[::1]/hooks", "resolves to ::1"),
        ("https://[fe80::1]/hooks", "resolves to fe80::1"),
        ("https://[::ffff:127.0.0.1]/hooks", "resolves to ::ffff:7f00:1"),
        ("https://0.0.0.0/hooks", "resolves to 0.0.0.0"),
        ("https://no-such-host.invalid/hooks", "does not resolve"),
    ],
)
def test_registration_refuses_a_url_that_could_reach_inside(
    strict: None, integrations: Api, url: str, why: str
) -> None:
    before = WebhookEndpoint.objects.count()

    response = integrations.post("/api/webhooks", {"url": url, "events": ["order.paid"]})

    assert why in problem(response, 422)["errors"]["url"][0]
    assert WebhookEndpoint.objects.count() == before


def test_a_public_https_url_is_accepted_and_an_inward_one_only_when_its_host_is_listed(
    strict: None, settings: Any, integrations: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(addresses, "getaddrinfo", lambda host, port: {
        "shop-erp.example": ["93.184.216.34"], "erp.internal": ["10.0.0.7"]}[host])  # fmt: skip

    public = integrations.post("/api/webhooks", {"url": "https://shop-erp.example/in",
                                                 "events": ["order.paid"]})  # fmt: skip
    inward = integrations.post("/api/webhooks", {"url": "https://erp.internal/in",
                                                 "events": ["order.paid"]})  # fmt: skip
    settings.SHOP_WEBHOOK_ALLOWED_HOSTS = ("erp.internal",)
    listed = integrations.post("/api/webhooks", {"url": "https://erp.internal/in",
                                                 "events": ["order.paid"]})  # fmt: skip

    assert public.status_code == 201
    assert "resolves to 10.0.0.7" in problem(inward, 422)["errors"]["url"][0]
    assert listed.status_code == 201


def test_changing_the_url_is_checked_as_registering_is(strict: None, integrations: Api) -> None:
    hook = WebhookEndpoint.objects.create(
        id=uuid.uuid4(), url="https://93.184.216.34/in", events=["order.paid"], secret="whsec_x",
        created_at=timezone.now(), updated_at=timezone.now(),
    )  # fmt: skip

    response = integrations.patch(f"/api/webhooks/{hook.id}", {"url": "https://127.0.0.1/in"})

    assert "resolves to 127.0.0.1" in problem(response, 422)["errors"]["url"][0]
    hook.refresh_from_db()
    assert hook.url == "https://93.184.216.34/in"
