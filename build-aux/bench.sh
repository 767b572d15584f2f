#!/bin/bash
# bench.sh - the CATD Station benchmarks of issues 2, 3, 4 and 5
#
# Copyright 2026 The CATD Station authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: build-aux/bench.sh
#
# Measures, on a state-sized station (10,000 casillas x 3 elections = 30,000
# actas) in a scratch directory on the same disk as the build directory:
#   - commit latency of register, capture pass 1 and pass 2 through libcatd
#     in-process, p50 and p99, against a bare SQLite insert+commit with the
#     same pragmas (WAL, synchronous=FULL) taken just before each action, on
#     the empty station and again with it nearly full; and the fsyncs each
#     action costs;
#   - `catdctl register` as a whole process (start-up and yescrypt PIN check
#     included) against a process doing one bare insert+commit;
#   - `catdctl init` of the state catalog: seconds and peak memory;
#   - with every acta verified: `catdctl status` and
#     `catdctl export --format prep-csv` (all elections): time and peak memory,
#     and the upload queue's head in-process.
# and, on a small station of its own, the scanning of issue 3 through SANE's
# test and pnm backends (tests/sane):
#   - per page, a whole `catdctl scan --acta` process (acquire, checks, TIFF
#     Deflate, hash, fsync, commit) against the script a user would write for
#     the same page, device and options (scanimage --format=tiff, tiffcp -c
#     zip:p2, sha256sum, sync) and against bare scanimage --format=tiff, the
#     acquisition floor; median of CATD_BENCH_SCAN_REPS runs, sides taken in
#     turn; Letter at 300 dpi, grey and colour, a synthetic acta page through
#     the pnm backend and the test backend's own pictures;
#   - where one page's time goes in-process, stage by stage;
#   - pages per minute of a 50-page feeder batch (test backend, 10 sheets a
#     job), the next sheet acquired while the page before is stored, against
#     the same pages strictly one after another; with the test backend as
#     fast as it is (~15 ms a page) and slowed to ~0.4 s a page (read-delay),
#     as a real feeder is.
# and, on stations of their own, the upload of issue 4 to catd-central on
# loopback:
#   - `catdctl sync --once` of 1,000 verified actas with 1 MiB pages: MB/s
#     and actas/s against curl uploading the same files to the same server
#     build (one process for the images, then one for the records,
#     --parallel, keep-alive), curl run before and after ours, each run to a
#     fresh central site; per image and per record from the station's
#     receipts;
#   - capture pass 1 and pass 2 latency in-process while `catdctl sync`
#     drains the same station, against the same captures idle, in turns, at
#     the same rhythm (one acta every 25 ms); the central site's data on
#     tmpfs (as on another machine), then on this disk; and, for information,
#     captures back to back (no pause) on both sides;
#   - catd-central under 20 stations' processes uploading at once: records/s
#     and request latency (a light client, then `catdctl sync --once` each),
#     against the disk's bare commits/s at that moment.
# and, for the desktop station of issue 5 (tests/bench/catd-gui-bench.c), each
# measure on its own Xvfb 1280x800 and D-Bus session (tests/gui/run-gui.sh),
# in Spanish, keys being real key presses sent through XTest and times taken
# at the frame clock's after-paint (the end of the frame that shows them), on
# a catalog whose Gubernatura contest has 45 fields (5 info + 40 vote):
#   - keystroke to repaint in the capture form: catd-station's application
#     in-process, a capturista on the Captura screen keying whole actas
#     (CATD_BENCH_GUI_ACTAS, 4 digits and Tab a field, Ctrl+Enter between),
#     from the XTest press to the after-paint of the frame after the field's
#     text changed; p50, p99 (the target's) and max, where the time goes
#     (the key's handling, the wait for the next frame, that frame), and Tab;
#     baseline: the same digits into a plain GtkEntry in an otherwise empty
#     window, half before and half after;
#   - start-up: catd-station as a process with CATD_STATION_TRACE=1 (marks of
#     src/gui/catd-trace.c on stderr): process start to the first frame, and
#     to a usable capture form (the login typed through XTest when the login
#     screen is ready; the typing taken out, the PIN check left in);
#     CATD_BENCH_GUI_RUNS runs after a warm-up one, against a bare GTK 4
#     window's first frame (tests/bench/catd-bare-window), in turns;
#   - main-loop stalls: catd-station's application in-process with a
#     GtkSpinner spinning in its header bar, the Captura screen showing an
#     acta: the gaps between consecutive frames (after-paint) while the
#     session's sync service uploads a full queue (CATD_BENCH_GUI_UPLOAD_ACTAS
#     verified actas) to a catd-central on loopback and a CatdScanBatch takes
#     10 pages from SANE's test backend feeder; baseline: the same window
#     idle just before.
# and prints one table: measure, value, baseline, ratio, target, PASS/FAIL.
# Exits 1 if a target is missed, 2 if the bench itself failed.
#
# Needs only what the project builds with, bash and /usr/bin/python3 (peak
# memory comes from getrusage in tests/bench/catd-bench, not /usr/bin/time),
# for the scanning baselines scanimage (sane-utils), tiffcp (libtiff-tools)
# and sha256sum, for the upload baseline curl, and for the desktop station's
# measures xvfb-run (xvfb), dbus-run-session (dbus) and libXtst.so.6 (libxtst6).
#
# Environment:
#   CATD_BENCH_BUILDDIR  the meson build directory (default: build/ at the top)
#   CATD_BENCH_N         actions per latency sample (default 300)
#   CATD_BENCH_RUNS      whole-process catdctl register runs (default 50)
#   CATD_BENCH_CASILLAS  casillas of the generated catalog (default 10000)
#   CATD_BENCH_DURABLE   1: fill the station with real fsyncs (one per action,
#                        three more per image: minutes more here, far more on a
#                        slow disk) instead of skipping them
#   CATD_BENCH_SCAN_REPS runs of each side per single-page scan measure (default 7)
#   CATD_BENCH_ADF_PAGES pages of each feeder batch (default 50)
#   CATD_BENCH_UPLOAD_ACTAS  actas of the upload against curl (default 1000)
#   CATD_BENCH_UPLOAD_KIB    their pages' size in KiB (default 1024)
#   CATD_BENCH_CURL_PARALLEL curl's --parallel-max (default 4)
#   CATD_BENCH_CAPTURE_ACTAS actas of 1 MiB pages queued for the capture latency
#                        (default 1200; a quarter of it for the back-to-back one)
#   CATD_BENCH_CAPTURE_N     actas captured per idle or busy turn (default 20)
#   CATD_BENCH_CAPTURE_CYCLES busy turns (default 5)
#   CATD_BENCH_LOAD_STATIONS stations uploading at once (default 20)
#   CATD_BENCH_LOAD_RECORDS  records of each (default 100)
#   CATD_BENCH_GUI_ACTAS     actas keyed whole for the keystroke measure (default 1:
#                        225 keys, 180 of them digits)
#   CATD_BENCH_GUI_BASELINE  digits typed into the plain GtkEntry (default 120)
#   CATD_BENCH_GUI_RUNS      start-up runs of each side (default 5, after 1 warm-up)
#   CATD_BENCH_GUI_UPLOAD_ACTAS verified actas queued for the stalls measure
#                        (default 300, pages of CATD_BENCH_GUI_UPLOAD_KIB KiB,
#                        default 512)
#   CATD_BENCH_GSK_RENDERER  GTK's renderer for the desktop measures (default cairo,
#                        as the GUI tests: Xvfb has no GPU; gl: Mesa's llvmpipe)
#   CATD_BENCH_KEEP      1: keep the scratch directory and print where it is
#   CATD_BENCH_ONLY      station: only the measures of issues 2 and 3;
#                        upload: only the upload measures (issue 4);
#                        gui: only the desktop station's (issue 5, under two
#                        minutes); unset: all

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
build=${CATD_BENCH_BUILDDIR:-$top/build}
n=${CATD_BENCH_N:-300}
runs=${CATD_BENCH_RUNS:-50}
casillas=${CATD_BENCH_CASILLAS:-10000}
durable=${CATD_BENCH_DURABLE:-0}
scan_reps=${CATD_BENCH_SCAN_REPS:-7}
adf_pages=${CATD_BENCH_ADF_PAGES:-50}
upload_actas=${CATD_BENCH_UPLOAD_ACTAS:-1000}
upload_kib=${CATD_BENCH_UPLOAD_KIB:-1024}
curl_parallel=${CATD_BENCH_CURL_PARALLEL:-4}
capture_actas=${CATD_BENCH_CAPTURE_ACTAS:-1200}
capture_n=${CATD_BENCH_CAPTURE_N:-20}
capture_cycles=${CATD_BENCH_CAPTURE_CYCLES:-5}
load_stations=${CATD_BENCH_LOAD_STATIONS:-20}
load_records=${CATD_BENCH_LOAD_RECORDS:-100}
gui_actas=${CATD_BENCH_GUI_ACTAS:-1}
gui_baseline=${CATD_BENCH_GUI_BASELINE:-120}
gui_runs=${CATD_BENCH_GUI_RUNS:-5}
gui_upload_actas=${CATD_BENCH_GUI_UPLOAD_ACTAS:-300}
gui_upload_kib=${CATD_BENCH_GUI_UPLOAD_KIB:-512}
gui_renderer=${CATD_BENCH_GSK_RENDERER:-cairo}
only=${CATD_BENCH_ONLY:-}
python=/usr/bin/python3

say () { printf '== %s\n' "$*" >&2; }
fail () { printf 'bench.sh: %s\n' "$*" >&2; exit 2; }

