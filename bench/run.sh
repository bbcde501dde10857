#!/usr/bin/env bash
# Runs every benchmark scenario of issue 7 against real processes (Kafka broker, reservation-service instances;
# PostgreSQL and the inventory-service for the footprint and the inventory scenarios; a device-agent for the
# footprint; Amanda's changer for `amanda`) and writes docs/benchmarks.md and docs/benchmarks.json. Takes 40–60
# minutes (42 on 7 December at 23:51, 57 at 19:43); run it on a quiet machine.
#   bench/run.sh                 everything
#   bench/run.sh --quick         short runs: a smoke test of the harness, not figures to quote
#   bench/run.sh --only latency,contention   scenarios: footprint, inventory-lookup, inventory-lag, latency, latency-curve,
#                                throughput, amanda (also runs latency and throughput), contention, sweep, scale (cost per
#                                reservation, 1 → 1,000 libraries and 10 → 10,000 slots, with bench/processor-cost.sh's
#                                ProcessorCost beside it), scale-instances, failover, failover-3s, ceiling (the throughput
#                                scenario against an echo that decides nothing: this machine's ceiling; with the latency
#                                scenario against the echo: its floor), latency-floor (only that)
#   bench/run.sh --skip-build    use what is built
#   bench/run.sh --docs DIR --work DIR   write the reports to DIR instead of docs/; scratch files (default bench/target/bench-run)
# `amanda` needs Amanda (apt-get install amanda-server amanda-common libencode-locale-perl) and root: it writes
# /etc/amanda/drivebus-bench (bench/amanda/setup.sh) and runs the changer as the backup user; else it is recorded as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
args=()
for a in "$@"; do
  if [[ "$a" == --skip-build ]]; then build=0; else args+=("$a"); fi
done

if [[ $build == 1 ]]; then
  echo "bench: building (./mvnw -B -q install -DskipTests)…"
  ./mvnw -B -q install -DskipTests
  # until bench is a module of the root pom, build it on its own
  grep -q '<module>bench</module>' pom.xml || ./mvnw -B -q -f bench/pom.xml package -DskipTests
fi

if [[ $(uptime | sed 's/.*load average: //; s/,.*//; s/\..*//') -ge 2 ]]; then
  echo "bench: warning — load average is $(uptime | sed 's/.*load average: //'); figures will suffer from other work on this machine" >&2
fi

exec java -Xmx512m -cp "bench/target/classes:$(cat bench/target/runtime.classpath)" io.drivebus.bench.Harness "${args[@]}"
