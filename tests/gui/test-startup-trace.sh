#!/bin/sh
# test-startup-trace.sh - the marks build-aux/bench.sh's start-up measure reads still come
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage (under tests/gui/run-gui.sh): test-startup-trace.sh CATD-GUI-BENCH CATD-BARE-WINDOW
#
# One run of the start-up measure on a small station: catd-station started
# with CATD_STATION_TRACE=1 must print first-frame and login-ready, take the
# login typed through XTest (sign-in, signed-in) and show a capturista's
# acta in the capture form (capture-ready); catd-gui-bench fails if a mark
# never comes. Not a timing: the figures are the benchmark's.
set -eu
gui_bench=$1
bare_window=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$gui_bench" station --dir "$dir/station" --catalog "$CATD_TOP_SRCDIR/data/demo/catalog.json" \
  --imaged 1
"$gui_bench" startup --dir "$dir/station" --station "$CATD_STATION" --bare "$bare_window" \
  --runs 1 --warmup 0 --login cap1 > "$dir/out.txt"
for key in first_frame_ms login_ready_ms pin_ms signed_in_to_form_ms capture_ready_ms \
           bare_first_frame_ms; do
  if ! grep -q "^gui.start.$key [0-9]" "$dir/out.txt"; then
    echo "no gui.start.$key in the start-up measure's output:" >&2
    cat "$dir/out.txt" >&2
    exit 1
  fi
done