case $only in
  ''|station|upload|gui) ;;
  *) fail "CATD_BENCH_ONLY is station, upload, gui or unset, not '$only'" ;;
esac
# wants SECTION: whether this run measures SECTION.
wants () { [ -z "$only" ] || [ "$only" = "$1" ]; }
[ -x "$python" ] || fail "$python is needed (Debian package python3)"
if wants station; then
  command -v scanimage > /dev/null || fail "scanimage is needed (Debian package sane-utils)"
  command -v tiffcp > /dev/null || fail "tiffcp is needed (Debian package libtiff-tools)"
fi
command -v sha256sum > /dev/null || fail "sha256sum is needed (Debian package coreutils)"
if wants upload; then
  command -v curl > /dev/null || fail "curl is needed (Debian package curl)"
fi
if wants gui; then
  command -v xvfb-run > /dev/null || fail "xvfb-run is needed (Debian package xvfb)"
  command -v dbus-run-session > /dev/null ||
    fail "dbus-run-session is needed (Debian package dbus-daemon)"
fi

# ---- build ------------------------------------------------------------------

if [ ! -f "$build/build.ninja" ]; then
  say "configuring $build"
  meson setup "$build" "$top" >&2 || fail "meson setup failed"
fi
# Regenerate first if meson files changed, then check that the bench is part
# of this build (tests/meson.build has subdir('bench'), -Dtests=true).
ninja -C "$build" build.ninja >&2 || fail "meson could not regenerate $build"
if ! grep -q '^build tests/bench/catd-bench:' "$build/build.ninja"; then
  fail "tests/bench/catd-bench is not in $build: it needs subdir('bench') in tests/meson.build \
and the tests option on (meson configure $build -Dtests=true)"
fi
say "building catdctl, catd-scand, catd-central and catd-bench"
ninja -C "$build" src/catdctl src/catd-scand src/catd-central tests/bench/catd-bench >&2 ||
  fail "the build failed"
if wants gui; then
  say "building catd-station, catd-gui-bench, catd-bare-window, the schema and translations"
  ninja -C "$build" src/catd-station tests/bench/catd-gui-bench tests/bench/catd-bare-window \
    data/gschemas.compiled po/es/LC_MESSAGES/catd-station.mo >&2 || fail "the build failed"
fi

catdctl=$build/src/catdctl
central=$build/src/catd-central
bench=$build/tests/bench/catd-bench
# SANE sees only the test and pnm backends; catdctl finds its helper beside
# itself, catd-bench through CATD_SCAND.
export SANE_CONFIG_DIR=$top/tests/sane
export CATD_SCAND=$build/src/catd-scand

# Numbers from an unoptimised or sanitizer build are not worth comparing.
buildinfo=$(meson introspect "$build" --buildoptions | "$python" -c '
import json, sys
opts = {o["name"]: o["value"] for o in json.load(sys.stdin)}
print(opts.get("buildtype", "?"), opts.get("optimization", "?"), opts.get("b_sanitize", "none"))')
read -r buildtype optimization sanitize <<< "$buildinfo"
if [ "$optimization" = 0 ] || [ "$optimization" = g ] || [ "$sanitize" != none ]; then
  say "WARNING: $build is buildtype=$buildtype, -O$optimization, sanitize=$sanitize:" \
    "timings will be slow"
fi

# ---- scratch directory on the build's disk -------------------------------------

# Databases go under the build directory, not /tmp: /tmp may be a tmpfs, where
# fsync costs nothing and every ratio below would be meaningless.
work=$(mktemp -d "$build/bench-XXXXXX")
cleanup () {
  local pid
  # The central sites the upload measures started, should one be left.
  for pid in ${central_pids[@]+"${central_pids[@]}"}; do
    kill "$pid" 2> /dev/null || true
  done
  [ -n "${shm:-}" ] && rm -rf "$shm"
  if [ "${CATD_BENCH_KEEP:-0}" = 1 ]; then
    say "kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

fstype=$(df --output=fstype "$work" | tail -n 1)
device=$(df --output=source "$work" | tail -n 1)
if [ "$fstype" = tmpfs ] || [ "$fstype" = ramfs ]; then
  say "WARNING: $work is on $fstype: fsync is free there, latency ratios mean little"
fi

results=$work/results.txt
station=$work/station
scratch=$work/scratch
mkdir -p "$scratch"
: > "$results"
record () { printf '%s %s\n' "$1" "$2" >> "$results"; }

record meta.fstype "$fstype"
record meta.device "$device"
record meta.n "$n"
record meta.runs "$runs"
record meta.durable "$durable"
record meta.casillas "$casillas"
record meta.build "$buildtype/-O$optimization/sanitize=$sanitize"

export CATD_PIN=1234
start=$SECONDS

# ---- the station: issues 2 and 3 ------------------------------------------------

if wants station; then

  # ---- catalog import -----------------------------------------------------------

  say "generating the state catalog ($casillas casillas)"
  "$python" "$top/build-aux/gen-catalog.py" --casillas "$casillas" --distritos 20 \
    --municipios 125 --seed 1 --out "$work/state.json"
  record meta.catalog_bytes "$(stat -c %s "$work/state.json")"

  say "catdctl init"
  "$bench" run --key init -- "$catdctl" --data-dir "$station" init --station-id BENCH-01 \
    --catalog "$work/state.json" >> "$results" || fail "catdctl init failed"
  "$bench" users --dir "$station" >> "$results" || fail "adding the bench users failed"
  say "page checks on synthetic 300 dpi pages"
  "$bench" pages --dir "$station" --scratch "$scratch" >> "$results" ||
    fail "the page checks failed"
  record meta.actas "$("$catdctl" --data-dir "$station" --json status |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["actas_esperadas"])')"

  # ---- scanning (issue 3) ------------------------------------------------------------

  # A station of its own, so that the state-sized one is left as the measures
  # above and below expect it. The `sync` of the user's script flushes every
  # dirty page of the machine, so whatever the bench itself wrote (a page
  # file, the last run's raw.tif) is flushed or removed before each timed run.
  scan_station=$work/scan-station
  scan_tmp=$work/scan
  scan_start=$SECONDS
  mkdir -p "$scan_tmp"
  record meta.scan_reps "$scan_reps"
  record meta.adf_pages "$adf_pages"

  say "scanning: a station for the scan measures"
  # Actas needed: 2 x 2 feeder batches, 4 single-page measures, 4 x 6 for the
  # stages; three actas a casilla, and some to spare.
  "$python" "$top/build-aux/gen-catalog.py" \
    --casillas $(((4 * adf_pages + 4 * scan_reps + 24) / 3 + 50)) \
    --distritos 2 --municipios 4 --seed 3 --out "$work/scan-catalog.json"
  "$catdctl" --data-dir "$scan_station" init --station-id BENCH-SCAN \
    --catalog "$work/scan-catalog.json" > /dev/null || fail "catdctl init (scan station) failed"
  "$bench" users --dir "$scan_station" > /dev/null || fail "adding the scan station's users failed"

  # The script a user would otherwise write for one page; "bare" stops after
  # scanimage (the acquisition floor). Warnings (scanimage rounding Letter to
  # the test backend's millimetres, tiffcp on zip:p2) go to a log that is
  # shown if the script fails. SANE's test backend ends its reader thread
  # with pthread_cancel (), which now and then leaves the loader's lock held
  # and scanimage hung at exit (catd-scand guards against it, see
  # src/scan/catd-scand.c): such a run exits 75 and is run again.
  cat > "$scan_tmp/user-script.sh" <<'SCRIPT'
#!/bin/sh
set -e
dir=$1 compress=$2
shift 2
rc=0
timeout -k 1 20 scanimage "$@" --format=tiff > "$dir/raw.tif" 2>> "$dir/script.log" || rc=$?
case $rc in
  0) ;;
  124|137) exit 75 ;;
  *) exit $rc ;;
