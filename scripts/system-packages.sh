#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when they are missing.
# chromium drives the browser tests; fonts-noto-core gives it Arabic glyphs (Noto Sans Arabic);
# postgresql (Debian's, version 15 on bookworm) is the server of the PostgreSQL test pass, which
# starts a temporary cluster of its own (tests/postgres.py): the package's own cluster may stay
# down.
set -euo pipefail

packages=(openssl curl chromium fonts-noto-core postgresql)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
