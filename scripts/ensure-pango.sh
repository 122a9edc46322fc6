#!/usr/bin/env bash
# The PDF export (WeasyPrint) needs Pango and its fonts: install Debian's packages with apt-get
# when the library is missing and we are root.
set -euo pipefail
has_pango() {
  ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' && fc-list 2>/dev/null | grep -qi dejavu
}
has_pango && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Pango and fonts for the PDF export"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
    libharfbuzz-subset0 fonts-dejavu-core >/dev/null
fi
if ! has_pango; then
  echo "Pango is missing: the PDF export needs it (as root: apt-get install libpango-1.0-0" \
       "libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)" >&2
  exit 1
fi
