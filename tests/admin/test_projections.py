"""The projections page: every baker and receptor with its figures; rebuild and verify
run in a real worker while the page polls their progress."""

from __future__ import annotations

import json
import time

import pytest

from eventstore import jobs
from eventstore.store import store
from eventstore.subscribers import registry
from tests.admin.support import client_for, make_user, messages_of, place_order, settle

PAGE = "/admin/eventstore/checkpoint/"


@pytest.mark.django_db
def test_the_page_lists_every_baker_and_receptor_with_its_figures() -> None:
    place_order()
    settle()

    html = client_for(make_user("support")).get(PAGE).content.decode()
    progress = json.loads(client_for(make_user("support")).get(f"{PAGE}progress/").content)

    for subscriber in registry.all():
        assert f'<tr data-name="{subscriber.name}">' in html
    rows = {row["name"]: row for row in progress["projections"]}
    assert set(rows) == {s.name for s in registry.all()}
    orders = rows["sales.orders"]
    assert (orders["kind"], orders["head"], orders["lag"]) == ("baker", store.head_position(), 0)
    assert orders["status"] == "ok" and orders["last_run"]
    assert rows["sales.billing"]["kind"] == "receptor"


@pytest.mark.django_db
def test_support_sees_no_buttons_and_may_not_rebuild() -> None:
    before = jobs.status("sales.products")
    support = client_for(make_user("support"))

    html = support.get(PAGE).content.decode()
    response = support.post(f"{PAGE}run/sales.products/rebuild/", follow=True)

    assert 'value="Rebuild"' not in html
    assert messages_of(response) == [
        "You may not rebuild projections: that needs the permission eventstore.rebuild_projection."
    ]
    assert jobs.status("sales.products") == before


@pytest.mark.django_db
def test_only_bakers_are_rebuilt() -> None:
    root = client_for(make_user(superuser=True))

    assert root.post(f"{PAGE}run/sales.billing/rebuild/").status_code == 404
    assert root.post(f"{PAGE}run/no.such/verify/").status_code == 404
    assert root.post(f"{PAGE}run/sales.orders/explode/").status_code == 404


def job_when_finished(client: object, name: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = json.loads(client.get(f"{PAGE}progress/").content)["projections"]
        job = next(row["job"] for row in rows if row["name"] == name)
        if job and job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"the job on {name} did not finish in {timeout}s")


@pytest.mark.integration
def test_a_superuser_rebuilds_then_verifies_a_baker_in_the_worker(shared_worker) -> None:
    root = client_for(make_user(superuser=True))
    page = root.get(PAGE).content.decode()

    started = root.post(f"{PAGE}run/sales.products/rebuild/", follow=True)
    rebuilt = job_when_finished(root, "sales.products")
    root.post(f"{PAGE}run/sales.products/verify/")
    verified = job_when_finished(root, "sales.products")

    assert 'value="Rebuild"' in page and 'value="Verify"' in page and "progress/" in page
    assert messages_of(started) == ["Rebuild of sales.products started; progress shows below."]
    assert (rebuilt["kind"], rebuilt["state"], rebuilt["percent"]) == ("rebuild", "done", 100)
    assert (verified["kind"], verified["state"]) == ("verify", "done")
    assert [(t["table"], t["equal"]) for t in verified["tables"]] == [("catalog_product", True)]
