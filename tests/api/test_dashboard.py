"""The ops dashboard over a real hub: sign-in, pages, CSRF, confirmation, every action.

Dead letters and exceptions come from injected failures through the engine's own code: the
``web`` sandbox refuses a SKU (a push rejected item), and a webhook the connector cannot
translate gives up in the inbox. The browser version of the main journeys is in
``test_dashboard_browser.py``.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import typer
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from connectors.custom.protocol import DELIVERY_HEADER, SIGNATURE_HEADER, signature
from hub.api import create_app
from hub.api.auth import COOKIE
from hub.events import parse_event
from hub.ledger import apply_batch
from hub.models import DeadLetter, ExceptionRecord, InboxMessage, PushOutbox
from hub.ops.overview import overview
from hub.store.types import utcnow
from hub.sync import inbox
from hub.sync.push import push_channel
from tests.api.conftest import OPS_TOKEN, READ_TOKEN
from tests.conftest import _postgres_engine, _sqlite_engine
from tests.engine.conftest import SECRET
from tests.helpers import apply

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def engine(sqlite_template, tmp_path):
    """SQLite only: these tests are about pages; the queries they share run on both backends
    in the API and engine suites, and ``TestOverviewQueries`` runs on PostgreSQL too."""
    eng = _sqlite_engine(sqlite_template, tmp_path)
    yield eng
    eng.dispose()


# --- injected failures, shared with the browser tests -------------------------------------


def adjust(n: int, sku: str, delta: int, location: str = "dc"):
    return parse_event({"id": f"dash/adj/{n}", "type": "stock.adjusted", "source": "ops",
                        "occurred_at": "2026-11-22T10:00:00Z",
                        "data": {"sku": sku, "location": location, "delta": delta,
                                 "reason": "cycle count fix"}})  # fmt: skip


def rejected_push(hub, sandboxes, sku: str = "SKU-001") -> int:
    """The web sandbox refuses ``sku``: the push run dead-letters it. Returns the letter's id."""
    sandboxes["web"].reject_skus = {sku}
    apply_batch(hub.engine, [adjust(1, "SKU-000", 5), adjust(2, sku, 6)])
    run = push_channel(hub, "web")
    assert run.rejected == 1, run
    (letter_id,) = run.dead_letters
    return letter_id


def untranslatable_webhook(hub, post) -> int:
    """A signed webhook whose delta is not a number: processing it gives up into a dead letter
    (and an ``inbox_failed`` exception). ``post(path, body, headers)`` delivers it."""
    bad = {"id": "pos/sale/bad", "type": "stock.adjusted", "source": "pos",
           "occurred_at": "2026-11-22T10:07:00Z",
           "data": {"sku": "SKU-002", "location": "shop", "delta": "three", "reason": "sale"}}
    body = json.dumps(bad).encode()
    post("/webhooks/pos", body, {SIGNATURE_HEADER: signature(body, SECRET),
                                 DELIVERY_HEADER: "d-bad", "Content-Type": "application/json"})
    with hub.session() as session:
        (row,) = session.exec(select(InboxMessage)).all()
    assert inbox.process(hub, [row.id]).dead == [row.id]
    with hub.session() as session:
        record = session.exec(select(ExceptionRecord)
                              .where(ExceptionRecord.kind == "inbox_failed")).one()
    return record.id  # fmt: skip


# --- client helpers -------------------------------------------------------------------------


@pytest.fixture
def app(api_hub):
    return create_app(api_hub, publish=False)


@pytest.fixture
def browser(app):
    """A client that keeps cookies and does not follow redirects (so they can be checked)."""
    with TestClient(app, follow_redirects=False) as client:
        yield client


def sign_in(client: TestClient, token: str = OPS_TOKEN, next_: str = "/"):
    page = client.get("/login", params={"next": next_})
    return client.post("/login", data={"token": token, "csrf": csrf_of(page.text),
                                       "next": next_})  # fmt: skip


@pytest.fixture
def ops(browser):
    assert sign_in(browser).status_code == 303
    return browser


@pytest.fixture
def reader(browser):
    assert sign_in(browser, READ_TOKEN).status_code == 303
    return browser


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def act(client: TestClient, page: str, action: str, confirmed: bool = True, **fields: str):
    """Post ``action`` as the form on ``page`` would (CSRF from the page, confirmation given)."""
    token = csrf_of(client.get(page).text)
    data = {"csrf": token, **fields, **({"confirmed": "yes"} if confirmed else {})}
    return client.post(action, data=data)


