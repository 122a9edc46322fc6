#!/usr/bin/env bash
# The whole check: lint, types, then the test suite (API, assistant, browser) on SQLite and
# PostgreSQL. Installs what it needs: .venv, Debian's chromium, a running PostgreSQL.
# Extra arguments go to pytest (e.g. scripts/test.sh -k scenes -x).
# TEST_DATABASES=sqlite skips PostgreSQL on a machine without it (never on CI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev

if [[ ",${TEST_DATABASES:-sqlite,postgresql}," == *",postgresql,"* ]]; then
  bash scripts/ensure-postgres.sh
fi
bash scripts/ensure-chromium.sh
bash scripts/ensure-pango.sh

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> mypy"
.venv/bin/mypy
echo "==> pytest"
# Two workers (TEST_WORKERS=0 runs in this process): most tests wait on a browser, a server or
# a subprocess, so two share the machine's cores well. A module's tests stay on one worker.
exec .venv/bin/pytest -n "${TEST_WORKERS:-2}" --dist loadscope "$@"
