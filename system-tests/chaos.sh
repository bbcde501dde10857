#!/usr/bin/env bash
# Issue 7's chaos harness (ChaosIT): under steady reserve/release load, each cycle kill -9s the device-agent, a
# reservation-service instance and the broker (with three brokers, one in turn and then their controller), then
# checks DESIGN.md's invariants on the recorded history.
#   system-tests/chaos.sh        the short form (2 cycles, ~6 min)
#   system-tests/chaos.sh 20     the full run
#   system-tests/chaos.sh 20 3   the full run on three brokers and a controller, replicated as in k8s/
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-2}"
brokers="${2:-1}"
./mvnw -B -q install -DskipTests
exec ./mvnw -B -pl system-tests verify -Dit.test=ChaosIT -Ddrivebus.chaos=true -Ddrivebus.chaos.cycles="$cycles" \
  -Ddrivebus.chaos.brokers="$brokers" \
  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
