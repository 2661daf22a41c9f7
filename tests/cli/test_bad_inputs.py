"""Bad inputs get precise errors naming the field, are kept in the exception log, change nothing."""

from __future__ import annotations

import json

from sqlmodel import Session, create_engine, select

from hub.models import EventRecord, ExceptionRecord
from tests.cli.conftest import run

GOOD_COUNT = {
    "id": "wms/1",
    "type": "stock.counted",
    "source": "wms",
    "occurred_at": "2026-11-22T06:00:00Z",
    "data": {
        "sku": "TEE-RED-M",
        "location": "dc-east",
        "as_of": "2026-11-22T06:00:00Z",
        "quantities": {"on_hand": 10},
    },
}


def adjusted(event_id: str, source: str = "wms", **data) -> dict:
    base = {"sku": "TEE-RED-M", "location": "dc-east", "delta": -1, "reason": "sale"}
    return {
        "id": event_id,
        "type": "stock.adjusted",
        "source": source,
        "occurred_at": "2026-11-22T10:00:00Z",
        "data": {**base, **data},
    }


BAD_LINES = [
    # (line text, expected status, expected field, words the message must contain)
    ('{"id": "broken/1", "type": "stock.adjusted", "source": ', "rejected", None, "malformed JSON"),
    (
        json.dumps({**adjusted("bad/type"), "type": "stock.teleported"}),
        "rejected",
        "type",
        "unknown event type",
    ),
    (
        json.dumps(
            {
                "id": "bad/qty",
                "type": "order.placed",
                "source": "shopify-us",
                "occurred_at": "2026-11-22T10:00:00Z",
                "data": {
                    "channel": "shopify-us",
                    "order": "9",
                    "lines": [{"line": "1", "sku": "TEE-RED-M", "quantity": -3}],
                },
            }
        ),
        "rejected",
        "data.lines[0].quantity",
        "greater than 0",
    ),
    (
        json.dumps(
            {
                **GOOD_COUNT,
                "id": "bad/count",
                "data": {**GOOD_COUNT["data"], "quantities": {"on_hand": -4}},
            }
        ),
        "rejected",
        "data.quantities.on_hand",
        "greater than or equal to 0",
    ),
    (
        json.dumps(adjusted("bad/location", location="dc-west")),
        "rejected",
        "data.location",
        "unknown location 'dc-west'",
    ),
    (
        json.dumps(adjusted("bad/sku", source="wms", sku="WMS-ITEM-404")),
        "parked",
        "data.sku",
        "'WMS-ITEM-404'",
    ),
    (
        json.dumps(
            {
                **GOOD_COUNT,
                "id": "bad/owner",
                "source": "shopify-us",
                "data": {**GOOD_COUNT["data"], "location": "3pl-shipbob"},
            }
        ),
        "rejected",
        "source",
        "does not own",
    ),
]


def test_each_bad_input_names_its_field_and_changes_no_stock(hub_dir, tmp_path):
    """Malformed JSON, unknown type, negative quantities, unknown location, unmapped SKU and a
    non-owner write are each reported precisely; stock is exactly what the good line made it."""
    workdir = hub_dir()
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(GOOD_COUNT) + "\n")
    run(workdir, "events", "post", str(good))
    before = run(workdir, "stock", "list", "--json").stdout

    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(text for text, *_ in BAD_LINES) + "\n")
    result = run(workdir, "events", "post", str(bad), "--json", expect=1)
    outcomes = json.loads(result.stdout)["events"]
    assert [o["line"] for o in outcomes] == list(range(1, len(BAD_LINES) + 1))
    for outcome, (_, status, field, words) in zip(outcomes, BAD_LINES, strict=True):
        assert outcome["status"] == status, outcome
        assert outcome.get("field") == field, outcome
        assert words in outcome["message"], outcome
        if status in ("rejected", "parked") and outcome.get("field"):
            assert outcome.get("fix") or status == "rejected", outcome

    assert run(workdir, "stock", "list", "--json").stdout == before

    engine = create_engine(f"sqlite:///{workdir.path / 'stockhub.db'}")
    with Session(engine) as session:
        problems = session.exec(select(ExceptionRecord)).all()
        kept = {r.key: r.status for r in session.exec(select(EventRecord))}
    engine.dispose()
    assert len(problems) == len(BAD_LINES)  # nothing dropped: every bad line is in the log
    assert kept["bad/sku"] == "parked" and kept["bad/owner"] == "rejected"
    assert any(p.details.get("raw", "").startswith('{"id": "broken/1"') for p in problems)


def test_human_output_names_line_field_and_fix(hub_dir, tmp_path):
    """Without --json, each problem is printed as file:line: status: field: message (fix)."""
    workdir = hub_dir()
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(adjusted("x", location="dc-west")) + "\n")
    result = run(workdir, "events", "post", str(bad), expect=1)
    assert "bad.jsonl:1: rejected: data.location: unknown location 'dc-west'" in result.stderr
    assert "stockhub.toml [[locations]]" in result.stderr