def flash_after(client: TestClient, answer) -> str:
    """Follow an action's redirect and return the page, whose flash says what happened."""
    assert answer.status_code == 303, answer.text
    return client.get(answer.headers["location"]).text


def letter(hub, letter_id: int) -> DeadLetter:
    with hub.session() as session:
        found = session.get(DeadLetter, letter_id)
    assert found is not None
    return found


# --- tests ----------------------------------------------------------------------------------


class TestSignIn:
    def test_pages_redirect_to_login_and_come_back_after_it(self, browser):
        answer = browser.get("/dead-letters?channel=web")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?next=%2Fdead-letters%3Fchannel%3Dweb"
        signed = sign_in(browser, next_="/dead-letters?channel=web")
        assert signed.headers["location"] == "/dead-letters?channel=web"
        assert browser.get("/dead-letters?channel=web").status_code == 200

    def test_the_cookie_is_http_only_and_same_site_strict(self, browser):
        cookies = sign_in(browser).headers.get_list("set-cookie")
        (auth,) = [c for c in cookies if c.startswith(f"{COOKIE}=")]
        assert "HttpOnly" in auth and "SameSite=strict" in auth and "Path=/" in auth
        assert all("HttpOnly" in c and "SameSite=strict" in c for c in cookies)

    def test_a_wrong_token_is_refused_and_sets_nothing(self, browser):
        answer = sign_in(browser, "not-a-token")
        assert answer.status_code == 401 and "not a token of this hub" in answer.text
        assert COOKIE not in browser.cookies
        assert browser.get("/").status_code == 303

    def test_login_needs_its_own_form(self, browser):
        answer = browser.post("/login", data={"token": OPS_TOKEN, "csrf": "forged", "next": "/"})
        assert answer.status_code == 400 and COOKIE not in browser.cookies

    def test_next_never_leaves_the_site(self, browser):
        for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example",
                       "javascript:alert(1)", "/login?next=/"):  # fmt: skip
            assert sign_in(browser, next_=target).headers["location"] == "/", target

    def test_logout_forgets_the_token(self, ops):
        answer = ops.post("/logout", data={"csrf": csrf_of(ops.get("/").text)})
        assert answer.headers["location"] == "/login"
        assert ops.get("/").status_code == 303

    def test_a_bearer_header_works_without_the_cookie(self, browser):
        page = browser.get("/channels", headers={"Authorization": f"Bearer {READ_TOKEN}"})
        assert page.status_code == 200 and "read-only" in page.text

    def test_a_rotated_token_sends_the_person_back_to_login(self, ops, api_hub):
        ops.app.state.tokens = type(ops.app.state.tokens)(act="new-ops-token", read="")
        answer = ops.get("/")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")

    def test_with_no_token_configured_the_login_page_says_what_to_set(self, browser):
        browser.app.state.tokens = type(browser.app.state.tokens)(act="", read="")
        assert "STOCKHUB_OPS_TOKEN" in browser.get("/login").text


