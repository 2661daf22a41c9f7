"""The dashboard in a real headless Chromium: the journeys an on-call engineer makes.

Playwright drives the system Chromium (``$STOCKHUB_TEST_CHROMIUM``, default Debian's
``/usr/bin/chromium``) against the app served by uvicorn on a free port, over a real hub on
SQLite whose channels are sandboxes with injected faults. Screenshots go to
``$STOCKHUB_TEST_ARTIFACTS/dashboard/`` (default: a pytest temporary directory). Without
Chromium or Playwright the tests skip, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.api import create_app
from tests.api.conftest import OPS_TOKEN
from tests.api.server import serving
from tests.api.test_dashboard import adjust, rejected_push, untranslatable_webhook
from tests.conftest import _sqlite_engine, in_ci

CHROMIUM = os.environ.get("STOCKHUB_TEST_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 10_000


def unavailable(reason: str) -> None:
    message = f"dashboard browser tests need Chromium and Playwright: {reason}"
    if in_ci():
        pytest.fail(message + " (CI=true: install chromium and playwright)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        unavailable(f"no browser at {CHROMIUM} (apt-get install chromium, or set "
                    "STOCKHUB_TEST_CHROMIUM)")  # fmt: skip
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        unavailable(f"the playwright package is not installed ({exc})")
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        except Error as exc:
            unavailable(f"{CHROMIUM} did not start: {str(exc).splitlines()[0]}")
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = os.environ.get("STOCKHUB_TEST_ARTIFACTS")
    path = Path(root) / "dashboard" if root else tmp_path_factory.mktemp("artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def engine(sqlite_template, tmp_path):
    eng = _sqlite_engine(sqlite_template, tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def base_url(api_hub) -> Iterator[str]:
    with serving(create_app(api_hub, publish=False)) as url:
        yield url


@pytest.fixture
def page(chromium, base_url, artifacts, request):
    """A fresh browser tab; a test that fails leaves a screenshot of where it stopped."""
    context = chromium.new_context(base_url=base_url, viewport={"width": 1366, "height": 820})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    failed_before = request.session.testsfailed
    yield tab
    if request.session.testsfailed > failed_before:
        tab.screenshot(path=str(artifacts / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()


def sign_in(page) -> None:
    page.goto("/")
    page.wait_for_url(re.compile(r"/login\?next=%2F$"))
    page.fill("#token", OPS_TOKEN)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/$"))


def shot(page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def test_a_dead_letter_from_an_injected_failure_is_replayed_and_resolved(
    page, api_hub, sandboxes, artifacts
):
    from playwright.sync_api import expect

    letter_id = rejected_push(api_hub, sandboxes)  # the web sandbox refuses SKU-001
    sign_in(page)
    expect(page.locator(".card.bad").first).to_contain_text("1 open dead letters")
    shot(page, artifacts, "01-overview")

    page.click("header nav >> text=Dead letters")
    row = page.locator(f"#dead-letters tr[data-id='{letter_id}']")
    expect(row).to_contain_text("sku:SKU-001")
    expect(row).to_contain_text("web refused SKU-001=6")
    shot(page, artifacts, "02-dead-letters")

    row.locator("text=sku:SKU-001").click()
    expect(page.locator("h1")).to_contain_text(f"Dead letter #{letter_id}")
    expect(page.locator("pre.error-text")).to_contain_text("unknown item")
    shot(page, artifacts, "03-dead-letter")

    questions: list[str] = []
    page.once("dialog", lambda d: (questions.append(d.message), d.dismiss()))
    page.click("section.actions button:text('Replay')")
    assert questions == [f"Replay dead letter #{letter_id} (sku:SKU-001)?"]
    expect(page.locator("h1 .badge")).to_have_text("open")  # dismissed: nothing was done

    sandboxes["web"].reject_skus = set()  # the cause is fixed; now replay
    page.once("dialog", lambda d: d.accept())
    page.click("section.actions button:text('Replay')")
    expect(page.locator(".flash.ok")).to_contain_text("pushed 1 SKU(s) to web")
    expect(page.locator("h1 .badge")).to_have_text("resolved")
    expect(page.locator("dl.facts")).to_contain_text("a later push to web succeeded")
    shot(page, artifacts, "04-dead-letter-resolved")
    assert sandboxes["web"].stock_levels()[("SKU-001", "dc")] == 6


def test_an_exception_is_resolved_with_a_note(page, api_hub, base_url, artifacts):
    from playwright.sync_api import expect

    def post(path: str, body: bytes, headers: dict[str, str]) -> None:
        httpx.post(base_url + path, content=body, headers=headers).raise_for_status()

    record_id = untranslatable_webhook(api_hub, post)  # a real webhook over HTTP, then a worker
    sign_in(page)
    page.click("header nav >> text=Exceptions")
    page.select_option("#f-kind", "inbox_failed")
    page.click("form.filters button")
    row = page.locator(f"#exceptions tr[data-id='{record_id}']")
    expect(row).to_contain_text("inbox_failed")
    shot(page, artifacts, "05-exceptions")

    row.locator("text=Resolve…").click()
    page.fill("#note", "POS sent a text delta; vendor fixed the export, record replayed")
    page.once("dialog", lambda d: d.accept())
    page.click("form.resolve button")
    expect(page.locator(".flash.ok")).to_contain_text(f"exception #{record_id} resolved")
    expect(page.locator("h1")).to_contain_text("resolved")
    expect(page.locator("#resolution-note")).to_have_text(
        "POS sent a text delta; vendor fixed the export, record replayed")
    shot(page, artifacts, "06-exception-resolved")


def test_a_sku_page_shows_stock_and_what_each_channel_was_sent(page, api_hub, artifacts):
    from playwright.sync_api import expect

    from hub.ledger import apply_batch
    from hub.sync.push import push_channel

    apply_batch(api_hub.engine, [adjust(1, "SKU-000", 9), adjust(2, "SKU-000", -2)])
    push_channel(api_hub, "web")
    sign_in(page)
    page.fill("header .search input", "SKU-000")
    page.press("header .search input", "Enter")
    page.wait_for_url(re.compile(r"/stock/SKU-000$"))
    expect(page.locator("h1")).to_contain_text("SKU-000")
    expect(page.locator("#locations tr", has_text="dc")).to_contain_text("7")
    web = page.locator("#channels tr", has_text="web")
    expect(web.locator("td").nth(1)).to_have_text("7")  # ATP now
    expect(web.locator("td").nth(2)).to_have_text("7")  # last sent
    expect(web).to_contain_text("current")
    expect(page.locator("#channels tr", has_text="pos")).to_contain_text("never sent")
    expect(page.locator("#ledger tbody tr")).to_have_count(2)
    expect(page.locator("#pushes")).to_contain_text("accepted")
    shot(page, artifacts, "07-sku")
