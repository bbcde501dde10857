#!/usr/bin/env bash
# Process start to printed grant for `drivebus reserve` of a free drive that already holds the volume (no robot
# motion), against a running stack (./stack). Each run: reserve (timed), then release (not timed).
# Prints every run and the median, in ms. Optionally the same for `amtape CONFIG slot N` (AMTAPE_CONFIG=name).
#
#   client/bench/cli-latency.sh [RUNS] [LIBRARY] [SLOT]        (defaults: 11 demo 3)
#   DRIVEBUS_NO_CDS=1 client/bench/cli-latency.sh               (without class-data sharing, for comparison)
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
runs="${1:-11}"; library="${2:-demo}"; slot="${3:-3}"
owner="bench-$$"
drivebus="$here/drivebus"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# warm-up: builds the CDS archive if the jar changed, and puts the volume into a drive (the motion is not measured)
id=$("$drivebus" reserve --library "$library" --slot "$slot" --owner "$owner" --json | sed -n 's/.*"reservationId":"\([^"]*\)".*/\1/p')
"$drivebus" release --library "$library" --reservation "$id" --owner "$owner" >/dev/null

times=(); cpus=()
cpu_file=$(mktemp)
for ((i = 1; i <= runs; i++)); do
  start=$(date +%s%N)
  # CPU time (user + sys) too: on a machine shared with other work the wall time mostly measures the others
  out=$(/usr/bin/time -f "%U %S" -o "$cpu_file" "$drivebus" reserve --library "$library" --slot "$slot" --owner "$owner" --json)
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  cpu=$(awk '{printf "%d", ($1 + $2) * 1000}' "$cpu_file")
  times+=("$ms"); cpus+=("$cpu")
  id=$(sed -n 's/.*"reservationId":"\([^"]*\)".*/\1/p' <<<"$out")
  "$drivebus" release --library "$library" --reservation "$id" --owner "$owner" >/dev/null
  echo "run $i: ${ms} ms wall, ${cpu} ms cpu"
done
rm -f "$cpu_file"
echo "drivebus reserve (no motion): median $(printf '%s\n' "${times[@]}" | median) ms wall," \
  "$(printf '%s\n' "${cpus[@]}" | median) ms cpu over $runs runs; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

if [[ -n "${AMTAPE_CONFIG:-}" ]] && command -v amtape >/dev/null; then
  times=()
  for ((i = 1; i <= runs; i++)); do
    start=$(date +%s%N)
    amtape "$AMTAPE_CONFIG" slot "$slot" >/dev/null 2>&1 || true
    end=$(date +%s%N)
    times+=("$(( (end - start) / 1000000 ))")
  done
  echo "amtape $AMTAPE_CONFIG slot $slot: median $(printf '%s\n' "${times[@]}" | median) ms over $runs runs"
fi