class TestPages:
    PAGES = ["/", "/dead-letters", "/exceptions", "/stock", "/stock?q=SKU", "/stock/SKU-001",
             "/returns", "/channels"]  # fmt: skip

    def test_every_page_renders_with_security_headers(self, ops, api_hub, sandboxes):
        rejected_push(api_hub, sandboxes)
        for path in self.PAGES:
            answer = ops.get(path)
            assert answer.status_code == 200, (path, answer.text)
            assert "text/html" in answer.headers["content-type"]
            assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
            assert answer.headers["x-frame-options"] == "DENY"
            assert answer.headers["cache-control"] == "no-store"

    def test_the_assets_are_served(self, browser):
        assert "confirm(" in browser.get("/assets/dashboard.js").text
        assert browser.get("/assets/dashboard.css").headers["content-type"].startswith("text/css")
        assert browser.get("/assets/..%2F__init__.py").status_code == 404

    def test_the_overview_shows_health_latency_problems_and_stuck_work(self, ops, api_hub,
                                                                       sandboxes):  # fmt: skip
        rejected_push(api_hub, sandboxes)
        apply_batch(api_hub.engine, [adjust(3, "SKU-003", 2)])  # owed to web, not yet pushed
        with api_hub.session() as session:
            for row in session.exec(select(PushOutbox).where(PushOutbox.channel == "web")):
                row.first_change_at = utcnow() - timedelta(hours=2)
                session.add(row)
        page = ops.get("/").text
        assert "1</span> open dead letters" in page
        assert "Changes for <strong>web</strong> have waited" in page
        assert re.search(r"<td class=\"num\">\d+ ms</td>", page)  # p50 of the accepted push
        assert 'http-equiv="refresh"' in page

    def test_unknown_records_and_bad_filters_are_pages_not_json(self, ops):
        missing = ops.get("/dead-letters/999")
        assert missing.status_code == 404 and "no dead letter 999" in missing.text
        assert ops.get("/dead-letters/abc").status_code == 422
        bad = ops.get("/dead-letters?status=everything")
        assert bad.status_code == 422 and "unknown status" in bad.text
        assert ops.get("/exceptions?status=nope").status_code == 422
        assert ops.get("/stock/NOPE").status_code == 404

    def test_everything_shown_is_escaped(self, ops, api_hub):
        from hub.exception_log import record_exception

        with api_hub.session() as session:
            record_exception(session, kind="invalid_event", subject="sku:<b>x</b>",
                             message='<script>alert("x")</script>',
                             details={"raw": "<img src=x onerror=alert(1)>"})  # fmt: skip
        listing = ops.get("/exceptions").text
        assert "<script>alert" not in listing and "&lt;script&gt;alert" in listing
        record_id = re.search(r'data-id="(\d+)"', listing).group(1)
        detail = ops.get(f"/exceptions/{record_id}").text
        assert "<img src=x" not in detail and "&lt;img src=x" in detail
        assert "<b>x</b>" not in detail


class TestStockView:
    def test_search_goes_straight_to_an_exact_sku_and_lists_partial_matches(self, ops):
        assert ops.get("/stock?q=SKU-002").headers["location"] == "/stock/SKU-002"
        listing = ops.get("/stock?q=sku-00").text
        assert listing.count('href="/stock/SKU-00') == 5
        assert "No SKU matches" in ops.get("/stock?q=zz%25").text

    def test_a_sku_page_shows_buckets_atp_last_push_and_ledger(self, ops, api_hub, sandboxes):
        apply_batch(api_hub.engine, [adjust(1, "SKU-000", 7)])
        apply(api_hub, "pos/sale/1", "stock.adjusted", "pos", "10:05", sku="SKU-000",
              location="shop", delta=3, reason="store delivery")  # fmt: skip
        push_channel(api_hub, "web")
        page = ops.get("/stock/SKU-000").text
        assert re.search(r"<td>dc</td><td class=\"num\">7</td>", page)  # on_hand at dc
        assert re.search(r"<td>web</td>\s*<td class=\"num\">7</td>\s*<td class=\"num\">7</td>",
                         page)  # ATP now, and what web was last sent  # fmt: skip
        assert "never sent" in page  # pos was not pushed yet
        assert "store delivery" in page and "+3" in page  # the ledger entry
        assert "accepted" in page  # the push log


