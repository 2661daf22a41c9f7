"""The plugin reference stays complete: every hook documented in its spec and in docs/plugins.md."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from hub import hookspecs

DOCS = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
HOOKS = [name for name in dir(hookspecs) if name.startswith("stockhub_")]


def test_every_hook_is_classified() -> None:
    """Each hook is either a connector hook or an observer hook, never both or neither."""
    assert sorted(HOOKS) == sorted(hookspecs.CONNECTOR_HOOKS + hookspecs.OBSERVER_HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_signature_is_in_the_plugin_guide(hook: str) -> None:
    """docs/plugins.md has a section headed with the hook's exact signature."""
    args = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"#### `{hook}({args})`" in DOCS.read_text(), f"document {hook}({args}) in {DOCS}"


@pytest.mark.parametrize("hook", HOOKS)
def test_hookspec_documents_every_parameter_and_the_return(hook: str) -> None:
    """The spec's docstring has a summary, a :param: per argument and :return:."""
    func = getattr(hookspecs, hook)
    doc = inspect.getdoc(func) or ""
    assert doc.splitlines()[0].endswith("."), "one-line summary first"
    for arg in inspect.signature(func).parameters:
        assert f":param {arg}:" in doc, f"{hook}: document {arg}"
    assert ":return:" in doc
    opts = func.stockhub_spec
    assert opts["firstresult"] == (hook in hookspecs.CONNECTOR_HOOKS)
    if opts["firstresult"]:
        assert "Stops at first non-None result" in doc
    assert set(inspect.get_annotations(func)) >= set(inspect.signature(func).parameters) | {
        "return"
    }
