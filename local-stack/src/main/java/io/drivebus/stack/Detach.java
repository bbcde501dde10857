package io.drivebus.stack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts child processes in their own session (util-linux {@code setsid}) so a Ctrl-C in the terminal reaches
 * only the launcher, which then stops them in order: services before PostgreSQL and the broker.
 */
final class Detach {
    private static final List<String> PREFIX = Files.isExecutable(Path.of("/usr/bin/setsid")) ? List.of("/usr/bin/setsid") : List.of();

    static List<String> prefix() {
        return PREFIX;
    }

    private Detach() {
    }
}
