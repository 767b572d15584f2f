#!/usr/bin/env bash
# test.sh - install what is missing, build, and run the whole test suite,
# then again with AddressSanitizer and UndefinedBehaviorSanitizer
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/test.sh [--no-sanitize] [meson test arguments...]
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
# shellcheck source=setup.sh
source build-aux/setup.sh
catd_setup

sanitize=1
if [[ "${1:-}" == "--no-sanitize" ]]; then
  sanitize=0
  shift
fi

configure () {
  local dir=$1; shift
  if [[ -f "$dir/build.ninja" ]]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

passed=0
failed=0
count_results () {
  # meson's own log: one JSON object per test.
  local log=$1/meson-logs/testlog.json
  [[ -f "$log" ]] || return 0
  local counts
  counts=$(/usr/bin/python3 - "$log" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1], encoding="utf-8"):
    result = json.loads(line).get("result")
    if result in ("OK", "EXPECTEDFAIL", "SKIP"):
        ok += 1
    else:
        bad += 1
print(ok, bad)
PY
)
  passed=$((passed + ${counts% *}))
  failed=$((failed + ${counts#* }))
}

status=0

echo "== build and test (build/)"
configure build
ninja -C build
meson test -C build --print-errorlogs --num-processes 2 "$@" || status=1
count_results build

if [[ $sanitize -eq 1 ]]; then
  echo "== build and test with -Db_sanitize=address,undefined (build-asan/)"
  configure build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
  ninja -C build-asan
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
  LSAN_OPTIONS=suppressions=$top/build-aux/lsan.supp:print_suppressions=0 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    meson test -C build-asan --print-errorlogs --num-processes 2 \
      --timeout-multiplier 3 "$@" || status=1
  count_results build-asan
fi

echo "tests: $passed passed, $failed failed"
exit $status
