"""The back-office in a real browser: Debian's Chromium, driven by Playwright, against the
real ASGI app (uvicorn) with a real Celery worker and beat, on the test database.

A warehouse clerk logs in, opens a paid order, dispatches its shipment through the
action form, and sees the dispatch in the order's timeline. Set SHOP_SCREENSHOTS to a
folder (docs/screenshots) to keep the pages it sees, and a few more a superuser sees.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from shop.devstack.services import ROOT, free_port
from tests.admin.support import PASSWORD, Placed, make_user, pay, place_order
from tests.integration.processes import child_env, wait_until_quiet

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
UVICORN = str(Path(os.sys.executable).with_name("uvicorn"))

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no Chromium at /usr/bin/chromium: `apt-get install chromium` (make test does "
        "where apt is available) to run the browser test",
    ),
]


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/health/live", timeout=2) as answer:
            return answer.status == 200
    except OSError:
        return False


@pytest.fixture
def backoffice_url(committed_db: None, tmp_path: Path) -> Iterator[str]:
    """The real ASGI app under uvicorn on a free port, against the test database."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [UVICORN, "shop.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
    with (tmp_path / "uvicorn.log").open("ab") as log:
        server = subprocess.Popen(args, cwd=ROOT, env=child_env(), stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _serving(url):
            assert server.poll() is None and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SHOP_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def paid_order() -> Placed:
    placed = place_order()
    wait_until_quiet()
    pay(placed, "50.00")
    wait_until_quiet()
    return placed


def log_in(page: object, url: str, username: str) -> None:
    page.goto(f"{url}/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#dashboard")


def test_a_clerk_dispatches_an_order_and_sees_it_in_the_timeline(
    celery_processes, backoffice_url: str, shots: Path
) -> None:
    from playwright.sync_api import sync_playwright

    celery_processes("worker")
    celery_processes("beat")
    placed = paid_order()
    clerk, root = make_user("warehouse"), make_user(superuser=True)
    dispatched = 'tr.timeline-entry[data-type="shipping.ShipmentDispatched"]'

    with sync_playwright() as playwright:  # no database access inside: see more_screenshots
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        log_in(page, backoffice_url, clerk.username)
        page.screenshot(path=shots / "dashboard.png")
        page.goto(f"{backoffice_url}/admin/sales/ordersummary/?q={placed.customer.username}")
        page.screenshot(path=shots / "orders.png")
        page.click(f"[title='{placed.order_id}']")  # the list shows the id short
        page.click("text=Dispatch shipment")
        page.fill("#id_carrier", "DHL")
        page.fill("#id_tracking_number", "JD014600003SE")
        page.screenshot(path=shots / "dispatch-form.png")
        page.click("input[value='Dispatch shipment']")
        page.wait_for_selector("ul.messagelist")
        message = page.inner_text("ul.messagelist")
        timeline = page.locator(dispatched)
        data = timeline.inner_text() if timeline.count() else ""
        page.screenshot(path=shots / "order-after-dispatch.png")
        if timeline.count():
            timeline.screenshot(path=shots / "timeline-dispatch.png")
        verified = verify_on_the_projections_page(browser, backoffice_url, root.username, shots)
        if os.environ.get("SHOP_SCREENSHOTS"):
            more_screenshots(browser, backoffice_url, root.username, placed, shots)
        browser.close()

    assert message.startswith("Submitted shipping.DispatchShipment") and message.endswith("done.")
    assert "JD014600003SE" in data and f"staff:{clerk.pk}" in data
    assert verified == "catalog_product: equal"


def verify_on_the_projections_page(browser: object, url: str, root: str, shots: Path) -> str:
    """A superuser presses Verify; the page polls the job and shows each table's verdict."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(page, url, root)
    page.goto(f"{url}/admin/eventstore/checkpoint/")
    row = 'tr[data-name="sales.products"]'
    page.click(f"{row} input[value='Verify']")
    verdict = page.wait_for_selector(f"{row} .job li", timeout=60_000)
    page.locator(row).scroll_into_view_if_needed()
    page.screenshot(path=shots / "projections-verify.png")
    return verdict.inner_text()


def more_screenshots(browser: object, url: str, root: str, placed: Placed, shots: Path) -> None:
    """What a superuser sees of the event store, for docs/admin.md. (No database access
    here: Playwright's event loop runs in this thread.)"""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    log_in(page, url, root)
    pages = {
        "event-stream": f"/admin/eventstore/event/stream/{placed.order_id}/",
        "state-as-of": f"/admin/eventstore/event/stream/{placed.order_id}/state/?version=2",
        "command-inbox": "/admin/eventstore/command/",
    }
    for name, path in pages.items():
        page.goto(f"{url}{path}")
        page.screenshot(path=shots / f"{name}.png")
