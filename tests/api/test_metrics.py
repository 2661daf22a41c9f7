"""``/metrics`` parses with Prometheus's own parser and moves as traffic flows."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from hub.sync.push import push_channel
from tests.api.conftest import OPS
from tests.api.test_api import dead_letter, sale


def scrape(client) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_counters_and_gauges_follow_the_traffic(client, api_hub):
    before = scrape(client)
    assert before[("stockhub_events_applied_total", ())] == 0
    assert before[("stockhub_queue_depth", (("channel", "pos"),))] == 0

    client.post("/api/v1/events", json=[sale(1, delta=5), sale(2, sku="SKU-001", delta=2)],
                headers=OPS)  # fmt: skip
    queued = scrape(client)
    assert queued[("stockhub_events_applied_total", ())] == 2
    by_type = (("status", "applied"), ("type", "stock.adjusted"))
    assert queued[("stockhub_events_total", by_type)] == 2
    assert queued[("stockhub_queue_depth", (("channel", "pos"),))] == 2

    push_channel(api_hub, "pos")
    pushed = scrape(client)
    assert pushed[("stockhub_queue_depth", (("channel", "pos"),))] == 0
    assert pushed[("stockhub_pushes_total", (("channel", "pos"), ("result", "accepted")))] == 2
    count = pushed[("stockhub_event_to_channel_latency_seconds_count", (("channel", "pos"),))]
    inf = pushed[("stockhub_event_to_channel_latency_seconds_bucket",
                  (("channel", "pos"), ("le", "+Inf")))]  # fmt: skip
    assert count == inf == 2

    dead_letter(client, api_hub)
    failing = scrape(client)
    assert failing[("stockhub_dead_letters_open", (("task", "inbox"),))] == 1
    assert failing[("stockhub_exceptions_open", (("kind", "inbox_failed"),))] == 1


def test_metrics_can_require_a_token(api_hub):
    from fastapi.testclient import TestClient

    from hub.api import create_app

    api = api_hub.settings.api.model_copy(update={"metrics_public": False})
    api_hub.settings = api_hub.settings.model_copy(update={"api": api})
    client = TestClient(create_app(api_hub, publish=False))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=OPS).status_code == 200
