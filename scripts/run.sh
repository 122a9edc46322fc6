#!/usr/bin/env bash
# Installs what is missing, migrates the database and serves the app on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/ensure-pango.sh
.venv/bin/alembic upgrade head
exec .venv/bin/uvicorn backend.main:create_app --factory \
  --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}" --no-access-log "$@"
