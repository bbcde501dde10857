#!/usr/bin/env bash
# Runs every benchmark scenario of issue 7 against real processes (Kafka broker, reservation-service instances,
# and for the footprint PostgreSQL, inventory-service and device-agent) and writes docs/benchmarks.md and
# docs/benchmarks.json. Takes about 15 minutes; run it on a quiet machine.
#   bench/run.sh                 everything
#   bench/run.sh --quick         short runs: a smoke test of the harness, not figures to quote
#   bench/run.sh --only latency,contention   (footprint, latency, throughput, contention, sweep, scale-instances, failover, failover-tuned)
#   bench/run.sh --skip-build    use what is built
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
