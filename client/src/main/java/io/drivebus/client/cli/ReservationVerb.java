package io.drivebus.client.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** A verb about one reservation or request of a library (release, renew, cancel): --library and --timeout. */
abstract class ReservationVerb extends VerbCommand {

    @Option(names = "--library", required = true, paramLabel = "LIBRARY", description = "Library (changer) id.")
    String library;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "30s",
            description = "How long to wait for the answer (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    String library() {
        return library;
    }

    @Override
    Duration timeout() {
        return timeout;
    }
}