class TestCsrfAndConfirmation:
    def test_an_action_without_the_token_from_the_page_does_nothing(self, ops, api_hub,
                                                                     sandboxes):  # fmt: skip
        letter_id = rejected_push(api_hub, sandboxes)
        url = f"/dead-letters/{letter_id}/discard"
        for data in ({"reason": "x", "confirmed": "yes"},
                     {"reason": "x", "confirmed": "yes", "csrf": "0" * 64}):  # fmt: skip
            answer = ops.post(url, data=data)
            assert answer.status_code == 403 and "This form has expired" in answer.text
        assert letter(api_hub, letter_id).status == "open"

    def test_a_token_from_another_sign_in_does_not_work(self, app, ops, api_hub, sandboxes):
        letter_id = rejected_push(api_hub, sandboxes)
        stale = csrf_of(ops.get("/").text)
        with TestClient(app, follow_redirects=False) as other:
            sign_in(other)
            answer = other.post(f"/dead-letters/{letter_id}/discard",
                                data={"csrf": stale, "reason": "x", "confirmed": "yes"})
        assert answer.status_code == 403 and letter(api_hub, letter_id).status == "open"

    def test_without_javascript_the_server_asks_first(self, ops, api_hub, sandboxes):
        letter_id = rejected_push(api_hub, sandboxes)
        page = f"/dead-letters/{letter_id}"
        question = act(ops, page, f"{page}/discard", confirmed=False, reason="SKU delisted")
        assert question.status_code == 200 and "Please confirm" in question.text
        assert 'name="confirmed" value="yes"' in question.text
        assert 'name="reason" value="SKU delisted"' in question.text
        assert letter(api_hub, letter_id).status == "open"  # nothing done yet
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', question.text))
        done = ops.post(f"{page}/discard", data=fields)
        assert "discarded" in flash_after(ops, done)
        assert letter(api_hub, letter_id).status == "discarded"

    def test_every_action_form_asks_for_confirmation(self, ops, api_hub, sandboxes):
        letter_id = rejected_push(api_hub, sandboxes)
        for page in ("/dead-letters", f"/dead-letters/{letter_id}", "/exceptions", "/channels"):
            html = ops.get(page).text
            forms = re.findall(r'<form method="post" action="([^"]+)"([^>]*)>', html)
            actions = [(url, rest) for url, rest in forms if url != "/logout"]
            assert actions, page
            assert all("data-confirm=" in rest for _, rest in actions), page

    def test_the_read_token_sees_no_actions_and_may_not_act(self, reader, api_hub, sandboxes):
        letter_id = rejected_push(api_hub, sandboxes)
        page = reader.get(f"/dead-letters/{letter_id}").text
        assert f"/dead-letters/{letter_id}/replay" not in page and "read token" in page
        answer = reader.post(f"/dead-letters/{letter_id}/replay",
                             data={"csrf": csrf_of(page), "confirmed": "yes"})
        assert answer.status_code == 403 and "may only read" in answer.text
        assert letter(api_hub, letter_id).status == "open"

    def test_an_action_without_a_token_goes_to_login(self, browser, api_hub, sandboxes):
        letter_id = rejected_push(api_hub, sandboxes)
        answer = browser.post(f"/dead-letters/{letter_id}/replay", data={"confirmed": "yes"})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


class TestDeadLetterActions:
    def test_list_filters_and_detail(self, ops, api_hub, sandboxes, client):
        push_letter = rejected_push(api_hub, sandboxes)
        untranslatable_webhook(api_hub, lambda p, b, h: client.post(p, content=b, headers=h))
        everything = ops.get("/dead-letters").text
        assert everything.count("<tr data-id=") == 2
        only_push = ops.get("/dead-letters?task=push&channel=web").text
        assert only_push.count("<tr data-id=") == 1 and "sku:SKU-001" in only_push
        assert ops.get("/dead-letters?task=pull").text.count("<tr data-id=") == 0
        detail = ops.get(f"/dead-letters/{push_letter}").text
        for needle in ("web refused SKU-001=6", "Rejected", "Traceback", "&#34;skus&#34;",
                       "Attempts"):  # fmt: skip
            assert needle in detail

    def test_replay_after_the_fault_is_fixed_resolves_it(self, ops, api_hub, sandboxes):
        letter_id = rejected_push(api_hub, sandboxes)
        sandboxes["web"].reject_skus = set()
        page = f"/dead-letters/{letter_id}"
        after = flash_after(ops, act(ops, page, f"{page}/replay"))
        assert "pushed 1 SKU(s) to web" in after
        assert letter(api_hub, letter_id).status == "resolved"
        assert sandboxes["web"].stock_levels()[("SKU-001", "dc")] == 6

    def test_replay_that_fails_again_says_so(self, ops, api_hub, sandboxes):
        letter_id = rejected_push(api_hub, sandboxes)
        page = f"/dead-letters/{letter_id}"
        flash_after(ops, act(ops, page, f"{page}/replay"))
        assert letter(api_hub, letter_id).status == "open"  # refused again: back in the queue
        again = act(ops, page, f"{page}/replay")  # still active, so it may be replayed again
        assert again.status_code == 303

    def test_edit_then_replay(self, ops, api_hub, sandboxes, client):
        untranslatable_webhook(api_hub, lambda p, b, h: client.post(p, content=b, headers=h))
        (found,) = [d for d in _letters(api_hub) if d.task == "inbox"]
        payload = dict(found.payload)
        page = f"/dead-letters/{found.id}"
        broken = act(ops, page, f"{page}/edit", payload="{not json", replay="yes")
        assert "the payload is not JSON" in flash_after(ops, broken)
        payload["body"]["data"]["delta"] = 3
        fixed = act(ops, page, f"{page}/edit", payload=json.dumps(payload), replay="yes")
        assert "payload saved; processed 1 inbox record(s)" in flash_after(ops, fixed)
        view = ops.get("/stock/SKU-002").text
        assert re.search(r"<td>shop</td><td class=\"num\">3</td>", view)

    def test_discard_needs_a_reason(self, ops, api_hub, sandboxes):
        letter_id = rejected_push(api_hub, sandboxes)
        page = f"/dead-letters/{letter_id}"
        assert "a reason is required" in flash_after(ops, act(ops, page, f"{page}/discard",
                                                              reason=" "))  # fmt: skip
        assert "discarded" in flash_after(ops, act(ops, page, f"{page}/discard",
                                                   reason="SKU delisted on web"))  # fmt: skip
        assert letter(api_hub, letter_id).note == "discarded: SKU delisted on web"
        assert "/discard" not in ops.get(page).text  # closed: no more actions

    def test_replay_all_filtered(self, ops, api_hub, sandboxes, client):
        push_letter = rejected_push(api_hub, sandboxes)
        untranslatable_webhook(api_hub, lambda p, b, h: client.post(p, content=b, headers=h))
        sandboxes["web"].reject_skus = set()
        page = "/dead-letters?task=push"
        assert "Replay all 1 open matching" in ops.get(page).text
        answer = act(ops, page, "/dead-letters/replay", task="push", channel="")
        assert answer.headers["location"] == "/dead-letters?status=open&task=push"
        assert "replayed 1 of 1 dead letter(s)" in flash_after(ops, answer)
        statuses = {d.task: d.status for d in _letters(api_hub)}
        assert statuses == {"push": "resolved", "inbox": "open"}  # the filter held
        assert letter(api_hub, push_letter).status == "resolved"


