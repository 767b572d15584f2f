#!/bin/bash
# bench.sh - the CATD Station benchmarks of issues 2 and 3
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
#     `catdctl export --format prep-csv` (all elections): time and peak memory.
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
# and prints one table: measure, value, baseline, ratio, target, PASS/FAIL.
# Exits 1 if a target is missed, 2 if the bench itself failed.
#
# Needs only what the project builds with, bash and /usr/bin/python3 (peak
# memory comes from getrusage in tests/bench/catd-bench, not /usr/bin/time),
# and for the scanning baselines scanimage (sane-utils), tiffcp
# (libtiff-tools) and sha256sum.
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
#   CATD_BENCH_KEEP      1: keep the scratch directory and print where it is
#   CATD_BENCH_ONLY      station: only the measures of issues 2 and 3;
#                        upload: only the upload measures (issue 4); unset: both

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
only=${CATD_BENCH_ONLY:-}
python=/usr/bin/python3

say () { printf '== %s\n' "$*" >&2; }
fail () { printf 'bench.sh: %s\n' "$*" >&2; exit 2; }

case $only in
  ''|station|upload) ;;
  *) fail "CATD_BENCH_ONLY is station, upload or unset, not '$only'" ;;
esac
[ -x "$python" ] || fail "$python is needed (Debian package python3)"
if [ "$only" != upload ]; then
  command -v scanimage > /dev/null || fail "scanimage is needed (Debian package sane-utils)"
  command -v tiffcp > /dev/null || fail "tiffcp is needed (Debian package libtiff-tools)"
fi
command -v sha256sum > /dev/null || fail "sha256sum is needed (Debian package coreutils)"

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
say "building catdctl, catd-scand and catd-bench"
ninja -C "$build" src/catdctl src/catd-scand tests/bench/catd-bench >&2 || fail "the build failed"

catdctl=$build/src/catdctl
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

if [ "$only" != upload ]; then

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
    """check: ("ratio", x) ratio <= x; ("lt", x) value < x; ("le", x) value <= x."""
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
              "lt": lambda: value < limit, "le": lambda: value <= limit}[kind]()
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
        row("TIFF Deflate+predictor encode (catd_tiff_encode)", one(f"{k}.encode_ms.p50"), "ms", inproc)
        row("catd_station_bind_image, of which:", one(f"{k}.bind_ms.p50"), "ms", inproc)
        row("  SHA-256 (GLib)", one(f"{k}.hash_ms.p50"), "ms", inproc)
        row("  temporary file write + fsync", one(f"{k}.write_fsync_ms.p50"), "ms", inproc)
        row("  read-back: libtiff decodes the file again (catd_image_check_tiff)",
            one(f"{k}.readback_ms.p50"), "ms", inproc)
        row("  catd_image_store whole (hash, write, fsync, read-back, rename, dir fsync)",
            one(f"{k}.store_ms.p50"), "ms", inproc)
        row("  the rest: SQL transaction and commit (bind less store)",
            one(f"{k}.bind_ms.p50") - one(f"{k}.store_ms.p50"), "ms", inproc)
        row("our pipeline in-process (acquire + checks + encode + bind)", inproc, "ms")
        row("catdctl scan p50 less that (a different moment: only roughly its overhead)",
            pct(f"scan.{name}.ours.wall_ms", 50) - inproc, "ms")
        row("  of which the yescrypt PIN check (in-process p50, above)", one("pin.verify_ms.p50"), "ms")
        row("  of which starting catd-scand and SANE (first acquisition less p50)",
            one(f"{k}.acquire_first_ms") - one(f"{k}.acquire_ms.p50"), "ms")
        def mib(stage):
            return f"{one(f'{k}.{stage}_kib.p50') / 1024:.1f} MiB"
        row(f"encode ({mib('encode')}) as 64-row strips (libdeflate), level 6 "
            f"({mib('strips_l6')})", one(f"{k}.strips_l6_ms.p50"), "ms", one(f"{k}.encode_ms.p50"))
        row(f"  the same at level 1 ({mib('strips_l1')})", one(f"{k}.strips_l1_ms.p50"), "ms",
            one(f"{k}.encode_ms.p50"))
        if f"{k}.parallel_l1_ms.p50" in values:
            row(f"  the same at level 1 on {int(one(f'{k}.processors'))} processors "
                f"({mib('parallel_l1')})", one(f"{k}.parallel_l1_ms.p50"), "ms",
                one(f"{k}.encode_ms.p50"))

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
    export_runs = len(values["cli_export.wall_ms"])
    row(f"catdctl export --format prep-csv, all elections, p50 ({export_runs} runs)",
        pct("cli_export.wall_ms", 50) / 1000, "s")
    row("catdctl export peak RSS", max(samples("cli_export.maxrss_kb")) / 1024, "MiB")
    for e in ("GUB", "DIP", "MUN"):
        if f"query.export.{e}.ms" in values:
            row(f"  catd_station_export_prep_csv ({e}) in-process, "
                f"{int(one(f'query.export.{e}.rows'))} rows", one(f"query.export.{e}.ms"), "ms")
    row(f"export files ({int(one('meta.export_rows'))} rows)", one("meta.export_bytes") / 2**20, "MiB")

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
