#!/bin/sh
# Install stockhub into its own virtual environment and prove the result runs.
#
#   deploy/install.sh PREFIX [SOURCE]
#
# PREFIX: where the environment goes (the image uses /opt/stockhub; a VM install the same).
# SOURCE: the repository (default: the one this script is in) or a built wheel.
# PYTHON: the interpreter to build the environment from (default python3; needs >= 3.11).
# PIP_ARGS: extra arguments for pip install (e.g. --no-index --find-links /wheels).
#
# The container image runs exactly this (deploy/Dockerfile), and tests/deploy/test_install.py
# runs it into a temporary folder, so the image's install steps are exercised without an engine.
set -eu

PREFIX=${1:?usage: install.sh PREFIX [SOURCE]}
HERE=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
SOURCE=${2:-$(dirname -- "$HERE")}
PYTHON=${PYTHON:-python3}

say() { printf 'install: %s\n' "$*"; }

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    say "$PYTHON is $("$PYTHON" -V 2>&1); stockhub needs Python >= 3.11" >&2
    exit 2
}

say "virtual environment in $PREFIX"
"$PYTHON" -m venv "$PREFIX"
PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_NO_COMPILE=1 \
    "$PREFIX/bin/python" -m pip install --quiet ${PIP_ARGS:-} "$SOURCE"

say "health check command"
{
    printf '#!%s\n' "$PREFIX/bin/python"
    tail -n +2 "$HERE/healthcheck.py"
} > "$PREFIX/bin/stockhub-healthcheck"
chmod 0755 "$PREFIX/bin/stockhub-healthcheck"

say "byte-compiling (faster start, read-only file systems)"
"$PREFIX/bin/python" -m compileall -q -j 0 "$PREFIX/lib" >/dev/null

say "checking the installation"
# from a neutral folder, so the source tree cannot stand in for the installed package
cd /
"$PREFIX/bin/python" - <<'PY'
import importlib.metadata as md
import pathlib
import sys

import hub
import hub.store
import hub.worker.app

prefix = pathlib.Path(sys.prefix).resolve()
where = pathlib.Path(hub.__file__).resolve()
assert prefix in where.parents, f"hub imported from {where}, not from {prefix}"
migrations = pathlib.Path(hub.store.__file__).parent / "migrations"
assert any(migrations.rglob("*.py")), f"no Alembic migrations under {migrations}"
connectors = {ep.name for ep in md.entry_points(group="stockhub.connectors")}
assert "custom" in connectors, f"connector entry points missing: {sorted(connectors)}"
print(f"install: stockhub {md.version('stockhub')} in {prefix}, "
      f"connectors: {', '.join(sorted(connectors))}")
PY
"$PREFIX/bin/stockhub" --help >/dev/null
"$PREFIX/bin/stockhub" db --help >/dev/null
say "done"