class TestExceptionActions:
    def test_filter_acknowledge_and_resolve_with_a_note(self, ops, api_hub, sandboxes, client):
        rejected_push(api_hub, sandboxes)
        record_id = untranslatable_webhook(
            api_hub, lambda p, b, h: client.post(p, content=b, headers=h))
        assert ops.get("/exceptions").text.count("<tr data-id=") == 2
        only = ops.get("/exceptions?kind=inbox_failed").text
        assert only.count("<tr data-id=") == 1
        assert ops.get("/exceptions?channel=web").text.count("<tr data-id=") == 1
        page = f"/exceptions/{record_id}"
        flash_after(ops, act(ops, "/exceptions", f"{page}/acknowledge"))
        assert "acknowledged" in ops.get("/exceptions?status=acknowledged").text
        assert "a resolution needs a note" in flash_after(
            ops, act(ops, page, f"{page}/resolve", note="  "))
        done = act(ops, page, f"{page}/resolve", note="vendor fixed the <POS> export; replayed")
        detail = flash_after(ops, done)
        assert "resolved" in detail and "vendor fixed the &lt;POS&gt; export" in detail
        with api_hub.session() as session:
            record = session.get(ExceptionRecord, record_id)
        assert record.status == "resolved" and record.resolution_note.startswith("vendor fixed")
        assert ops.get("/exceptions").text.count("<tr data-id=") == 1

    def test_acknowledge_from_the_list_comes_back_to_the_list(self, ops, api_hub, sandboxes):
        rejected_push(api_hub, sandboxes)
        (record,) = _records(api_hub)
        answer = act(ops, "/exceptions?channel=web", f"/exceptions/{record.id}/acknowledge",
                     back="/exceptions?channel=web")  # fmt: skip
        assert answer.headers["location"] == "/exceptions?channel=web"
        evil = act(ops, "/exceptions", f"/exceptions/{record.id}/acknowledge",
                   back="https://evil.example/")  # fmt: skip
        assert evil.headers["location"] == f"/exceptions/{record.id}"


class TestChannels:
    def test_pause_with_a_reason_then_resume(self, ops, api_hub, sandboxes):
        paused = act(ops, "/channels", "/channels/web/pause", reason="vendor maintenance")
        assert "web: paused" in flash_after(ops, paused)
        page = ops.get("/channels").text
        assert "vendor maintenance" in page and "/channels/web/resume" in page
        apply_batch(api_hub.engine, [adjust(1, "SKU-000", 4)])
        resumed = act(ops, "/channels", "/channels/web/resume")
        assert "web: resumed; pushed 1 SKU(s)" in flash_after(ops, resumed)
        assert sandboxes["web"].stock_levels()[("SKU-000", "dc")] == 4

    def test_an_unknown_channel_is_a_message(self, ops):
        answer = act(ops, "/channels", "/channels/nope/pause", reason="x")
        assert "unknown channel &#39;nope&#39;" in flash_after(ops, answer)


