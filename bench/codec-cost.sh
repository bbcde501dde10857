#!/usr/bin/env bash
# The message codec's CPU per decoded message, every type in turn (no broker): see schemas' CodecCost.
#   bench/codec-cost.sh [messages rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -o -pl schemas test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
exec java -Xmx256m -XX:+UseSerialGC -cp "schemas/target/test-classes:schemas/target/classes:$(cat schemas/target/test.classpath)" \
  io.drivebus.schemas.CodecCost "$@"
