#!/usr/bin/env bash
# The reservation-service's own CPU per request (no broker): see reservation-service's ProcessorCost.
#   bench/processor-cost.sh [libraries drives extra-slots cycles rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -o -pl reservation-service test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
exec java -Xmx512m -XX:+UseSerialGC -cp "reservation-service/target/test-classes:reservation-service/target/classes:$(cat reservation-service/target/test.classpath)" \
  io.drivebus.reservation.streams.ProcessorCost "$@"
