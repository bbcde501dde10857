#!/usr/bin/env bash
# Process start to printed grant for `drivebus reserve` of a free drive that already holds the volume (no robot
# motion), against a running stack (./stack). Each run: reserve (timed), then release (not timed).
# Prints every run, then median and p90 of wall and CPU time (ms), beside `java -version` (same JVM flags, timed in
# the same runs) as the machine's baseline: other work on the machine inflates both, so compare the ratio too.
# With AMTAPE_CONFIG=name (Amanda installed, e.g. /etc/amanda/drivebus-bench), `amtape CONFIG slot N` is timed in the
# same runs too (as the backup user when run as root, as Amanda requires).
#
#   client/bench/cli-latency.sh [RUNS] [LIBRARY] [SLOT]        (defaults: 21 demo 3)
#   DRIVEBUS_NO_CDS=1 client/bench/cli-latency.sh               (without class-data sharing, for comparison)
#   client/bench/cli-latency.sh --record [LIBRARY] [SLOT]       (re-records client/cds/reserve.classlist: the classes
#                                                                a real reserve and release load, for ./drivebus's
#                                                                class-data-sharing archive)
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
drivebus="$here/drivebus"
owner="bench-$$"

if [[ "${1:-}" == --record ]]; then
  library="${2:-demo}"; slot="${3:-3}"
  list="$here/client/cds/reserve.classlist"
  tmp=$(mktemp -d)
  # without the archive, so every class is listed, not only those an old archive lacked
  out=$(DRIVEBUS_NO_CDS=1 DRIVEBUS_JAVA_OPTS="-XX:DumpLoadedClassList=$tmp/reserve" \
    "$drivebus" reserve --library "$library" --slot "$slot" --owner "$owner" --json)
  id=$(sed -n 's/.*"reservationId":"\([^"]*\)".*/\1/p' <<<"$out")
  DRIVEBUS_NO_CDS=1 DRIVEBUS_JAVA_OPTS="-XX:DumpLoadedClassList=$tmp/release" \
    "$drivebus" release --library "$library" --reservation "$id" --owner "$owner" >/dev/null
  mkdir -p "$(dirname "$list")"
  { echo "# The classes \`drivebus reserve\` and \`release\` load against ./stack, for ./drivebus's CDS archive;"
    echo "# recorded by client/bench/cli-latency.sh --record ($(java -version 2>&1 | head -1))."
    cat "$tmp/reserve" "$tmp/release" | awk '!seen[$0]++'; } >"$list"
  rm -rf "$tmp"
  echo "recorded $(grep -vc '^#' "$list") entries in $list"
  exit 0
fi

runs="${1:-21}"; library="${2:-demo}"; slot="${3:-3}"
java_cmd="${JAVA_HOME:+$JAVA_HOME/bin/}java"

stats() { # values on stdin -> "median M p90 P"
  sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2;
    p = int(NR * 0.9 + 0.999); if (p < 1) p = 1; printf "median %d p90 %d", m, a[p]}'
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# warm-up: builds the CDS archive if the jar changed, and puts the volume into a drive (the motion is not measured)
id=$("$drivebus" reserve --library "$library" --slot "$slot" --owner "$owner" --json | sed -n 's/.*"reservationId":"\([^"]*\)".*/\1/p')
"$drivebus" release --library "$library" --reservation "$id" --owner "$owner" >/dev/null

amtape_cmd=()
if [[ -n "${AMTAPE_CONFIG:-}" ]] && command -v amtape >/dev/null; then
  amtape_cmd=(amtape "$AMTAPE_CONFIG" slot "$slot")
  [[ $(id -u) == 0 ]] && amtape_cmd=(runuser -u backup -- "${amtape_cmd[@]}")
fi

times=(); cpus=(); base=(); loads=(); amt=()
cpu_file=$(mktemp)
trap 'rm -f "$cpu_file"' EXIT
for ((i = 1; i <= runs; i++)); do
  start=$(date +%s%N)
  # CPU time (user + sys) too: on a machine shared with other work the wall time mostly measures the others
  out=$(/usr/bin/time -f "%U %S" -o "$cpu_file" "$drivebus" reserve --library "$library" --slot "$slot" --owner "$owner" --json)
  ms=$(ms_since "$start")
  cpu=$(awk '{printf "%d", ($1 + $2) * 1000}' "$cpu_file")
  id=$(sed -n 's/.*"reservationId":"\([^"]*\)".*/\1/p' <<<"$out")
  [[ -n "$id" ]] || { echo "run $i: no reservation in: $out" >&2; exit 1; }
  "$drivebus" release --library "$library" --reservation "$id" --owner "$owner" >/dev/null
  # the baseline in the same seconds: a JVM that starts and exits, with the launcher's flags
  start=$(date +%s%N)
  "$java_cmd" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto -version 2>/dev/null
  b=$(ms_since "$start")
  a=""
  if ((${#amtape_cmd[@]})); then
    start=$(date +%s%N)
    "${amtape_cmd[@]}" >/dev/null 2>&1 || echo "amtape failed: ${amtape_cmd[*]}" >&2
    amt+=("$(ms_since "$start")"); a="; amtape ${amt[-1]} ms"
  fi
  times+=("$ms"); cpus+=("$cpu"); base+=("$b"); loads+=("$(cut -d' ' -f1 /proc/loadavg)")
  echo "run $i: ${ms} ms wall, ${cpu} ms cpu; java -version ${b} ms${a}; load ${loads[-1]}"
done
echo "drivebus reserve (no motion), $runs runs: wall $(printf '%s\n' "${times[@]}" | stats) ms," \
  "cpu $(printf '%s\n' "${cpus[@]}" | stats) ms"
echo "java -version (same flags), same runs: wall $(printf '%s\n' "${base[@]}" | stats) ms"
echo "load average during the runs: $(printf '%s\n' "${loads[@]}" | sort -n | awk '{a[NR]=$1} END {print a[1] "-" a[NR]}')" \
  "(1-min), now $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"

median_of() { printf '%s\n' "$@" | stats | awk '{print $2}'; }
if ((${#amtape_cmd[@]})); then
  echo "${amtape_cmd[*]}, same runs: wall $(printf '%s\n' "${amt[@]}" | stats) ms"
  echo "median ratios: drivebus / amtape $(awk -v a="$(median_of "${times[@]}")" -v b="$(median_of "${amt[@]}")" \
    'BEGIN {printf "%.1f", a / b}'), drivebus / java -version $(awk -v a="$(median_of "${times[@]}")" \
    -v b="$(median_of "${base[@]}")" 'BEGIN {printf "%.1f", a / b}')"
elif ! command -v amtape >/dev/null; then
  echo "amtape: not installed here (Amanda); not measured"
else
  echo "amtape: installed; AMTAPE_CONFIG=<config> (e.g. drivebus-bench) times 'amtape CONFIG slot $slot' in the same runs"
fi
