#!/usr/bin/env bash
# setup.sh - install what building and testing CATD Station needs (Debian 12)
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sourced or run by demo.sh and test.sh. Installs only the packages that are
# missing, so a second run costs one dpkg-query. Needs root (or sudo) only
# when something is missing.
set -euo pipefail

CATD_PACKAGES=(
  # build
  gcc meson ninja-build pkg-config python3
  # libcatd
  libglib2.0-dev libjson-glib-dev libsqlite3-dev libtiff-dev libcrypt-dev tzdata
  # synthetic actas (cairo, QR labels and a font to write them with); zbar reads QR back
  libcairo2-dev libqrencode-dev fonts-dejavu-core libzbar-dev
  # scanning: SANE (its test and pnm backends are in libsane1), scanimage for the benchmark
  libsane-dev libsane1 sane-utils
  # the central site (catd-central): libsoup's server, TLS through glib-networking
  libsoup-3.0-dev glib-networking
  # tests and tools used by them (curl and openssl: the central site's tests)
  libtiff-tools sqlite3 time curl openssl
)

catd_missing_packages () {
  local missing=()
  local pkg status
  for pkg in "${CATD_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
  done
  echo "${missing[@]:-}"
}

catd_setup () {
  local missing
  missing=$(catd_missing_packages)
  [[ -z "$missing" ]] && return 0

  echo "setup: installing: $missing" >&2
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then
      sudo="sudo"
    else
      echo "setup: these packages are missing and this user cannot install them: $missing" >&2
      return 1
    fi
  fi
  # A failed update (a mirror down) must not hide an install that would work
  # from the lists already on the machine.
  $sudo apt-get update -q || echo "setup: apt-get update failed; trying the lists present" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  catd_setup
fi
