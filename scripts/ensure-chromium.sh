#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (Playwright cannot download its own here):
# install it with apt-get when it is missing and we are root.
set -euo pipefail
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian's chromium for the browser tests"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "Chromium is missing: install Debian's 'chromium' package (as root: apt-get install chromium)" >&2
  exit 1
fi
