#!/usr/bin/env bash
# Makes (idempotently) the throwaway Amanda configuration the side-by-side benchmark runs against: a chg-disk
# changer over virtual tapes, as /work/shared/notes/amanda-on-debian.md describes. Run as root (it writes
# /etc/amanda/<config> and runs amlabel as the backup user). Prints nothing but errors and one line at the end.
#   bench/amanda/setup.sh [--config drivebus-bench] [--vtapes DIR] [--slots 10]
# Needs: apt-get install amanda-server amanda-common libencode-locale-perl (the last one is a missing dependency).
set -euo pipefail

config=drivebus-bench
vtapes=/var/tmp/drivebus-bench-amanda/vtapes
slots=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --config) config=$2; shift 2 ;;
    --vtapes) vtapes=$2; shift 2 ;;
    --slots) slots=$2; shift 2 ;;
    *) echo "setup.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

command -v amlabel >/dev/null || { echo "setup.sh: amlabel not found (apt-get install amanda-server amanda-common)" >&2; exit 3; }
getent passwd backup >/dev/null || { echo "setup.sh: no 'backup' user (Amanda's dumpuser)" >&2; exit 3; }

base=$(dirname "$vtapes")
conf=/etc/amanda/$config
mkdir -p "$conf" "$vtapes" "$base/state/logs" "$base/state/index" "$base/state/curinfo"
for ((i = 1; i <= slots; i++)); do mkdir -p "$vtapes/slot$i"; done

# changer properties only take effect inside a `define changer` block (global property lines are ignored silently)
cat > "$conf/amanda.conf.new" <<EOF
# written by bench/amanda/setup.sh: a throwaway configuration for bench/run.sh --only amanda
org "$config"
mailto ""
dumpuser "backup"
labelstr "^DBB-[0-9][0-9][0-9]\$"
tapecycle $slots
infofile "$base/state/curinfo"
logdir "$base/state/logs"
indexdir "$base/state/index"
tapelist "$conf/tapelist"
define tapetype VTAPE {
    length 64 mbytes
}
tapetype "VTAPE"
define changer vdisk {
    tpchanger "chg-disk:$vtapes"
    property "num-slot" "$slots"
}
tpchanger "vdisk"
EOF
if ! cmp -s "$conf/amanda.conf.new" "$conf/amanda.conf" 2>/dev/null; then
  mv "$conf/amanda.conf.new" "$conf/amanda.conf"
else
  rm "$conf/amanda.conf.new"
fi
touch "$conf/tapelist" "$conf/disklist"
chown -R backup: "$conf" "$base"

# label each slot once (~0.12 s each); a labelled vtape has a 00000.<label> file
for ((i = 1; i <= slots; i++)); do
  if ! compgen -G "$vtapes/slot$i/00000.*" >/dev/null; then
    runuser -u backup -- amlabel -f "$config" "$(printf 'DBB-%03d' "$i")" slot "$i" >/dev/null
  fi
done
echo "amanda config $config: $slots labelled vtapes under $vtapes"