esac
[ "$compress" = bare ] && exit 0
tiffcp -c "$compress" "$dir/raw.tif" "$dir/out.tif" 2>> "$dir/script.log"
sha256sum "$dir/out.tif"
sync
SCRIPT
  chmod +x "$scan_tmp/user-script.sh"

  settle () {
    rm -f "$scan_tmp/raw.tif" "$scan_tmp/out.tif"
    sync
  }

  # scan_side KEY COMMAND...: one timed run, on a quiet disk; a run whose
  # scanimage hung is counted and run again.
  scan_side () {
    local key=$1 hangs=0 rc
    shift
    while :; do
      settle
      rc=0
      "$bench" run --key "$key" -- "$@" > "$scan_tmp/run.txt" || rc=$?
      if [ $rc = 0 ]; then
        cat "$scan_tmp/run.txt" >> "$results"
        return
      fi
      if [ $rc = 75 ] && [ $((hangs += 1)) -le 3 ]; then
        record "$key.hung" 1
        say "  scanimage hung at exit (test backend); running $key again"
        continue
      fi
      cat "$scan_tmp/script.log" >&2 2> /dev/null
      fail "$key failed (exit $rc)"
    done
  }

  # scan_config NAME COLOR DEVICE OURS-OPTIONS... -- SCANIMAGE-OPTIONS...: the
  # same page, device and options both ways, $scan_reps times, sides in turn,
  # each time on a fresh acta (a page already digitized would pause the scan).
  # With pnm:0 each run gets a synthetic page of its acta.
  scan_config () {
    local name=$1 color=$2 device=$3
    shift 3
    local ours=() theirs=() seen=0 rep clave arg side color_flag=
    for arg in "$@"; do
      if [ "$arg" = -- ]; then seen=1; continue; fi
      if [ $seen = 0 ]; then ours+=("$arg"); else theirs+=("$arg"); fi
    done
    [ "$color" = 1 ] && color_flag=--color
    say "scanning: $name, $scan_reps runs a side"
    for rep in $(seq 1 "$scan_reps"); do
      local page_ours=() page_theirs=()
      clave=$("$bench" register --dir "$scan_station" --n 1) || fail "registering an acta failed"
      echo "$clave" >> "$scan_tmp/$name.claves"
      if [ "$device" = pnm:0 ]; then
        "$bench" scan-page --dir "$scan_station" --clave "$clave" --out "$scan_tmp/page.pnm" \
          --seed "$rep" $color_flag || fail "drawing a page failed"
        page_ours=(--option "filename=$scan_tmp/page.pnm")
        page_theirs=(--filename "$scan_tmp/page.pnm")
      fi
      local sides=(ours bare script)
      [ $((rep % 2)) = 0 ] && sides=(script bare ours)
      # The same script with the horizontal predictor (zip:2), the Deflate
      # variant the station stores: for the acta pages only.
      [ "$device" = pnm:0 ] && sides+=(script_pred)
      for side in "${sides[@]}"; do
        case $side in
          ours)
            scan_side "scan.$name.ours" "$catdctl" --data-dir "$scan_station" --user digi scan \
              --device "$device" --resolution 300 "${ours[@]}" "${page_ours[@]}" --acta "$clave" ;;
          bare)
            scan_side "scan.$name.bare" "$scan_tmp/user-script.sh" "$scan_tmp" bare \
              -d "$device" --resolution 300 "${theirs[@]}" "${page_theirs[@]}" ;;
          script|script_pred)
            scan_side "scan.$name.$side" "$scan_tmp/user-script.sh" "$scan_tmp" \
              "$([ $side = script ] && echo zip:p2 || echo zip:2)" \
              -d "$device" --resolution 300 "${theirs[@]}" "${page_theirs[@]}"
            record "scan.$name.${side}_kib" "$(($(stat -c %s "$scan_tmp/out.tif") / 1024))" ;;
        esac
      done
    done
    rm -f "$scan_tmp/page.pnm"
    "$python" - "$scan_station/station.db" "$scan_tmp/$name.claves" "$name" >> "$results" <<'EOF' ||
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
for clave in open(sys.argv[2]).read().split():
    row = db.execute("SELECT i.size FROM acta a JOIN image i ON i.sha256 = a.image_sha256 "
                     "WHERE a.clave_acta = ?", (clave,)).fetchone()
    if row is None:
        sys.exit(f"acta {clave} has no image after its scan")
    print(f"scan.{sys.argv[3]}.ours_kib", row[0] // 1024)
EOF
      fail "reading the scanned images' sizes failed"
  }

  letter=(-l 0 -t 0 -x 215.9 -y 279.4)
  scan_config pnm_gray 0 pnm:0 --mode gray --
  scan_config pnm_color 1 pnm:0 --mode color --
  scan_config test_gray 0 test:0 --mode gray --option test-picture=Grid -- \
    --mode Gray "${letter[@]}" --test-picture Grid
  scan_config test_color 1 test:0 --mode color --option "test-picture=Color pattern" -- \
    --mode Color "${letter[@]}" --test-picture "Color pattern"

  say "scanning: where a page's time goes, in-process (5 pages each)"
  for name in pnm_gray pnm_color test_gray test_color; do
    color_flag=
    case $name in *color) color_flag=--color ;; esac
    case $name in
      pnm_*)
        clave=$("$bench" register --dir "$scan_station" --n 1) || fail "registering an acta failed"
        "$bench" scan-page --dir "$scan_station" --clave "$clave" --out "$scan_tmp/page.pnm" \
          --seed 9 $color_flag || fail "drawing a page failed"
        device=(--device pnm:0 --option "filename=$scan_tmp/page.pnm") ;;
      test_gray) device=(--device test:0 --option test-picture=Grid) ;;
      test_color) device=(--device test:0 --option "test-picture=Color pattern") ;;
    esac
    settle
    "$bench" scan-stages --dir "$scan_station" --scratch "$scan_tmp" --label "stage.$name" \
      "${device[@]}" $color_flag --n 5 >> "$results" || fail "scan-stages ($name) failed"
    rm -rf "$scan_tmp/page.pnm" "$scan_tmp"/stage-images-*
  done

  say "scanning: $adf_pages-page feeder batches, overlapped and one page after another"
  settle
  "$bench" adf --dir "$scan_station" --label adf.fast --device test:0 --option test-picture=Grid \
    --pages "$adf_pages" >> "$results" || fail "the feeder batch (fast) failed"
  settle
  "$bench" adf --dir "$scan_station" --label adf.slow --device test:0 --option test-picture=Grid \
    --option read-delay=yes --option read-delay-duration=25000 --pages "$adf_pages" \
    >> "$results" || fail "the feeder batch (slow) failed"
  record meta.scan_seconds "$((SECONDS - scan_start))"
  rm -rf "$scan_station"

  # ---- latency on the empty station -------------------------------------------------

  say "latency on the empty station ($n actas, interleaved with the baseline)"
  "$bench" latency --dir "$station" --baseline-db "$work/baseline.db" --label early \
    --n "$n" --seed 1 --scratch "$scratch" >> "$results" || fail "latency (empty) failed"

  # ---- fill the station ---------------------------------------------------------------

  leave=$((n + 1 + runs))   # latency takes one acta more, for its warm-up
  if [ "$durable" = 1 ]; then
    say "filling the station with real fsyncs (slow)"
    durable_flag=--durable
  else
    say "filling the station (fsyncs skipped: set-up only)"
    durable_flag=
  fi
  "$bench" populate --dir "$station" --scratch "$scratch" --leave "$leave" --seed 1 \
    $durable_flag >> "$results" || fail "populate failed"

  # ---- latency on the nearly full station ------------------------------------------------

  say "latency on the nearly full station ($n actas)"
  "$bench" latency --dir "$station" --baseline-db "$work/baseline.db" --label late \
    --n "$n" --seed 1 --scratch "$scratch" >> "$results" || fail "latency (full) failed"

  # ---- catdctl register as a process ---------------------------------------------------------

  say "catdctl register x $runs (interleaved with a bare insert+commit process)"
  "$bench" pick --dir "$station" --n "$runs" --seed 1 > "$work/claves.txt"
  while read -r clave; do
    "$bench" run --key cli_register -- "$catdctl" --data-dir "$station" --user acop \
      register "$clave" >> "$results" || fail "catdctl register $clave failed"
    "$bench" run --key cli_baseline -- "$bench" sqlite-once --db "$work/baseline-process.db" \
      >> "$results" || fail "the baseline process failed"
  done < "$work/claves.txt"

  # ---- everything verified: status and export ------------------------------------------------

  say "verifying the remaining actas"
  "$bench" populate --dir "$station" --scratch "$scratch" --leave 0 --seed 1 $durable_flag |
    sed 's/^populate\./finish./' >> "$results" || fail "populate (finish) failed"

  "$catdctl" --data-dir "$station" --json status > "$work/status.json"
  "$python" - "$work/status.json" >> "$results" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
