#!/usr/bin/env bash
# Installs every system package sigverify needs on Debian/Ubuntu. Idempotent and quiet when
# everything is present already.
set -euo pipefail
# chromium and chromium-driver: the console's browser tests (ConsoleTests) drive headless Chromium.
packages=(pkg-config libpq-dev libpng-dev libdeflate-dev libjpeg-dev libtiff-dev libopenblas-dev libfreetype-dev fonts-dejavu-core postgresql pgbouncer
          chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if ! command -v swift >/dev/null 2>&1; then
    echo "setup-deps: no Swift toolchain on PATH (Swift 6 is required: https://www.swift.org/install)" >&2
    exit 1
fi
