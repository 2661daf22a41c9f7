"""The one plugin manager: hookspecs, built-in plugins, installed connectors, start-up checks.

``get_plugin_manager()`` builds it once per process:

1. adds :mod:`hub.hookspecs`;
2. registers the hub's own plugins (:data:`BUILTIN_PLUGINS`) exactly as third-party ones;
3. loads the entry-point group ``stockhub.connectors`` (entry-point name = connector name);
   ``STOCKHUB_PLUGINS=shopify,amazon`` restricts that to an allow-list (empty: none);
4. refuses, before registering it, any plugin that implements an unknown hook, names an
   argument its hookspec lacks, or defines a ``stockhub_*`` function without ``@hookimpl``,
   with a message naming the plugin, the hook and the argument; then ``check_pending()``.

``STOCKHUB_TRACE_PLUGINS=1`` logs every hook call through structlog (pluggy's hook-call
monitoring): hook, implementing plugins, argument *names*, outcome and duration — never
argument values, so settings and secrets stay out of the logs.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from importlib.metadata import entry_points
from typing import Any

import pluggy
import structlog

from hub import hookspecs
from hub.errors import ConfigError

ENTRY_POINT_GROUP = "stockhub.connectors"
ALLOW_ENV = "STOCKHUB_PLUGINS"
TRACE_ENV = "STOCKHUB_TRACE_PLUGINS"

#: The hub's own plugins, registered like third-party ones. Connectors shipped in this
#: repository (``connectors/<name>``) are *not* listed here: they register through the
#: ``stockhub.connectors`` entry points in pyproject.toml, because hub never imports a connector.
BUILTIN_PLUGINS: tuple[str, ...] = ("hub.observers",)

_lock = threading.Lock()
_manager: pluggy.PluginManager | None = None


class PluginError(ConfigError):
    """Raised at start-up when a plugin cannot be loaded or breaks the hook contract."""

    kind = "plugin"


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, built and checked on first use."""
    global _manager
    with _lock:
        if _manager is None:
            _manager = make_plugin_manager()
        return _manager


def reset_plugin_manager() -> None:
    """Forget the process-wide manager (tests, or after installing a plugin at run time)."""
    global _manager
    with _lock:
        _manager = None


def make_plugin_manager(
    *,
    plugins: Mapping[str, Any] | None = None,
    load_entry_points: bool = True,
    environ: Mapping[str, str] | None = None,
) -> pluggy.PluginManager:
    """Build a checked plugin manager; ``plugins`` adds extra ``{name: module_or_object}``."""
    env = os.environ if environ is None else environ
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for module_name in BUILTIN_PLUGINS:
        register_plugin(pm, importlib.import_module(module_name), module_name)
    if load_entry_points:
        for name, plugin in _load_entry_points(allowed_plugins(env)):
            register_plugin(pm, plugin, name)
    for name, plugin in (plugins or {}).items():
        register_plugin(pm, plugin, name)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:  # pragma: no cover - register_plugin checks first
        raise PluginError(str(exc)) from exc
    if env.get(TRACE_ENV, "").lower() in ("1", "true", "yes"):
        enable_tracing(pm)
    return pm


def register_plugin(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    """Check a plugin against the hookspecs, then register it under ``name``."""
    problems = contract_problems(pm, plugin, name)
    if problems:
        raise PluginError(
            "\n".join(problems),
            fix="fix the hook names and arguments against hub/hookspecs.py (docs/plugins.md)",
            context={"plugin": name},
        )
    try:
        pm.register(plugin, name=name)
    except (pluggy.PluginValidationError, ValueError) as exc:
        raise PluginError(f"plugin {name!r}: {exc}", context={"plugin": name}) from exc


def contract_problems(pm: pluggy.PluginManager, plugin: Any, name: str) -> list[str]:
    """Every way ``plugin`` breaks the contract: unknown hooks or arguments, unmarked hooks."""
    problems = []
    for attr in dir(plugin):
        opts = pm.parse_hookimpl_opts(plugin, attr)
        if opts is None:
            if attr.startswith(f"{hookspecs.PROJECT}_") and callable(getattr(plugin, attr, None)):
                problems.append(
                    f"plugin {name!r}: function {attr!r} looks like a hook but is not "
                    "decorated with @hookimpl (from hub.hookspecs import hookimpl)"
                )
            continue
        hook_name = opts.get("specname") or attr
        caller = getattr(pm.hook, hook_name, None)
        if caller is None or not caller.has_spec():
            if not opts.get("optionalhook"):
                problems.append(f"plugin {name!r}: unknown hook {hook_name!r}{_suggest(hook_name)}")
            continue
        spec_args = tuple(caller.spec.argnames)
        for arg in _impl_args(getattr(plugin, attr)):
            if arg not in spec_args:
                problems.append(
                    f"plugin {name!r}: hook {hook_name!r} takes unknown argument {arg!r}; "
                    f"the hookspec offers: {', '.join(spec_args) or '(none)'}"
                )
    return problems


def allowed_plugins(environ: Mapping[str, str]) -> set[str] | None:
    """The ``STOCKHUB_PLUGINS`` allow-list, or ``None`` when every installed plugin may load."""
    if ALLOW_ENV not in environ:
        return None
    return {n.strip() for n in environ[ALLOW_ENV].split(",") if n.strip()}


def enable_tracing(pm: pluggy.PluginManager) -> Any:
    """Log every hook call via structlog; returns pluggy's undo function."""
    local = threading.local()  # a stack of start times per thread (hooks nest, threads interleave)

    def before(hook_name: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
        local.__dict__.setdefault("started", []).append(time.perf_counter())
        structlog.get_logger().debug(
            "hook.call", hook=hook_name, plugins=[i.plugin_name for i in impls], args=sorted(kwargs)
        )

    def after(
        outcome: Any, hook_name: str, impls: Sequence[Any], kwargs: Mapping[str, Any]
    ) -> None:
        started = local.__dict__.get("started") or [time.perf_counter()]
        elapsed = time.perf_counter() - started.pop()
        failed = outcome.exception
        structlog.get_logger().debug(
            "hook.done",
            hook=hook_name,
            ms=round(elapsed * 1000, 3),
            outcome="raised " + type(failed).__name__ if failed else "ok",
        )

    return pm.add_hookcall_monitoring(before, after)


def _load_entry_points(allowed: set[str] | None) -> Iterable[tuple[str, Any]]:
    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if allowed is not None:
        missing = sorted(allowed - set(found))
        if missing:
            raise PluginError(
                f"{ALLOW_ENV} names plugin(s) that are not installed: {', '.join(missing)}",
                fix=f"installed: {', '.join(sorted(found)) or '(none)'}",
            )
    for name in sorted(found):
        if allowed is not None and name not in allowed:
            continue
        try:
            plugin = found[name].load()
        except Exception as exc:
            raise PluginError(
                f"plugin {name!r} ({found[name].value}) failed to import: {exc}",
                fix="reinstall the plugin package or remove it",
                context={"plugin": name},
            ) from exc
        yield name, plugin


def _impl_args(func: Any) -> list[str]:
    params = inspect.signature(func).parameters.values()
    return [
        p.name
        for p in params
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("self", "cls")
    ]


def _suggest(hook_name: str) -> str:
    known = [h for h in dir(hookspecs) if h.startswith(f"{hookspecs.PROJECT}_")]
    close = difflib.get_close_matches(hook_name, known, n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; known hooks: {', '.join(known)}"
