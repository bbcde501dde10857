package io.drivebus.stack;

import java.util.concurrent.TimeUnit;

/** Stopping child processes: politely (SIGTERM, then SIGKILL after a grace period) or as a crash (kill -9). */
final class Processes {

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
