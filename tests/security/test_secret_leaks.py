"""Secrets never reach logs, errors, dead-letter views, the dashboard, the CLI or /metrics.

Every secret is configured with a recognisable value (a canary), real flows run — a signed
webhook applied by the worker path, a push the vendor refuses with 401 that gives up into a
dead letter and pauses the channel, API calls carrying the tokens, configuration errors — and
everything a person or a machine could read afterwards is grepped for the canaries: the
rendered log lines (structlog, JSON), every HTTP answer, the dashboard pages, ``stockhub dlq
show --json`` and friends, the rows behind the dead-letter and exception views, and /metrics.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from connectors.custom.protocol import DELIVERY_HEADER, signature_headers
from hub.api import create_app
from hub.config import ApiSection, load_settings
from hub.errors import ConfigError
from hub.logs import configure_logging

CANARIES = {
    "SANDBOX_TOKEN": "CANARY-api-token-4f9e1b",  # the channel's vendor API token (refused: 401)
    "SANDBOX_WEBHOOK_SECRET": "CANARY-whsec-8a2c7d",  # the channel's webhook secret
    "STOCKHUB_OPS_TOKEN": "CANARY-ops-3b6e0f",
    "STOCKHUB_READ_TOKEN": "CANARY-read-9d4a51",
}
LITERALS = ("CANARY-literal-55aa1c", "CANARY-literal-66bb2d")  # typed into a config file
OPS = {"Authorization": f"Bearer {CANARIES['STOCKHUB_OPS_TOKEN']}"}


@pytest.fixture
def leaky_hub(engine_hub, monkeypatch):
    """The engine's test hub with every secret a canary; the vendor expects another token."""
    for name, value in CANARIES.items():
        monkeypatch.setenv(name, value)
    api = ApiSection(read_token="${STOCKHUB_READ_TOKEN}", max_body_bytes=64 * 1024)
    engine_hub.settings = engine_hub.settings.model_copy(update={"api": api})
    return engine_hub


def test_no_configured_secret_appears_anywhere(leaky_hub, capfd, monkeypatch, tmp_path):
    from hub.sync import inbox
    from hub.sync.deadletters import attempt
    from hub.sync.push import push_channel
    from hub.worker.tasks import give_up

    monkeypatch.chdir(tmp_path)
    configure_logging("json", "DEBUG")
    seen: list[str] = []
    client = TestClient(create_app(leaky_hub, publish=False), raise_server_exceptions=False)

    # a genuine webhook (signed with the canary secret), a forged one, and the worker path
    event = {"id": "pos/sale/1", "type": "stock.adjusted", "source": "pos",
             "occurred_at": "2026-11-22T10:00:00Z",
             "data": {"sku": "SKU-000", "location": "shop", "delta": 5,
                      "reason": "count"}}  # fmt: skip
    body = json.dumps(event).encode()
    headers = {**signature_headers(body, CANARIES["SANDBOX_WEBHOOK_SECRET"]),
               DELIVERY_HEADER: "leak-1"}  # fmt: skip
    answer = client.post("/webhooks/pos", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    seen.append(client.post("/webhooks/pos", content=body, headers={
        **headers, "X-Stockhub-Signature": "sha256=" + "0" * 64}).text)  # fmt: skip
    with leaky_hub.session() as session:
        ids = list(session.execute(sa.text("SELECT id FROM inbox_message")).scalars())
    assert inbox.process(leaky_hub, ids).dead == []

    # the push: the vendor answers 401 to the canary token; the task gives up as a worker would
    with pytest.raises(Exception) as refused:
        push_channel(leaky_hub, "pos")
    seen += [str(refused.value), repr(refused.value)]
    assert "401" in str(refused.value), refused.value
    give_up(leaky_hub, refused.value, kind="push", channel="pos", subject="channel:pos",
            payload={"channel": "pos"}, history=[attempt(refused.value)])  # fmt: skip

    # configuration errors: literal secrets in the file are refused without being echoed
    for text in (f'[api]\nops_token = "{LITERALS[0]}"\n',
                 '[[channels]]\ncode = "x"\nconnector = "custom"\n'
                 f'settings = {{api_token = "{LITERALS[1]}"}}\n'):  # fmt: skip
        path = tmp_path / "stockhub.toml"
        path.write_text(text)
        with pytest.raises(ConfigError) as bad:
            load_settings(path)
        seen += [str(bad.value), bad.value.message]

    # what ops reads: the API, the dashboard, /metrics
    letters = client.get("/api/v1/dead-letters?status=all", headers=OPS).json()
    assert letters, "the refused push must have given up into a dead letter"
    problems = client.get("/api/v1/exceptions?status=all", headers=OPS).json()
    for path in ["/api/v1/dead-letters?status=all", "/api/v1/exceptions?status=all",
                 "/api/v1/channels", "/api/v1/stock", "/metrics",
                 *[f"/api/v1/dead-letters/{x['id']}" for x in letters],
                 *[f"/api/v1/exceptions/{x['id']}" for x in problems]]:  # fmt: skip
        answer = client.get(path, headers=OPS)
        assert answer.status_code == 200, (path, answer.text)
        seen.append(answer.text)
    seen.append(client.get("/api/v1/channels", headers={"Authorization": "Bearer wrong"}).text)
    client.cookies.set("stockhub_token", CANARIES["STOCKHUB_OPS_TOKEN"])
    for path in ["/", "/dead-letters?status=all", "/exceptions?status=all", "/channels",
                 *[f"/dead-letters/{x['id']}" for x in letters],
                 *[f"/exceptions/{x['id']}" for x in problems]]:  # fmt: skip
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text[:300])
        seen.append(answer.text)
    client.cookies.clear()

    # the CLI twins, on the same hub
    from hub.cli import main

    monkeypatch.setattr("hub.cli.common.open_hub", lambda ctx, **kw: leaky_hub)
    for module in ("dlq", "exceptions", "channels"):
        monkeypatch.setattr(f"hub.cli.{module}.open_hub", lambda ctx, **kw: leaky_hub)
    for args in (["dlq", "list", "--status", "all", "--json"], ["exceptions", "list", "--json"],
                 ["channels", "list", "--json"],
                 *[["dlq", "show", str(x["id"]), "--json"] for x in letters],
                 *[["dlq", "show", str(x["id"])] for x in letters]):  # fmt: skip
        result = CliRunner().invoke(main.app, ["--config", str(tmp_path / "none.toml"), *args])
        assert result.exit_code == 0, (args, result.output, result.exception)
        seen.append(result.output)

    # the stored rows behind those views, and every rendered log line
    with leaky_hub.engine.connect() as connection:
        for table in ("dead_letter", "exception_record", "inbox_message", "channel_state"):
            seen.append(repr(connection.execute(sa.text(f"SELECT * FROM {table}")).all()))  # noqa: S608
    out, err = capfd.readouterr()
    seen += [out, err]
    assert "task.dead_letter" in err, "the give-up must have been logged"

    text = "\n".join(seen)
    for value in [*CANARIES.values(), *LITERALS]:
        for form in {value, quote(value, safe="")}:
            assert form not in text, f"secret {value!r} leaked:\n" + _around(text, form)


def _around(text: str, needle: str, width: int = 300) -> str:
    at = text.index(needle)
    return text[max(at - width, 0) : at + width]
