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
  # Deflate strips of the stored TIFFs compressed on every processor
  libdeflate-dev
  # SHA-256 of the images with the CPU's SHA instructions
  nettle-dev
  # synthetic actas (cairo, QR labels and a font to write them with); zbar reads QR back
  libcairo2-dev libqrencode-dev fonts-dejavu-core libzbar-dev
  # scanning: SANE (its test and pnm backends are in libsane1), scanimage for the benchmark
  libsane-dev libsane1 sane-utils
  # the central site (catd-central): libsoup's server, TLS through glib-networking
  libsoup-3.0-dev glib-networking
  # tests and tools used by them (curl and openssl: the central site's tests)
  libtiff-tools sqlite3 time curl openssl
  # the desktop station: GTK 4, its translations, desktop integration checks
  libgtk-4-dev gettext desktop-file-utils appstream libglib2.0-bin adwaita-icon-theme
  locales
  # GUI tests: an X server, a session bus, the accessibility stack, dogtail
  xvfb xauth dbus dbus-x11 at-spi2-core python3-pyatspi python3-dogtail python3-gi
  gir1.2-gtk-4.0 imagemagick
)

# CATD machines run es_MX.UTF-8; the tests check the Spanish screens in it.
catd_setup_locale () {
  if locale -a 2>/dev/null | grep -qi '^es_MX\.utf-\?8$'; then
    return 0
  fi
  local sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "setup: generating the es_MX.UTF-8 locale" >&2
  if [[ -f /etc/locale.gen ]] && grep -q '^# *es_MX.UTF-8' /etc/locale.gen; then
    $sudo sed -i 's/^# *\(es_MX.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  elif ! grep -q '^es_MX.UTF-8' /etc/locale.gen 2>/dev/null; then
    echo 'es_MX.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
  fi
  $sudo locale-gen >/dev/null
}

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
  if [[ -z "$missing" ]]; then
    catd_setup_locale
    return 0
  fi

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
  catd_setup_locale
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  catd_setup
fi
