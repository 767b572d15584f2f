#!/usr/bin/env bash
# demo-night.sh - a scripted election night on the demo election, through catdctl
#
# Copyright 2026 The CATD Station authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Acopio, synthetic acta pages scanned through SANE's pnm backend, double-blind
# capture from what the pages show with a mismatch and an arbitration, sin
# acta, fuera de catálogo, status, and the prep-csv export it prints at the
# end. `demo.sh --cli` runs it; the GUI screenshot test runs it to have a
# station with something on every screen.
#
# Usage: build-aux/demo-night.sh DATA_DIR WORK_DIR
#   (CATDCTL: the catdctl to use; default build/src/catdctl)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
data=$1
work=$2
CATDCTL=${CATDCTL:-$top/build/src/catdctl}
if [[ -e "$data/station.db" ]]; then
  echo "demo: $data already holds a station; give a new directory" >&2
  exit 2
fi
mkdir -p "$work"

catdctl () { "$CATDCTL" --data-dir "$data" "$@"; }
as () { local login=$1 pin=$2; shift 2; CATD_PIN=$pin catdctl --user "$login" "$@"; }
step () { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Station set-up with the demo election"
catdctl init --station-id CATD-14-DEMO --catalog data/demo/catalog.json
echo 2024 | catdctl user add coordinadora --role coordinador --name "Coordinadora Demo"
declare -A pins=([acopio1]=1111 [digital1]=2222 [captura1]=3333 [captura2]=4444 [verifica1]=5555)
declare -A roles=([acopio1]=acopiador [digital1]=digitalizador [captura1]=capturista
                  [captura2]=capturista [verifica1]=verificador)
for login in acopio1 digital1 captura1 captura2 verifica1; do
  echo "${pins[$login]}" | as coordinadora 2024 user add "$login" --role "${roles[$login]}" \
    --name "Demo $login"
done
echo "users (login/PIN): coordinadora/2024 acopio1/1111 digital1/2222 captura1/3333" \
     "captura2/4444 verifica1/5555"

mapfile -t actas < <(sqlite3 "$data/station.db" \
  "SELECT clave_acta FROM catalog_acta WHERE election = 'GUB' ORDER BY clave_acta LIMIT 8")

step "Acopio: ${#actas[@]} actas arrive, one package without its acta, one unknown label"
for clave in "${actas[@]}"; do
  as acopio1 1111 register "$clave" --traslado F
done
sin=$(sqlite3 "$data/station.db" \
  "SELECT clave_acta FROM catalog_acta WHERE election = 'GUB' ORDER BY clave_acta DESC LIMIT 1")
as acopio1 1111 sin-acta "$sin" --reason paquete-no-entregado
as acopio1 1111 register "14-SIN-ETIQUETA-01" --fuera-de-catalogo --election GUB
echo "a second registration of ${actas[0]} is refused:"
as acopio1 1111 register "${actas[0]}" || true

step "Digitalización: synthetic pages scanned through SANE (pnm backend), bound by their QR"
catdctl synth "${actas[@]}" --format pnm --dpi 200 --skew 1.5 --noise --seed 2024 \
  --out "$work/pages"
# A private SANE set-up: the pnm backend reads a page from a file, as if it
# came off a flatbed.
mkdir -p "$work/sane"
printf 'pnm\ntest\n' > "$work/sane/dll.conf"
printf 'geometry_max 300\n' > "$work/sane/test.conf"
export SANE_CONFIG_DIR="$work/sane"
for clave in "${actas[@]:1}"; do
  as digital1 2222 scan --device pnm:0 --resolution 200 --identify \
    --option "filename=$work/pages/$clave.pnm"
done
echo "the first page arrives as a file and is imported:"
catdctl synth "${actas[0]}" --format tiff --dpi 200 --skew 1.5 --noise --seed 2024 \
  --out "$work/files" >/dev/null
as digital1 2222 import-image "$work/files/${actas[0]}.tif" --acta "${actas[0]}"
echo "the same page fed again stops with a reason, and is recorded as set aside:"
as digital1 2222 scan --device pnm:0 --resolution 200 --identify \
  --option "filename=$work/pages/${actas[1]}.pnm" || true

values_for () {
  # What the page shows (the synth answer key); the second argument
  # changes one field, as a tired capturista would.
  /usr/bin/python3 -c '
import json, sys
values = json.load(open(sys.argv[1]))[sys.argv[2]]
if sys.argv[3] != "-":
    values[sys.argv[3]] = 3
print(json.dumps(values))' "$work/pages/answers.json" "$1" "${2:--}"
}

step "Captura: two capturistas key every acta blind"
for clave in "${actas[@]}"; do
  values_for "$clave" | as captura1 3333 capture "$clave" --values -
done
n=0
for clave in "${actas[@]}"; do
  n=$((n + 1))
  case $n in
    2) values_for "$clave" PAN | as captura2 4444 capture "$clave" --values -
       echo "captura2 looks at the image again and re-keys PAN:"
       values_for "$clave" | /usr/bin/python3 -c 'import json,sys; print(json.dumps({"PAN": json.load(sys.stdin)["PAN"]}))' \
         | as captura2 4444 rekey "$clave" --values - ;;
    3) values_for "$clave" MORENA | as captura2 4444 capture "$clave" --values -
       echo "captura2 confirms the value; a verificador arbitrates blind:"
       echo '{"MORENA": 3}' | as captura2 4444 rekey "$clave" --values -
       values_for "$clave" | /usr/bin/python3 -c 'import json,sys; print(json.dumps({"MORENA": json.load(sys.stdin)["MORENA"]}))' \
         | as verifica1 5555 arbitrate "$clave" --values - ;;
    7) echo "captura2 has not keyed ${clave} yet: it waits in the capture queue" ;;
    8) values_for "$clave" PRI | as captura2 4444 capture "$clave" --values -
       echo "captura2 confirms a value that differs: ${clave} waits for arbitration"
       echo '{"PRI": 3}' | as captura2 4444 rekey "$clave" --values - ;;
    *) values_for "$clave" | as captura2 4444 capture "$clave" --values - ;;
  esac
done

step "Coordinación: status"
as coordinadora 2024 status

step "Integrity: audit chain and stored images"
catdctl audit verify
catdctl check

step "Export prep-csv (Gubernatura)"
mkdir -p "$work/export"
as coordinadora 2024 export --format prep-csv --out "$work/export" >/dev/null
cat "$work/export/GUB.csv"
echo
echo "demo: station data in $data; exports in $work/export"
