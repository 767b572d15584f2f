#!/usr/bin/env bash
# demo.sh - install what is missing, build, and open the station on the demo election
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Opens `catd-station --demo`: a fresh data folder with the demo election
# (data/demo/catalog.json), one user per role (logins and PINs on the login
# screen), SANE's test and pnm scanners with synthetic actas, and a local
# catd-central it uploads to. Without a display (or with --cli) it runs the
# scripted election night through catdctl instead (build-aux/demo-night.sh).
#
# Usage: build-aux/demo.sh [--cli] [DATA_DIR]   (default: a fresh temporary folder)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
# shellcheck source=setup.sh
source build-aux/setup.sh
catd_setup

cli=0
if [[ "${1:-}" == "--cli" ]]; then
  cli=1
  shift
fi

if [[ ! -f build/build.ninja ]]; then
  meson setup build >/dev/null
fi
ninja -C build >/dev/null

if [[ $cli -eq 0 && -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  echo "demo: no display to open the station on; running the scripted night instead" >&2
  cli=1
fi

if [[ $cli -eq 1 ]]; then
  work=$(mktemp -d -t catd-demo-XXXXXX)
  exec build-aux/demo-night.sh "${1:-$work/station}" "$work"
fi

args=(--demo)
[[ -n "${1:-}" ]] && args+=(--data-dir "$1")
exec build/src/catd-station "${args[@]}"
