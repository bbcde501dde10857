package io.drivebus.client;

import java.time.Duration;
import java.time.Instant;

/**
 * With {@code DRIVEBUS_TRACE=1}, prints on stderr how long after process start each step of a call happened: what
 * the latency benchmark (client/bench) uses to see where the time goes.
 */
public final class Trace {

    private static final boolean ON = System.getenv("DRIVEBUS_TRACE") != null;
    /** DRIVEBUS_TRACE=<epoch ns when the command was started> (e.g. $(date +%s%N)); else the JVM's first trace. */
    private static final Instant START = ON ? start(System.getenv("DRIVEBUS_TRACE")) : null;

    private static Instant start(String v) {
        try {
            long ns = Long.parseLong(v.trim());
            return Instant.ofEpochSecond(ns / 1_000_000_000L, ns % 1_000_000_000L);
        } catch (NumberFormatException e) {
            return Instant.now();
        }
    }

    public static boolean on() {
        return ON;
    }

    public static void mark(String step) {
        if (ON) {
            System.err.println("drivebus-trace: " + Duration.between(START, Instant.now()).toMillis() + " ms " + step
                    + " [" + Thread.currentThread().getName() + "] cpu " + processCpuMillis() + " ms");
        }
    }

    /** The process's CPU time so far, all threads (JIT and GC too), from /proc; -1 where there is none. */
    static long processCpuMillis() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10; // utime + stime, in 10 ms ticks
        } catch (Exception e) {
            return -1;
        }
    }

    private Trace() {
    }
}
