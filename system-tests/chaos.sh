#!/usr/bin/env bash
# Issue 7's chaos harness (ChaosIT): under steady reserve/release load, each cycle kill -9s the device-agent, a
# reservation-service instance and the broker, then checks DESIGN.md's invariants on the recorded history.
#   system-tests/chaos.sh        the short form (2 cycles, ~6 min)
#   system-tests/chaos.sh 20     the full run
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-2}"
./mvnw -B -q install -DskipTests
exec ./mvnw -B -pl system-tests verify -Dit.test=ChaosIT -Ddrivebus.chaos=true -Ddrivebus.chaos.cycles="$cycles" \
  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
