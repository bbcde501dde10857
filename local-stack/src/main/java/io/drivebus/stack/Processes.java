package io.drivebus.stack;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child processes: their JVM options from the environment; stopping them politely (SIGTERM, then SIGKILL after a grace
 * period) or as a crash (kill -9).
 */
public final class Processes {

    /** JVM options from an environment variable, split at white space (none when unset), e.g. a profiler for one run. */
    public static List<String> jvmOptions(String environmentVariable) {
        String value = System.getenv(environmentVariable);
        return value == null || value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
    }

    static void stop(Process p, long graceSeconds) {
        p.destroy();
        try {
            if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                kill(p);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    static void kill(Process p) {
        p.destroyForcibly();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Processes() {
    }
}