print("check.esperadas", s["actas_esperadas"])
print("check.verified", s["states"]["verified"])
print("check.pending", s["queue"]["pending"])
EOF
  record meta.db_bytes "$(stat -c %s "$station/station.db")"

  say "catdctl status x 10"
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    "$bench" run --key cli_status -- "$catdctl" --data-dir "$station" status >> "$results" ||
      fail "catdctl status failed"
  done
  for _ in 1 2 3; do
    "$bench" run --key cli_status_user -- "$catdctl" --data-dir "$station" --user coord status \
      >> "$results" || fail "catdctl status --user failed"
  done

  say "catdctl export --format prep-csv (all elections) x 3"
  for _ in 1 2 3; do
    rm -rf "$work/export"
    "$bench" run --key cli_export -- "$catdctl" --data-dir "$station" --user coord export \
      --format prep-csv --out "$work/export" >> "$results" || fail "catdctl export failed"
  done
  record meta.export_bytes "$(cat "$work"/export/*.csv | wc -c)"
  n_lines=$(cat "$work"/export/*.csv | wc -l)
  n_files=$(ls "$work"/export/*.csv | wc -l)
  record meta.export_rows "$((n_lines - 4 * n_files))"   # 4 header lines per file

  say "status and export in-process"
  "$bench" query --dir "$station" --out "$work/export-inproc" >> "$results" ||
    fail "in-process queries failed"
fi

# ---- upload to catd-central: issue 4 ------------------------------------------------

# Stations of their own, built through libcatd (catd-bench upload-station:
# register, a page of grey noise encoded and bound as a scan, two equal
# captures; fsyncs skipped), each with its token; each measure against a
# catd-central on loopback with a fresh data directory, on the same catalog.
# In this order (the disk is slower for a while after the big uploads, so
# the central's load comes first, on the disk as a central site's is between
# two stations' batches):
#   - BENCH-L01...: $load_stations stations of $load_records verified actas
#     with small pages, disjoint slices of the catalog, uploading at once:
#     catd-bench put (a process a station, one request at a time on a
#     kept-alive connection, bodies in memory: the central's side alone),
#     images then records; then `catdctl sync --once` each (the whole client);
#   - BENCH-UP: $upload_actas verified actas with pages of about
#     $upload_kib KiB, uploaded by curl, by `catdctl sync --once`, and by curl
#     again (curl: the same image files, then the same record bodies, one
#     process each, --parallel, keep-alive);
#   - BENCH-CS, BENCH-CD and BENCH-CB: the same kind of station, smaller:
#     capture latency in-process while `catdctl sync` drains it, in turns
#     with the same idle (catd-bench capture-sync).
if wants upload; then
  up=$work/upload
  up_start=$SECONDS
  mkdir -p "$up"
  central_pids=()

  # start_central NAME: a catd-central on a free port of 127.0.0.1, data in
  # $up/NAME; sets central_url and central_pid.
  start_central () {
    local name=$1
    "$central" --listen 127.0.0.1:0 --data-dir "$up/$name" --tokens "$up/tokens" \
      --catalog "$up/catalog.json" > "$up/$name.out" 2> "$up/$name.log" &
    central_pid=$!
    central_pids+=("$central_pid")
    central_url=
    for _ in $(seq 200); do
      central_url=$(sed -n 's/^listening on //p' "$up/$name.out")
      [ -n "$central_url" ] && break
      kill -0 "$central_pid" 2> /dev/null || break
      sleep 0.05
    done
    [ -n "$central_url" ] || fail "catd-central ($name) did not start: $(cat "$up/$name.log")"
    central_url=${central_url%/}
  }
  # stop_central: SIGTERM, and catd-central must end cleanly.
  stop_central () {
    local rc=0
    kill "$central_pid"
    wait "$central_pid" || rc=$?
    [ $rc = 0 ] || fail "catd-central ended with $rc: $(tail -n 5 "$up"/*.log)"
  }
  # received NAME STATION RECORDS IMAGES: the central site in $up/NAME holds
  # exactly that many records and images from STATION.
  received () {
    "$python" - "$up/$1/station.db" "$2" "$3" "$4" <<'EOF' ||
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
station, records, images = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
got_r = db.execute("SELECT count(*) FROM central_record WHERE station_id = ?", (station,)).fetchone()[0]
got_i = db.execute("SELECT count(*) FROM central_image WHERE station_id = ?", (station,)).fetchone()[0]
if (got_r, got_i) != (records, images):
    sys.exit(f"the central site holds {got_r} records and {got_i} images of {station}, "
             f"not {records} and {images}")
EOF
      fail "an upload did not arrive whole"
  }
  settle_disk () { sync; }

  load_ids=()
  for i in $(seq 1 "$load_stations"); do
    load_ids+=("$(printf 'BENCH-L%02d' "$i")")
  done
  # Actas: the largest of the three uses (the load stations' slices are
  # disjoint; the others go to central sites of their own).
  need=$((load_stations * load_records))
  need=$((upload_actas > need ? upload_actas : need))
  cs=$((capture_actas + capture_n * (2 * capture_cycles + 1) + 1))
  need=$((cs > need ? cs : need))
  say "upload: a catalog of $((need / 3 + 50)) casillas and the stations"
  "$python" "$top/build-aux/gen-catalog.py" --casillas $((need / 3 + 50)) --distritos 4 \
    --municipios 20 --seed 5 --out "$up/catalog.json"
  : > "$up/tokens"
  for id in BENCH-UP BENCH-CS BENCH-CD BENCH-CB "${load_ids[@]}"; do
    token="tok-$id-$(printf '%s' "$id" | sha256sum | cut -c1-32)"
    printf '%s %s\n' "$id" "$token" >> "$up/tokens"
    (umask 077 && printf '%s\n' "$token" > "$up/$id.token")
  done

  say "upload: $load_stations stations of $load_records verified actas, small pages"
  for i in $(seq 0 $((load_stations - 1))); do
    id=${load_ids[$i]}
    "$bench" upload-station --dir "$up/st-$id" --catalog "$up/catalog.json" --station-id "$id" \
      --token-file "$up/$id.token" --n "$load_records" --skip $((i * load_records)) \
      --image-kib 4 --seed 3 > "$up/fill-$id.txt" &
    # Two at a time: the machine's two processors.
    if [ $((i % 2)) = 1 ]; then wait; fi
  done
  wait
  cat "$up"/fill-*.txt >> "$results"
  for id in "${load_ids[@]}"; do
    [ -s "$up/fill-$id.txt" ] || fail "building $id failed"
  done

  # -- the central site under load --------------------------------------------------------

  start_central central-load
  for id in "${load_ids[@]}"; do
    "$bench" set-central --dir "$up/st-$id" --url "$central_url"
  done
  # put_all KIND: every load station's uploads of KIND at once, from one
  # moment 2 s ahead (each process reads its bodies and connects first).
  put_all () {
    local kind=$1 at pids=() id
    at=$(( $(date +%s%3N) + 2000 ))
    for id in "${load_ids[@]}"; do
      "$bench" put --dir "$up/st-$id" --kind "$kind" --label "upload.load.$kind" \
        --start-at "$at" > "$up/put-$kind-$id.txt" &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do
      wait "$pid" || fail "catd-bench put ($kind) failed: $(tail -n 5 "$up"/central-load.log)"
    done
    cat "$up"/put-"$kind"-*.txt >> "$results"
  }
  say "upload: $load_stations processes at once, images, then records"
  settle_disk
  put_all image
  settle_disk
  # The disk's pace at this moment: bare SQLite insert+commits in a row.
  "$bench" commits --db "$up/commits.db" --label upload.load.commits --n 300 >> "$results" ||
    fail "the bare commits failed"
  put_all record
  stop_central
  for id in "${load_ids[@]}"; do
    received central-load "$id" "$load_records" "$load_records"
  done
  rm -rf "$up/central-load"

  start_central central-sync
  for id in "${load_ids[@]}"; do
    "$bench" set-central --dir "$up/st-$id" --url "$central_url"
  done
  say "upload: $load_stations catdctl sync --once at once"
  settle_disk
  t0=$(date +%s%3N)
  pids=()
  for id in "${load_ids[@]}"; do
    "$catdctl" --data-dir "$up/st-$id" sync --once > /dev/null &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || fail "a catdctl sync --once of the load failed"
  done
  record upload.load.sync.wall_ms $(( $(date +%s%3N) - t0 ))
  stop_central
  for id in "${load_ids[@]}"; do
    received central-sync "$id" "$load_records" "$load_records"
  done
  rm -rf "$up/central-sync"

  say "upload: BENCH-UP, $upload_actas verified actas with pages of ~$upload_kib KiB"
  "$bench" upload-station --dir "$up/st-up" --catalog "$up/catalog.json" --station-id BENCH-UP \
    --token-file "$up/BENCH-UP.token" --n "$upload_actas" --image-kib "$upload_kib" --seed 1 \
    >> "$results" || fail "building BENCH-UP failed"
  # BENCH-CB's busy turns are a few tens of milliseconds: a shorter queue.
  cb=$((capture_actas / 4 + capture_n * (2 * capture_cycles + 1) + 1))
  for id in BENCH-CS BENCH-CD BENCH-CB; do
    n=$capture_actas
    [ $id = BENCH-CB ] && n=$cb
    say "upload: $id, $n verified actas with pages of ~$upload_kib KiB"
    "$bench" upload-station --dir "$up/st-$id" --catalog "$up/catalog.json" --station-id "$id" \
      --token-file "$up/$id.token" --n "$n" --image-kib "$upload_kib" --seed 2 \
      >> "$results" || fail "building $id failed"
  done

  # -- catdctl sync --once against curl -------------------------------------------

  # curl's side: one config file for the images and one for the records, in
  # outbox order, the same headers as the station's (Expect: turned off, as
  # libsoup does not send it); write-out gives each answer's status. Run
  # before and after ours, each time to a fresh central site: the disk is
  # slower for a while after a gigabyte of fsync'd writes, and curl's mean
  # brackets our run.
  curl_upload () {
    local key=$1 kind others
    start_central "central-$key"
    say "upload: curl --parallel --parallel-max $curl_parallel, images then records ($key)"
    rm -rf "$up/curl"
    "$python" - "$up/st-up" "$central_url" "$(cat "$up/BENCH-UP.token")" "$curl_parallel" \
      "$up/curl" > "$up/curl-totals.txt" <<'EOF' || fail "writing curl's configuration failed"
import os, sqlite3, sys
station, url, token, parallel, out = sys.argv[1:6]
db = sqlite3.connect(f"file:{station}/station.db?mode=ro", uri=True)
os.makedirs(f"{out}/records")
common = [f'header = "Authorization: Bearer {token}"', 'header = "X-Catd-Station: BENCH-UP"',
          'header = "Expect:"', "silent", "no-progress-meter", "parallel",
          f"parallel-max = {parallel}", 'write-out = "%{http_code}\\n"']
image_bytes = record_bytes = 0
with open(f"{out}/images.curl", "w") as f:
    f.write("\n".join(common + ['header = "Content-Type: image/tiff"']) + "\n")
    rows = db.execute("SELECT ref FROM outbox WHERE kind = 'image' ORDER BY id").fetchall()
    for (ref,) in rows:
        path = f"{station}/images/{ref[:2]}/{ref}.tif"
        image_bytes += os.path.getsize(path)
        f.write(f'url = "{url}/api/v1/images/{ref}"\nupload-file = "{path}"\n'
                'output = "/dev/null"\n')
    print("upload.images", len(rows))
with open(f"{out}/records.curl", "w") as f:
    f.write("\n".join(common + ['header = "Content-Type: application/json"']) + "\n")
    rows = db.execute("SELECT o.ref, r.body FROM outbox o JOIN record r ON r.record_id = o.ref "
                      "WHERE o.kind = 'record' ORDER BY o.id").fetchall()
    for ref, body in rows:
        path = f"{out}/records/{ref}.json"
        with open(path, "w") as r:
            r.write(body)
        record_bytes += len(body.encode())
        f.write(f'url = "{url}/api/v1/records/{ref}"\nupload-file = "{path}"\n'
                'output = "/dev/null"\n')
    print("upload.records", len(rows))
print("upload.image_bytes", image_bytes)
print("upload.record_bytes", record_bytes)
EOF
    for kind in images records; do
      settle_disk
      "$bench" run --key "upload.$key.$kind" --stdout -- curl --config "$up/curl/$kind.curl" \
        > "$up/curl-$kind.codes" 2>> "$results" || fail "curl ($key, $kind) failed"
      others=$(grep -cv '^201$' "$up/curl-$kind.codes" || true)
      [ "$others" = 0 ] ||
        fail "curl ($key, $kind): $others answers not 201: $(sort "$up/curl-$kind.codes" | uniq -c)"
    done
    stop_central
    received "central-$key" BENCH-UP "$upload_actas" "$upload_actas"
    rm -rf "$up/central-$key" "$up/curl"
  }

  curl_upload curl1
  cat "$up/curl-totals.txt" >> "$results"

  start_central central-ours
  "$bench" set-central --dir "$up/st-up" --url "$central_url"
  say "upload: catdctl sync --once"
  settle_disk
  "$bench" run --key upload.ours -- "$catdctl" --data-dir "$up/st-up" sync --once \
    >> "$results" || fail "catdctl sync --once failed: $(tail -n 5 "$up"/central-ours.log)"
  stop_central
  received central-ours BENCH-UP "$upload_actas" "$upload_actas"
  rm -rf "$up/central-ours"
  # The station's receipts: from one acknowledgement to the next, what each
  # kind of upload took in our run (the station uploads each acta's image
  # and then its record, in the order the actas were verified).
  "$python" - "$up/st-up/station.db" >> "$results" <<'EOF' || fail "reading the receipts failed"
import datetime, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = db.execute("SELECT kind, sent_at FROM outbox ORDER BY sent_at").fetchall()
at = [datetime.datetime.fromisoformat(t.replace("Z", "+00:00")) for _, t in rows]
total = {"image": 0.0, "record": 0.0}
for i in range(1, len(rows)):
    total[rows[i][0]] += (at[i] - at[i - 1]).total_seconds()
for kind, seconds in total.items():
    print(f"upload.ours.{kind}_s", seconds)
EOF

  curl_upload curl2

  # -- capture latency while catdctl sync uploads ---------------------------------------

  # Each time a station of its own and a fresh central site (a station
  # stopped between an image and its record would send the record to a site
  # that never got the image): BENCH-CS to one whose data is on tmpfs
  # (/dev/shm), as the central site is another machine's disk on the night:
  # what the station feels of its own upload; BENCH-CD to one on this disk,
  # as everything here is on one machine. Idle and busy turns capture at the
  # same rhythm, one acta every 25 ms (still far faster than a room of
  # capturists): a commit after a pause costs this machine about three
  # times one right after another (caches cold, processors asleep), sync or
  # no sync, so a baseline kept back to back against paced busy turns
  # measured the pause, not the sync. BENCH-CB: back to back on both sides,
  # for information.
  capture_sync () {
    local key=$1 id=$2 where=$3 pace=$4
    start_central "$where"
    "$bench" set-central --dir "$up/st-$id" --url "$central_url"
    settle_disk
    "$bench" capture-sync --dir "$up/st-$id" --label "upload.$key" --n "$capture_n" \
      --cycles "$capture_cycles" --pace-ms "$pace" --seed 9 -- \
      "$catdctl" --data-dir "$up/st-$id" sync --once >> "$results" ||
      fail "the capture latency during sync ($key) failed"
    stop_central
    rm -rf "${up:?}/$where"
  }
  if shm=$(mktemp -d /dev/shm/catd-bench-XXXXXX 2> /dev/null); then
    ln -s "$shm" "$up/central-cs-tmpfs"
    say "upload: capture latency, idle and while catdctl sync drains BENCH-CS" \
      "(central site on tmpfs)"
    capture_sync capture BENCH-CS central-cs-tmpfs/data 25
    say "upload: the same, BENCH-CB, captures back to back (central site on tmpfs)"
    capture_sync capture_b2b BENCH-CB central-cs-tmpfs/data 0
    rm -rf "$shm"
    shm=
    say "upload: the same, BENCH-CD, the central site on this disk"
    capture_sync capture_disk BENCH-CD central-cd 25
    record meta.capture_central_tmpfs 1
  else
    say "upload: capture latency, idle and while catdctl sync drains BENCH-CS" \
      "(no /dev/shm: the central site on this disk)"
    capture_sync capture BENCH-CS central-cs 25
    record meta.capture_central_tmpfs 0
  fi

  record meta.upload_stations "$load_stations"
  record meta.upload_load_records "$load_records"
  record meta.upload_kib "$upload_kib"
  record meta.upload_actas "$upload_actas"
  record meta.curl_parallel "$curl_parallel"
  record meta.capture_actas "$capture_actas"
  record meta.capture_n "$capture_n"
  record meta.upload_seconds "$((SECONDS - up_start))"
fi

# ---- the desktop station: issue 5 ---------------------------------------------------

# Each measure runs on an X server and D-Bus session of its own
# (tests/gui/run-gui.sh: Xvfb 1280x800x24, as a CATD workstation's screen),
# in Spanish (es_MX.UTF-8, as on CATD machines), settings in memory, the
# build tree's schema and translations. Xvfb has no GPU: GTK draws with its
# cairo renderer unless CATD_BENCH_GSK_RENDERER says otherwise (gl: Mesa's
# llvmpipe, on the processors).
if wants gui; then
  gui=$work/gui
  gui_start=$SECONDS
  gbench=$build/tests/bench/catd-gui-bench
  mkdir -p "$gui"
  run_gui () {
    (
      export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$build/data"
      export CATD_LOCALEDIR="$build/po" LANG=es_MX.UTF-8 LC_ALL=es_MX.UTF-8 LANGUAGE=es_MX:es
      export GSK_RENDERER="$gui_renderer"
      if [ "$gui_renderer" = cairo ]; then export GDK_DEBUG=gl-disable; fi
      "$top/tests/gui/run-gui.sh" "$@"
    )
  }

  # The demo election's shape, its Gubernatura contest given 40 vote fields
  # (12 parties, 25 coalitions, an independent, no registradas, nulos): with
  # the 5 info fields, a 45-field acta.
  say "gui: a catalog with a 45-field contest"
  "$python" "$top/build-aux/gen-catalog.py" --casillas 200 --distritos 2 --municipios 4 \
    --seed 11 --out "$gui/base.json"
  "$python" - "$gui/base.json" "$gui/catalog.json" <<'EOF' || fail "writing the 45-field catalog failed"
import itertools, json, sys
catalog = json.load(open(sys.argv[1]))
parties = ["PAN", "PRI", "PRD", "PVEM", "PT", "MC", "MORENA", "HAGAMOS", "FUTURO", "PES", "RSP",
           "FXM"]
coalitions = (list(itertools.combinations(parties[:7], 2)) +
              list(itertools.combinations(parties[:7], 3)))[:25]
fields = [{"code": p, "label": p, "kind": "party"} for p in parties]
fields += [{"code": "_".join(c), "label": "-".join(c), "kind": "coalition"} for c in coalitions]
fields += [{"code": "CAND_IND_1", "label": "Candidatura independiente 1", "kind": "independent"},
           {"code": "NO_REGISTRADAS", "label": "Candidaturas no registradas",
            "kind": "no_registradas"},
           {"code": "NULOS", "label": "Votos nulos", "kind": "nulos"}]
assert len(fields) == 40
(contest,) = [c for c in catalog["contests"] if c["election"] == "GUB"]
contest["fields"] = fields
json.dump(catalog, open(sys.argv[2], "w"), ensure_ascii=False)
EOF

  # A station whose capturistas find Gubernatura actas with a synthetic
  # 300 dpi page each (the start-up logs in cap2, the keys use cap1).
  say "gui: the station for the keys and the start-up"
  "$gbench" station --dir "$gui/station" --catalog "$gui/catalog.json" --station-id BENCH-GUI \
    --imaged $((gui_actas + 2)) >&2 || fail "building the desktop bench's station failed"

  say "gui: start-up, $gui_runs runs a side after a warm-up (catd-station, a bare GTK window)"
  run_gui "$gbench" startup --dir "$gui/station" --station "$build/src/catd-station" \
    --bare "$build/tests/bench/catd-bare-window" --runs "$gui_runs" --warmup 1 --login cap2 \
    >> "$results" || fail "the start-up measure failed"

  say "gui: keystroke to repaint, $gui_actas acta(s) of 45 fields and $gui_baseline digits" \
    "into a plain entry"
  run_gui "$gbench" keys --dir "$gui/station" --actas "$gui_actas" --baseline "$gui_baseline" \
    >> "$results" || fail "the keystroke measure failed"

  # The stalls' station: a full upload queue (built as the upload measures
  # build theirs, fsyncs skipped), an acta for the capture form and actas
  # registered for the feeder's pages; its own catd-central.
  say "gui: a station with $gui_upload_actas verified actas to upload"
  token="tok-BENCH-GUI-$(printf 'BENCH-GUI' | sha256sum | cut -c1-32)"
  printf 'BENCH-GUI %s\n' "$token" > "$gui/tokens"
  (umask 077 && printf '%s\n' "$token" > "$gui/BENCH-GUI.token")
  "$bench" upload-station --dir "$gui/stalls" --catalog "$gui/catalog.json" \
    --station-id BENCH-GUI --token-file "$gui/BENCH-GUI.token" --n "$gui_upload_actas" \
    --image-kib "$gui_upload_kib" --seed 6 > /dev/null || fail "building the stalls' station failed"
  "$gbench" station --dir "$gui/stalls" --imaged 1 --registered 12 >&2 ||
    fail "completing the stalls' station failed"
  say "gui: frame gaps, idle, then while a 10-page feeder batch scans and the sync uploads"
  run_gui "$gbench" stalls --dir "$gui/stalls" --central "$central" \
    --central-dir "$gui/central" --tokens "$gui/tokens" --catalog "$gui/catalog.json" \
    >> "$results" || fail "the stalls measure failed"

  record meta.gui_renderer "$gui_renderer"
  record meta.gui_runs "$gui_runs"
  record meta.gui_upload_actas "$gui_upload_actas"
  record meta.gui_upload_kib "$gui_upload_kib"
  record meta.gui_seconds "$((SECONDS - gui_start))"
fi

record meta.seconds "$((SECONDS - start))"

# ---- the table ---------------------------------------------------------------------------------

"$python" - "$results" <<'EOF'
import sys

values = {}
for line in open(sys.argv[1]):
    key, _, value = line.rstrip("\n").partition(" ")
    values.setdefault(key, []).append(value)

def one(key):
    return float(values[key][-1])

def samples(key):
    return sorted(float(v) for v in values[key])

def pct(key, p):
    """Nearest-rank percentile of the repeated samples of @key."""
    s = samples(key)
    rank = max(1, min(len(s), -(-len(s) * p // 100)))
    return s[int(rank) - 1]

HEAD = ("measure", "value", "baseline", "ratio", "target", "result")
rows = []
failed = False

def section(title):
    rows.append((title,))

def row(measure, value, unit="", baseline=None, target=None, check=None, ratio=True):
    """check: ("ratio", x) ratio <= x; ("ratio_ge", x) ratio >= x; ("lt", x) value < x;
    ("le", x) value <= x; ("ge", x) value >= x."""
    global failed
    def fmt(v):
        if v is None:
            return "-"
        if isinstance(v, int):
            return f"{v} {unit}".strip()
        return (f"{v:.3f} {unit}" if v < 100 else f"{v:.1f} {unit}").strip()
    r = value / baseline if ratio and baseline else None
    verdict = "info"
    if check:
        kind, limit = check
        ok = {"ratio": lambda: r is not None and r <= limit,
              "ratio_ge": lambda: r is not None and r >= limit,
              "lt": lambda: value < limit, "le": lambda: value <= limit,
              "ge": lambda: value >= limit}[kind]()
        verdict = "PASS" if ok else "FAIL"
        failed = failed or not ok
    rows.append((measure, fmt(value), fmt(baseline), "-" if r is None else f"{r:.2f}x",
                 target or "-", verdict))

if "init.wall_ms" in values:   # not with CATD_BENCH_ONLY=upload
    n = int(values["meta.n"][0])
    stages = (("early", "empty station"), ("late", "station ~99% full"))
    commits = (("register", "register"), ("pass1", "capture pass 1"),
               ("pass2", "capture pass 2 (verifies)"))

    section(f"Commit latency in-process, n={n} per set; baseline = bare SQLite insert+commit, "
            "same pragmas, same disk, taken just before each action")
    for label, when in stages:
        for phase, name in commits:
            for p in ("p50", "p99"):
                row(f"{name} {p}, {when}", one(f"{label}.{phase}.ms.{p}"), "ms",
                    one(f"{label}.{phase}.base_ms.{p}"), "<= 2x", ("ratio", 2.0))

    section("Syncs and WAL volume per action (same samples)")
    for label, when in stages:
        for phase, name in commits:
            row(f"fsyncs per {name} p50 (mean {one(f'{label}.{phase}.syncs.mean'):.2f}), {when}",
                int(one(f"{label}.{phase}.syncs.p50")), "",
                int(one(f"{label}.{phase}.base_syncs.p50")), "1", ("le", 1), ratio=False)
        for phase, name in commits:
            row(f"{name} actions that also checkpointed (> 1 fsync), {when}",
                100 * one(f"{label}.{phase}.syncs.over1"), "%",
                100 * one(f"{label}.{phase}.base_syncs.over1"), ratio=False)
        for phase, name in commits:
            row(f"SQLite KiB written per {name} p50 (mean {one(f'{label}.{phase}.kib.mean'):.0f}), "
                f"{when}", one(f"{label}.{phase}.kib.p50"), "KiB", one(f"{label}.{phase}.base_kib.p50"))

    section("import-image (image file + its directory + WAL: 3-4 fsyncs by design)")
    for label, when in stages:
        for p in ("p50", "p99"):
            row(f"import-image {p}, {when}", one(f"{label}.import.ms.{p}"), "ms",
                one(f"{label}.import.base_ms.{p}"))
        row(f"fsyncs per import-image p50, {when}", int(one(f"{label}.import.syncs.p50")))

    section("Whole processes; baseline = a process doing one bare insert+commit")
    runs = len(values["cli_register.wall_ms"])
    for p, q in (("p50", 50), ("p99", 99)):
        row(f"catdctl register {p} ({runs} runs)", pct("cli_register.wall_ms", q), "ms",
            pct("cli_baseline.wall_ms", q))
    row("  of which yescrypt PIN verify (in-process p50)", one("pin.verify_ms.p50"), "ms")
    row("catdctl register p50 less the yescrypt p50",
        pct("cli_register.wall_ms", 50) - one("pin.verify_ms.p50"), "ms",
        pct("cli_baseline.wall_ms", 50))
    row("catdctl register peak RSS", max(samples("cli_register.maxrss_kb")) / 1024, "MiB")
    row("yescrypt PIN hash (user add) p50", one("pin.add_user_ms.p50"), "ms")

    section("Digitization (issue 3): synthetic Letter pages at 300 dpi, 10 pages")
    row("blank check + QR read + acta lookup p50", pct("pages.check_ms", 50), "ms",
        target="< 60 ms", check=("lt", 60.0))
    row("blank check + QR read + acta lookup max", max(samples("pages.check_ms")), "ms")
    row("drawing a synthetic page p50 (catdctl synth)", pct("pages.synth_ms", 50), "ms")

    reps = int(values["meta.scan_reps"][0])
    section(f"Scanning (issue 3): one Letter page at 300 dpi, whole processes, median of {reps} runs "
            "a side in turn; baseline = the user's script for the same page, device and options "
            "(scanimage --format=tiff, tiffcp -c zip:p2, sha256sum, sync)")
    configs = (("pnm_gray", "synthetic acta page, grey (pnm)"),
               ("pnm_color", "synthetic acta page, colour (pnm)"),
               ("test_gray", "test backend Grid, grey"),
               ("test_color", "test backend Color pattern, colour"))
    for name, what in configs:
        ours = pct(f"scan.{name}.ours.wall_ms", 50)
        script = pct(f"scan.{name}.script.wall_ms", 50)
        bare = pct(f"scan.{name}.bare.wall_ms", 50)
        row(f"catdctl scan --acta, {what}", ours, "ms", script, "<= 0.8x", ("ratio", 0.8))
        row("  ours against bare scanimage --format=tiff (acquisition floor)", ours, "ms", bare)
        row("  the user's script against bare scanimage", script, "ms", bare)
        if f"scan.{name}.script_pred.wall_ms" in values:
            row("  ours against the script with tiffcp -c zip:2 (predictor, as stored)", ours, "ms",
                pct(f"scan.{name}.script_pred.wall_ms", 50))
        row("  stored TIFF, ours against the script's (zip:p2)",
            pct(f"scan.{name}.ours_kib", 50) / 1024, "MiB", pct(f"scan.{name}.script_kib", 50) / 1024)
        hung = sum(len(values.get(f"scan.{name}.{side}.hung", []))
                   for side in ("script", "bare", "script_pred"))
        if hung:
            row("  scanimage runs hung at exit (test backend) and run again", hung)

    for name, what in configs:
        k = f"stage.{name}"
        stages = ("acquire", "gray", "check", "encode", "bind")
        inproc = sum(one(f"{k}.{s}_ms.p50") for s in stages)
        section(f"Where the time goes, {what}, {values[f'{k}.size'][0]}: in-process p50 of 5 pages, "
                "the scanner's helper running; ratios against our pipeline in-process")
        row("acquire: the SANE backend in catd-scand, the page over the socket",
            one(f"{k}.acquire_ms.p50"), "ms", inproc)
        row("  the first acquisition (starts catd-scand, SANE, the device)",
            one(f"{k}.acquire_first_ms"), "ms")
        if name.endswith("color"):
            row("luminance copy for the checks (catd_scan_page_get_gray)", one(f"{k}.gray_ms.p50"),
                "ms", inproc)
        row("blank check + QR read + acta lookup", one(f"{k}.check_ms.p50"), "ms", inproc)
        row(f"TIFF Deflate+predictor encode, strips on {int(one(f'{k}.processors'))} processors "
            f"(catd_tiff_encode, {one(f'{k}.encode_kib.p50') / 1024:.1f} MiB)",
            one(f"{k}.encode_ms.p50"), "ms", inproc)
        row("catd_station_bind_image, of which:", one(f"{k}.bind_ms.p50"), "ms", inproc)
        row("  SHA-256 (nettle)", one(f"{k}.hash_ms.p50"), "ms", inproc)
        row("  temporary file write + fsync", one(f"{k}.write_fsync_ms.p50"), "ms", inproc)
        row("  catd_image_store_encoded whole (hash, write, fsync, rename, dir fsync)",
            one(f"{k}.store_ms.p50"), "ms", inproc)
        row("  the rest: SQL transaction and commit (bind less store)",
            one(f"{k}.bind_ms.p50") - one(f"{k}.store_ms.p50"), "ms", inproc)
        row("our pipeline in-process (acquire + checks + encode + bind)", inproc, "ms")
        row("catdctl scan p50 less that (a different moment: only roughly its overhead)",
            pct(f"scan.{name}.ours.wall_ms", 50) - inproc, "ms")
        row("  of which the yescrypt PIN check (in-process p50, above)", one("pin.verify_ms.p50"), "ms")
        row("  of which starting catd-scand and SANE (first acquisition less p50)",
            one(f"{k}.acquire_first_ms") - one(f"{k}.acquire_ms.p50"), "ms")
        row("for comparison: libtiff decoding the file again (catd_image_check_tiff; imports "
            "pay it, scans do not)", one(f"{k}.readback_ms.p50"), "ms", inproc)

    pages = int(values["meta.adf_pages"][0])
    section(f"Feeder batch of {pages} pages (test backend Grid, grey, Letter 300 dpi, 10 sheets a job, "
            "bound by hand: no QR); baseline = the same pages one after another, no overlap")
    for label, what in (("adf.fast", "the test backend at full speed"),
                        ("adf.slow", "the test backend slowed by read-delay")):
        acquire = one(f"{label}.acquire_ms.p50")
        row(f"pages per minute, {what} ({acquire:.0f} ms a page)", one(f"{label}.overlapped_ppm"),
            "pages/min", one(f"{label}.sequential_ppm"))
        row("  time per page", 60000 / one(f"{label}.overlapped_ppm"), "ms",
            60000 / one(f"{label}.sequential_ppm"))
        row("  acquisition per page p50 (sequential side)", acquire, "ms")
        row("  checks per page p50 (before the next sheet may be fed)",
            one(f"{label}.check_ms.p50"), "ms")
        row("  encode + store + commit per page p50 (what overlaps)",
            one(f"{label}.store_ms.p50"), "ms")
    row("scanning measures, wall", one("meta.scan_seconds"), "s")

    section(f"Catalog import: {values['meta.casillas'][0]} casillas, "
            f"{int(one('meta.actas'))} actas, {one('meta.catalog_bytes') / 2**20:.1f} MiB of JSON")
    row("catdctl init", one("init.wall_ms") / 1000, "s", target="< 3 s", check=("lt", 3.0))
    row("catdctl init peak RSS", one("init.maxrss_kb") / 1024, "MiB")

    durable = values["populate.durable"][0] == "1"
    section("Filling the station through the public API (register, import, 2 captures per acta)"
            + ("" if durable else "; fsyncs skipped: set-up only"))
    for phase in ("register", "import", "pass1", "pass2"):
        row(f"{int(one(f'populate.{phase}.count'))} x {phase}: time per action",
            one(f"populate.{phase}.per_action_ms"), "ms")
    row("all actions, wall", one("populate.total.wall_s"), "s")
    if not durable:
        est = sum(one(f"populate.{p}.count") * one(f"late.{p}.ms.p50")
                  for p in ("register", "import", "pass1", "pass2")) / 1000
        row("same with real fsyncs, estimated (counts x late p50)", est, "s")

    section(f"Every acta verified: station.db {one('meta.db_bytes') / 2**20:.0f} MiB, "
            f"{int(one('check.pending'))} uploads pending")
    all_verified = one("check.verified") == one("check.esperadas")
    rows.append(("actas verified", str(int(one("check.verified"))), "-", "-",
                 f"all {int(one('check.esperadas'))}", "PASS" if all_verified else "FAIL"))
    failed = failed or not all_verified
    status_runs = len(values["cli_status.wall_ms"])
    row(f"catdctl status p50 ({status_runs} runs)", pct("cli_status.wall_ms", 50), "ms",
        target="< 100 ms", check=("lt", 100.0))
    row(f"catdctl status max ({status_runs} runs)", max(samples("cli_status.wall_ms")), "ms",
        target="< 100 ms", check=("lt", 100.0))
    row("  catd_station_status() in-process, first call (cold cache)",
        one("query.status_first_ms"), "ms")
    row("  catd_station_status() in-process p50 (20 calls)", one("query.status_ms.p50"), "ms")
    row("catdctl --user coord status p50 (adds a PIN check)", pct("cli_status_user.wall_ms", 50), "ms")
    row("catdctl status peak RSS", max(samples("cli_status.maxrss_kb")) / 1024, "MiB")
    if "query.outbox_next_ms.p50" in values:
        row(f"  catd_station_outbox_next () in-process p50 (the upload client's every step; "
            f"{int(one('check.pending'))} uploads queued)", one("query.outbox_next_ms.p50"), "ms")
    export_runs = len(values["cli_export.wall_ms"])
    row(f"catdctl export --format prep-csv, all elections, p50 ({export_runs} runs)",
        pct("cli_export.wall_ms", 50) / 1000, "s")
    row("catdctl export peak RSS", max(samples("cli_export.maxrss_kb")) / 1024, "MiB")
    for e in ("GUB", "DIP", "MUN"):
        if f"query.export.{e}.ms" in values:
            row(f"  catd_station_export_prep_csv ({e}) in-process, "
                f"{int(one(f'query.export.{e}.rows'))} rows", one(f"query.export.{e}.ms"), "ms")
    row(f"export files ({int(one('meta.export_rows'))} rows)", one("meta.export_bytes") / 2**20, "MiB")
    if "query.coord.progress_ms.p50" in values:
        # The first three run at every refresh of the coordination screen;
        # the rest when the coordinador asks.
        for name, what in (("progress", "progress per election (every refresh)"),
                           ("throughput", "throughput, 12 hours (every refresh)"),
                           ("inconsistencies", "inconsistencies list (every refresh)"),
                           ("search", "acta search, a seccion"),
                           ("history", "an acta's history"),
                           ("audit_page", "audit log, newest page"),
                           ("audit_by_user", "audit log, one user's newest page"),
                           ("audit_by_action", "audit log, one family of actions")):
            row(f"coordination: {what}, in-process p50", one(f"query.coord.{name}_ms.p50"), "ms")

if "meta.upload_seconds" in values:
    actas = int(one("meta.upload_actas"))
    mib = one("meta.upload_kib") / 1024
    total_bytes = one("upload.image_bytes") + one("upload.record_bytes")
    ours_s = one("upload.ours.wall_ms") / 1000
    def curl(what):
        return sum(one(f"upload.{run}.{what}") for run in ("curl1", "curl2")) / 2
    curl_img_s = curl("images.wall_ms") / 1000
    curl_rec_s = curl("records.wall_ms") / 1000
    curl_s = curl_img_s + curl_rec_s
    section(f"Upload to catd-central on loopback (issue 4): {actas} verified actas, pages of "
            f"{one('upload.image_bytes') / actas / 2**20:.2f} MiB (grey noise, Deflate), "
            f"{total_bytes / 2**20:.0f} MiB in all; baseline = curl uploading the same files "
            f"(--parallel-max {int(one('meta.curl_parallel'))}, keep-alive, images then "
            "records), mean of a run before ours and one after; each run to a fresh catd-central")
    row("catdctl sync --once, MB/s (images + records)", total_bytes / 1e6 / ours_s, "MB/s",
        total_bytes / 1e6 / curl_s, ">= 0.8x", ("ratio_ge", 0.8))
    row("catdctl sync --once, actas/s", actas / ours_s, "actas/s", actas / curl_s)
    row("  wall", ours_s, "s", curl_s)
    for run in ("curl1", "curl2"):
        row(f"  curl's {run[-1] == '1' and 'run before' or 'run after'} ours, wall",
            (one(f"upload.{run}.images.wall_ms") + one(f"upload.{run}.records.wall_ms")) / 1000,
            "s")
    # The station writes its receipts in batches (up to 64 or 250 ms), so
    # the time between receipts no longer splits into images and records:
    # only their sum means something.
    row("  ms per acta, image and record (ours: between the station's receipts)",
        1000 * (one("upload.ours.image_s") + one("upload.ours.record_s")) / actas, "ms",
        1000 * (curl_img_s + curl_rec_s) / actas)
    row("  SHA-256 of one page (nettle; sync client: once an image; catd-central: once)",
        one("upload.fill.BENCH-UP.sha256_ms"), "ms")
    row("catdctl sync --once peak RSS", one("upload.ours.maxrss_kb") / 1024, "MiB")
    row("catdctl sync --once CPU (user + sys); baseline curl's",
        (one("upload.ours.user_ms") + one("upload.ours.sys_ms")) / 1000, "s",
        sum(curl(f"{k}.{t}_ms") for k in ("images", "records") for t in ("user", "sys")) / 1000)

    tmpfs = one("meta.capture_central_tmpfs") == 1
    for k, where in (("upload.capture", "on tmpfs (as on another machine)" if tmpfs
                      else "on this disk (no /dev/shm)"),
                     ("upload.capture_b2b", "on tmpfs, captures back to back"),
                     ("upload.capture_disk", "on this same disk")):
        if f"{k}.busy.window_s" not in values:
            continue
        target = k == "upload.capture"
        section(f"Capture commit latency in-process while `catdctl sync` drains the same station "
                f"(pages of {mib:.0f} MiB queued), its central site {where}: "
                f"{int(one(f'{k}.cycles'))} turns of {int(one('meta.capture_n'))} actas "
                f"captured idle, then {int(one('meta.capture_n'))} while the sync runs "
                f"({int(one(f'{k}.busy.uploads'))} uploads acknowledged in those "
                f"{one(f'{k}.busy.window_s'):.1f} s), and a last idle turn, "
                + (f"one acta every {int(one(f'{k}.pace_ms'))} ms on both sides"
                   if one(f"{k}.pace_ms") > 0 else "back to back on both sides")
                + "; baseline = the idle turns")
        for phase, name in (("pass1", "capture pass 1"), ("pass2", "capture pass 2 (verifies)")):
            row(f"{name} p50 while sync runs", one(f"{k}.busy.{phase}.ms.p50"), "ms",
                one(f"{k}.idle.{phase}.ms.p50"), "<= 1.2x" if target else None,
                ("ratio", 1.2) if target else None)
            row(f"{name} p99 while sync runs", one(f"{k}.busy.{phase}.ms.p99"), "ms",
                one(f"{k}.idle.{phase}.ms.p99"))
        row("  in fsync per capture, mean (both passes)", one(f"{k}.busy.sync_ms.mean"), "ms",
            one(f"{k}.idle.sync_ms.mean"))
        row("  in SQLite's busy handler per capture, mean (the sync's locks)",
            one(f"{k}.busy.sleep_ms.mean"), "ms", one(f"{k}.idle.sleep_ms.mean"))
        row("  captures that waited for the sync's transactions",
            100 * one(f"{k}.busy.slept_share"), "%", ratio=False)

    stations = int(one("meta.upload_stations"))
    per = int(one("meta.upload_load_records"))
    def span(label):
        return (max(samples(f"{label}.end_ms")) - min(samples(f"{label}.start_ms"))) / 1000
    section(f"catd-central under load (issue 4): {stations} processes at once, each a station's "
            f"{per} verified records (one request at a time, kept-alive: catd-bench put), "
            f"{stations * per} in all; images before, small")
    rec = "upload.load.record"
    row("records/s, all stations (baseline: bare SQLite commits/s just before)",
        stations * per / span(rec), "records/s",
        one("upload.load.commits.per_s"), ">= 300/s", ("ge", 300.0))
    row("  record PUT latency p50", pct(f"{rec}.latency_ms", 50), "ms")
    row("  record PUT latency p99", pct(f"{rec}.latency_ms", 99), "ms")
    row("  record PUT latency max", max(samples(f"{rec}.latency_ms")), "ms")
    img = "upload.load.image"
    row(f"images/s (~{one(f'{img}.bytes') / one(f'{img}.count') / 1024:.0f} KiB), all stations",
        stations * per / span(img), "images/s")
    row("  image PUT latency p99", pct(f"{img}.latency_ms", 99), "ms")
    row(f"{stations} catdctl sync --once at once: records/s (images and records, whole run)",
        stations * per / (one("upload.load.sync.wall_ms") / 1000), "records/s")
    row("upload measures, wall", one("meta.upload_seconds"), "s")

if "meta.gui_seconds" in values:
    renderer = values["meta.gui_renderer"][0]
    digits = len(values["gui.keys.form.digit_ms"])
    tabs = len(values["gui.keys.form.tab_ms"])
    entry = len(values["gui.keys.entry.digit_ms"])
    section(f"Desktop station (issue 5): keystroke to repaint in the capture form, "
            f"{int(one('gui.keys.fields'))} fields, {int(one('gui.keys.actas'))} acta(s) keyed "
            f"whole ({digits} digits, {tabs} Tabs): catd-station's application in-process, "
            f"Xvfb 1280x800, GTK's {renderer} renderer; from the XTest key press to the "
            "after-paint of the frame after the field changed; baseline = the same for a plain "
            f"GtkEntry in an otherwise empty window ({entry} digits); the target applies to p99")
    for p, q in (("p50", 50), ("p99", 99)):
        row(f"keystroke (digit) to repaint {p}", pct("gui.keys.form.digit_ms", q), "ms",
            pct("gui.keys.entry.digit_ms", q), "< 16 ms" if q == 99 else None,
            ("lt", 16.0) if q == 99 else None)
    row("keystroke (digit) to repaint max", max(samples("gui.keys.form.digit_ms")), "ms",
        max(samples("gui.keys.entry.digit_ms")))
    row("  of which the key reaching the field (X, GDK's dispatch, the form) p50",
        pct("gui.keys.form.input_ms", 50), "ms")
    row("  of which the key reaching the field p99 (waits for a frame being drawn)",
        pct("gui.keys.form.input_ms", 99), "ms")
    row("  of which the change to the next frame's start p99 (the frame clock's pace)",
        pct("gui.keys.form.wait_ms", 99), "ms")
    row("  of which that frame, before-paint to after-paint, p50",
        pct("gui.keys.form.frame_ms", 50), "ms", pct("gui.keys.entry.frame_ms", 50))
    row("  of which that frame p99", pct("gui.keys.form.frame_ms", 99), "ms",
        pct("gui.keys.entry.frame_ms", 99))
    row("Tab to repaint (the next field focused) p50", pct("gui.keys.form.tab_ms", 50), "ms")
    row("Tab to repaint p99", pct("gui.keys.form.tab_ms", 99), "ms")

    runs = len(values["gui.start.first_frame_ms"])
    section(f"Desktop station: start-up, {runs} runs of catd-station (after a warm-up run) with "
            "CATD_STATION_TRACE=1, from just before the spawn; baseline = a bare GTK 4 window's "
            "first frame (tests/bench/catd-bare-window), in turns; the target applies to every "
            "run (max)")
    row("process start to first frame p50", pct("gui.start.first_frame_ms", 50), "ms",
        pct("gui.start.bare_first_frame_ms", 50))
    row("process start to first frame max", max(samples("gui.start.first_frame_ms")), "ms",
        max(samples("gui.start.bare_first_frame_ms")), "< 1000 ms", ("lt", 1000.0))
    row("process start to a usable capture form p50 (login typing left out)",
        pct("gui.start.capture_ready_ms", 50), "ms", pct("gui.start.bare_first_frame_ms", 50))
    row("process start to a usable capture form max",
        max(samples("gui.start.capture_ready_ms")), "ms",
        max(samples("gui.start.bare_first_frame_ms")), "< 1000 ms", ("lt", 1000.0))
    row("  of which the login screen ready (painted, user entry focused) p50",
        pct("gui.start.login_ready_ms", 50), "ms")
    row("  of which the PIN check (yescrypt, a worker thread) p50", pct("gui.start.pin_ms", 50),
        "ms")
    row("  of which logged in to the form painted with an acta, focused, p50",
        pct("gui.start.signed_in_to_form_ms", 50), "ms")
    row("  left out: the login typed through XTest (user, Enter, PIN, Enter) p50",
        pct("gui.start.typing_ms", 50), "ms")

    idle = samples("gui.stall.idle.gap_ms")
    busy = samples("gui.stall.busy.gap_ms")
    section(f"Desktop station: main-loop stalls, the gaps between consecutive frames "
            f"(after-paint) of catd-station's window in-process, a GtkSpinner spinning, the "
            f"Captura screen showing an acta, while the session's sync service uploads "
            f"{int(one('meta.gui_upload_actas'))} verified actas (pages of "
            f"{int(one('meta.gui_upload_kib'))} KiB) to catd-central on loopback and a "
            "CatdScanBatch takes 10 pages from SANE's test backend feeder (Letter, 300 dpi, "
            f"grey); {one('gui.stall.busy.window_s'):.1f} s, {len(busy)} frames; baseline = "
            f"the same window idle just before ({one('gui.stall.idle.window_s'):.1f} s, "
            f"{len(idle)} frames)")
    row("longest gap between frames", busy[-1], "ms", idle[-1], "< 50 ms", ("lt", 50.0))
    row("gap p99", pct("gui.stall.busy.gap_ms", 99), "ms", pct("gui.stall.idle.gap_ms", 99))
    row("gap p50", pct("gui.stall.busy.gap_ms", 50), "ms", pct("gui.stall.idle.gap_ms", 50))
    row("  pages scanned and stored in that time", int(one("gui.stall.pages")))
    row("  uploads acknowledged by catd-central in that time", int(one("gui.stall.uploads")))
    row("  uploads still queued at its end (0: the sync ran out before the scan)",
        int(one("gui.stall.queue_left")))
    row("desktop station measures, wall", one("meta.gui_seconds"), "s")

table = [r for r in rows if len(r) == 6]
widths = [max(len(r[i]) for r in table + [HEAD]) for i in range(6)]

def line(r):
    return "  ".join(c.ljust(widths[i]) if i in (0, 4, 5) else c.rjust(widths[i])
                     for i, c in enumerate(r)).rstrip()

print()
print(f"CATD Station benchmarks ({values['meta.seconds'][0]} s; build "
      f"{values['meta.build'][0]}; scratch on {values['meta.device'][0]}, "
      f"{values['meta.fstype'][0]})")
print()
print(line(HEAD))
print(line(tuple("-" * w for w in widths)))
for r in rows:
    if len(r) == 1:
        print()
        print(r[0])
    else:
        print(line(r))
print()
print("RESULT:", "FAIL (a target is missed)" if failed else "PASS (every target met)")
sys.exit(1 if failed else 0)
EOF
