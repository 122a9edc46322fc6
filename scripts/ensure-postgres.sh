#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at TEST_POSTGRES_URL (default 127.0.0.1:5432, user
# postgres): starts the machine's cluster if it is installed but stopped. The tests create and
# drop their own throwaway database on it.
set -uo pipefail
host="${TEST_POSTGRES_HOST:-127.0.0.1}"
port="${TEST_POSTGRES_PORT:-5432}"
ready() { pg_isready -q -h "$host" -p "$port" 2>/dev/null; }
ready && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "==> starting the local PostgreSQL cluster"
  for version in /etc/postgresql/*; do
    pg_ctlcluster --skip-systemctl-redirect "$(basename "$version")" main start 2>/dev/null || true
  done
  for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
fi
echo "PostgreSQL does not answer at $host:$port; set TEST_DATABASES=sqlite to test on SQLite only" >&2
exit 1