class TestReturns:
    def test_returns_past_the_sla_are_in_limbo(self, ops, api_hub):
        for code, at in (("R-OLD", "2026-01-01T10:00:00Z"),
                         ("R-NEW", utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"))):  # fmt: skip
            apply(api_hub, f"{code}/received", "return.received", "pos", at, return_=code,
                  channel="pos", location="shop", lines=[{"sku": "SKU-000", "quantity": 1}])
        page = ops.get("/returns").text
        limbo, waiting = page.split('id="waiting"')
        assert "R-OLD" in limbo and "R-NEW" not in limbo and "R-NEW" in waiting
        with api_hub.session() as session:  # looking raised nothing
            assert session.exec(select(ExceptionRecord)).all() == []


class TestOverviewQueries:
    @pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
    def engine(self, request, sqlite_template, tmp_path):
        """Both backends here: the overview's own queries (ages, percentiles, counts)."""
        if request.param == "sqlite":
            eng = _sqlite_engine(sqlite_template, tmp_path)
        else:
            eng = _postgres_engine(request.getfixturevalue("postgres_database"))
        yield eng
        eng.dispose()

    def test_overview_data(self, engine_hub, sandboxes):
        rejected_push(engine_hub, sandboxes)
        apply_batch(engine_hub.engine, [adjust(3, "SKU-003", 2)])
        data = overview(engine_hub)
        web = next(c for c in data["channels"] if c["channel"] == "web")
        assert web["samples"] == 2 and 0 <= web["p50_ms"] <= web["p99_ms"]
        assert web["open_dead_letters"] == 1 and web["pending"] == 1 and not web["stuck"]
        later = overview(engine_hub, now=utcnow() + timedelta(hours=1))
        web = next(c for c in later["channels"] if c["channel"] == "web")
        assert web["stuck"] and 3500 < web["oldest_change_s"] < 3700 and web["samples"] == 0
        assert later["stuck"]["channels"] == ["web", "pos"]  # pos was never pushed at all
        assert data["dead_letters"] == {"open": 1, "replayed": 0, "by_channel": {"web": 1},
                                        "by_task": {"push": 1}}  # fmt: skip
        assert data["exceptions"]["by_kind"] == {"push_failed": 1}
        assert data["stuck"]["inbox"] == {"pending": 0, "oldest_s": None, "stuck": 0}
        json.dumps(data)  # plain data: what `stockhub overview --json` prints


def _letters(hub) -> list[DeadLetter]:
    with hub.session() as session:
        return list(session.exec(select(DeadLetter)))


def _records(hub) -> list[ExceptionRecord]:
    with hub.session() as session:
        return list(session.exec(select(ExceptionRecord)))


class TestCliOverview:
    """``stockhub overview``: the overview page's data on the command line (CLI parity)."""

    TOML = """\
[hub]
database_url = "sqlite:///{db}"
operators = ["ops"]

[[locations]]
code = "dc"
kind = "warehouse"
owner = "wms"

[[locations]]
code = "shop"
kind = "store"
owner = "pos"
{channels}"""
    CHANNEL = """
[[channels]]
code = "{code}"
connector = "custom"
locations = ["{where}"]
settings = {{ base_url = "http://sandbox.test/api", api_token = "${{SANDBOX_TOKEN}}", \
webhook_secret = "${{SANDBOX_WEBHOOK_SECRET}}" }}
"""

    def invoke(self, config, *args: str):
        from hub.cli.overview import overview as command

        cli = typer.Typer()

        @cli.callback()
        def root(ctx: typer.Context) -> None:  # what `stockhub --config` sets up
            ctx.obj = {"config": config}

        cli.command("overview")(command)
        result = CliRunner().invoke(cli, ["overview", *args])
        assert result.exit_code == 0, result.output
        return result.stdout

    def test_json_and_text(self, engine_hub, sandboxes, tmp_path):
        rejected_push(engine_hub, sandboxes)
        channels = "".join(self.CHANNEL.format(code=c, where=w) for c, w in (("web", "dc"),
                                                                              ("pos", "shop")))
        config = tmp_path / "stockhub.toml"
        config.write_text(self.TOML.format(db=tmp_path / "stockhub.db", channels=channels))
        data = json.loads(self.invoke(config, "--json"))
        assert data["dead_letters"]["open"] == 1
        assert [c["channel"] for c in data["channels"]] == ["web", "pos"]
        text = self.invoke(config)
        assert "dead letters open: 1" in text and "push_failed: 1" in text
