#!/usr/bin/env bash
# The reservation-service's own CPU per request (no broker): see reservation-service's ProcessorCost.
#   bench/processor-cost.sh [libraries drives extra-slots cycles rounds]
# The CPU of the seen-requests check alone, on real RocksDB stores: see SeenRequestsCost.
#   bench/processor-cost.sh seen-requests [ids-per-second minutes rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
main=io.drivebus.reservation.streams.ProcessorCost
if [ "${1:-}" = seen-requests ]; then
  main=io.drivebus.reservation.streams.SeenRequestsCost
  shift
fi
./mvnw -B -q -o -pl reservation-service test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
exec java -Xmx512m -XX:+UseSerialGC -cp "reservation-service/target/test-classes:reservation-service/target/classes:$(cat reservation-service/target/test.classpath)" \
  "$main" "$@"
