"""Webhook endpoints in the back office: the API's operations, for the same permission;
their lag on the projections page and their trouble on the dashboard."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.utils import timezone

from contexts.integrations import endpoints
from contexts.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.admin.support import client_for, make_user, messages_of

pytestmark = pytest.mark.django_db

LIST = "/admin/integrations/webhookendpoint/"
DELIVERIES = "/admin/integrations/webhookdelivery/"
URL = "http://127.0.0.1:9/hooks"
POSITIONS = itertools.count(1)


def endpoint(url: str = URL) -> WebhookEndpoint:
    return endpoints.register(url, ["order.paid"], "test")


def delivery(to: WebhookEndpoint, status: str = DeliveryStatus.PENDING) -> WebhookDelivery:
    now = timezone.now()
    return WebhookDelivery.objects.create(
        id=uuid.uuid4(), endpoint=to, position=next(POSITIONS), index=0, event_type="order.paid",
        ordering_key=uuid.uuid4(), occurred_at=now - dt.timedelta(minutes=5), body="{}",
        status=status, attempts=8, next_attempt_at=now, created_at=now,
    )  # fmt: skip


@pytest.mark.parametrize("group", ["support", "finance", "warehouse", None])
def test_staff_without_the_right_are_refused_every_page_and_change(group: str | None) -> None:
    target = endpoint()
    staff = client_for(make_user(group))

    pages = [LIST, f"{LIST}add/", f"{LIST}{target.pk}/change/", DELIVERIES]
    assert {staff.get(page).status_code for page in pages} == {403}
    staff.post(f"{LIST}{target.pk}/rotate/")
    staff.post(f"{LIST}add/", {"url": "http://127.0.0.1:9/other", "events": ["order.paid"]})

    assert WebhookEndpoint.objects.get(pk=target.pk).secret == target.secret
    assert not WebhookEndpoint.objects.filter(url="http://127.0.0.1:9/other").exists()


def test_registering_shows_the_secret_once_and_stores_the_endpoint() -> None:
    staff = client_for(make_user("integrations"))

    response = staff.post(
        f"{LIST}add/",
        {"url": "http://127.0.0.1:9/erp", "events": ["order.paid", "item.purchased"],
         "description": "ERP", "enabled": "on"},
        follow=True,
    )  # fmt: skip

    stored = WebhookEndpoint.objects.get(url="http://127.0.0.1:9/erp")
    assert stored.events == ["item.purchased", "order.paid"] and stored.enabled
    assert any(stored.secret in message for message in messages_of(response))
    assert stored.secret not in staff.get(f"{LIST}{stored.pk}/change/").content.decode()


def test_a_url_into_the_shops_own_network_is_refused_and_nothing_stored() -> None:
    staff = client_for(make_user("integrations"))

    response = staff.post(f"{LIST}add/", {"url": "http://10.0.0.7/hooks", "events": ["order.paid"]})

    assert response.status_code == 200 and "private" in response.content.decode()
    assert not WebhookEndpoint.objects.filter(url="http://10.0.0.7/hooks").exists()


def test_rotating_by_post_gives_a_new_secret_and_the_old_signs_for_a_day() -> None:
    target = endpoint()
    staff = client_for(make_user("integrations"))

    staff.get(f"{LIST}{target.pk}/rotate/")  # a link followed changes nothing
    assert WebhookEndpoint.objects.get(pk=target.pk).secret == target.secret
    response = staff.post(f"{LIST}{target.pk}/rotate/", follow=True)

    rotated = WebhookEndpoint.objects.get(pk=target.pk)
    assert rotated.secret != target.secret and rotated.previous_secret == target.secret
    assert any(rotated.secret in message for message in messages_of(response))


def test_disabling_by_staff_says_so_and_enabling_clears_it() -> None:
    target = endpoint()
    staff = client_for(make_user("integrations"))
    form = {"url": URL, "events": ["order.paid"], "description": "test"}

    staff.post(f"{LIST}{target.pk}/change/", form)  # the checkbox left out: disabled
    assert WebhookEndpoint.objects.get(pk=target.pk).disabled_reason == "Disabled by staff."
    staff.post(f"{LIST}{target.pk}/change/", {**form, "enabled": "on"})
    assert WebhookEndpoint.objects.get(pk=target.pk).disabled_reason == ""


def test_a_dead_delivery_is_redelivered_by_hand() -> None:
    dead = delivery(endpoint(), DeliveryStatus.DEAD)
    staff = client_for(make_user("integrations"))

    staff.post(DELIVERIES, {"action": "redeliver", "_selected_action": [str(dead.pk)]})

    again = WebhookDelivery.objects.get(pk=dead.pk)
    assert (again.status, again.attempts) == (DeliveryStatus.PENDING, 0)


def test_replay_since_a_time_sends_again_only_what_came_after() -> None:
    target = endpoint()
    before, after = delivery(target, DeliveryStatus.DELIVERED), delivery(target, "delivered")
    WebhookDelivery.objects.filter(pk=before.pk).update(
        occurred_at=timezone.now() - dt.timedelta(days=2)
    )
    staff = client_for(make_user("integrations"))

    since = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    staff.post(f"{LIST}{target.pk}/replay/", {"since": since})

    assert WebhookDelivery.objects.get(pk=before.pk).status == DeliveryStatus.DELIVERED
    assert WebhookDelivery.objects.get(pk=after.pk).status == DeliveryStatus.PENDING


def test_the_projections_page_shows_each_endpoints_lag_under_the_relays_outbox() -> None:
    target = endpoint("http://127.0.0.1:9/lagging")
    delivery(target)
    delivery(target)
    root = client_for(make_user(superuser=True))

    page = root.get("/admin/eventstore/checkpoint/").content.decode()

    row = page[page.index('data-outlet-of="integrations.webhooks"') :]
    row = row[: row.index("</tr>")]
    assert "http://127.0.0.1:9/lagging" in row and "2 pending" in row


def test_the_dashboard_names_an_endpoint_in_trouble() -> None:
    target = endpoint("http://127.0.0.1:9/broken")
    endpoints.change(target, enabled=False)
    staff = client_for(make_user("integrations"))

    page = staff.get("/admin/").content.decode()

    assert "Webhook endpoints failing or disabled" in page
    assert "http://127.0.0.1:9/broken" in page and "Disabled by staff." in page
