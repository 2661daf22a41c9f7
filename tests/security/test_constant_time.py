"""Secrets are compared in constant time, everywhere.

A scan of the code (AST) fails on any ``==`` / ``!=`` whose operands name a signature, token,
HMAC, digest or secret — the comparison that leaks, byte by byte, how much of a forgery was
right. ``ALLOWED`` lists the comparisons that only look like one, each with its reason. Then
every connector's verifier is run on a genuine delivery with ``hmac.compare_digest`` spied on:
it must be what decided.
"""

from __future__ import annotations

import ast
import hmac
import re
from pathlib import Path

import pytest

from hub.connector import WebhookRequest
from tests.fuzz.targets import CONNECTORS, fresh_square_notification, target

ROOT = Path(__file__).resolve().parents[2]
SECRET_NAME = re.compile(r"signature|token|hmac|secret|digest|password|passwd|api_?key|sig\b",
                         re.IGNORECASE)  # fmt: skip
#: (file, source of the comparison) → why it is not a secret comparison.
ALLOWED: dict[tuple[str, str], str] = {
    ("connectors/amazon/auth.py", "token.value == value"):
        "cache bookkeeping: both are the hub's own token (is the cached one still that one?)",
    ("connectors/square/client.py", "token != self.merchant.access_token"):
        "both are the hub's own tokens: is a refreshed token in use (to redact it as well)?",
    ("connectors/shipbob/pull.py", "(seen.get(key) or [None])[0] == digest"):
        "a digest of stock quantities for deduplication, not a secret",
    ("hub/ledger/apply.py", "record.payload_hash != digest"):
        "the idempotency check of an event's content, not a secret",
}  # fmt: skip
#: Vendor emulators stand in for the vendor (tests, `stockhub sandbox`); not the hub's checks.
EMULATORS = re.compile(r"^connectors/[^/]+/sandbox[^/]*\.py$")


def _names(node: ast.AST) -> list[str]:
    """Identifiers and string keys an operand is built from (``x.token``, ``d["secret"]``)."""
    found = []
    for part in ast.walk(node):
        if isinstance(part, ast.Name):
            found.append(part.id)
        elif isinstance(part, ast.Attribute):
            found.append(part.attr)
        elif isinstance(part, ast.Constant) and isinstance(part.value, str):
            found.append(part.value)
    return found


def _suspicious(path: Path, root: Path = ROOT) -> list[tuple[str, int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    hits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        if not any(isinstance(op, ast.Eq | ast.NotEq) for op in node.ops):
            continue
        operands = [node.left, *node.comparators]
        if any(isinstance(o, ast.Constant) for o in operands):
            continue  # against a fixed literal: a presence check, a field or grant-type name
        if any(SECRET_NAME.search(name) for o in operands for name in _names(o)):
            source = ast.get_source_segment(path.read_text(encoding="utf-8"), node) or ""
            hits.append((str(path.relative_to(root)), node.lineno, source))
    return hits


def test_no_secret_is_compared_with_equals() -> None:
    files = sorted([*ROOT.glob("hub/**/*.py"), *ROOT.glob("connectors/**/*.py")])
    assert len(files) > 50
    found = [hit for path in files for hit in _suspicious(path)
             if (hit[0], hit[2]) not in ALLOWED and not EMULATORS.match(hit[0])]  # fmt: skip
    assert not found, "compare secrets with hmac.compare_digest:\n" + "\n".join(
        f"  {file}:{line}: {source}" for file, line, source in found
    )


def test_the_scan_catches_a_plain_comparison(tmp_path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def ok(given, expected):\n    return given.signature == expected\n"
                     "def fine(kind):\n    return kind == 'literal_secret'\n")  # fmt: skip
    assert [line for _, line, _ in _suspicious(probe, tmp_path)] == [2]


@pytest.mark.parametrize("name", CONNECTORS)
def test_each_verifier_decides_with_compare_digest(name, monkeypatch) -> None:
    t = target(name)
    sample = t.samples[0]
    body = fresh_square_notification(sample.body) if name == "square" else sample.raw_body()
    genuine = t.signed(body, dict(sample.headers))
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert t.handle.verify_webhook(t.context(), genuine) is True
    assert calls, f"{name}: the signature was not compared with hmac.compare_digest"
    calls.clear()
    forged = WebhookRequest(genuine.body, {**genuine.headers, **{
        k: v[:-4] + "AAAA" for k, v in t.kit.sign_webhook(body, t.kit.settings).items()
        if "sig" in k.lower() or "hmac" in k.lower()}})  # fmt: skip
    assert t.handle.verify_webhook(t.context(), forged) is False
    assert calls, f"{name}: a forgery must be compared in constant time too"


def test_api_tokens_are_compared_with_compare_digest(monkeypatch) -> None:
    from hub.api.auth import Scope, Tokens

    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    tokens = Tokens(act="ops-secret-1", read="read-secret-2")
    assert tokens.scope_of("ops-secret-1") is Scope.ACT
    assert tokens.scope_of("read-secret-2") is Scope.READ
    assert tokens.scope_of("ops-secret-X") is None
    assert len(calls) == 6, "both tokens are checked every time (no early exit)"
