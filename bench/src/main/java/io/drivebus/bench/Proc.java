package io.drivebus.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What Linux says about a process: resident memory and CPU time (from /proc). */
final class Proc {
    /** USER_HZ: the unit of utime/stime in /proc/PID/stat; 100 on every Linux we run on. */
    private static final double TICKS_PER_S = 100.0;

    /** The JVM behind a pid that may be a {@code setsid} wrapper. */
    static long javaPid(long pid) {
        try {
            String comm = Files.readString(Path.of("/proc/" + pid + "/comm")).trim();
            if (comm.equals("setsid")) {
                return ProcessHandle.of(pid).flatMap(h -> h.children().findFirst()).map(ProcessHandle::pid).orElse(pid);
            }
        } catch (IOException e) {
            // gone or not Linux
        }
        return pid;
    }

    /** VmRSS in MiB, or -1. */
    static double rssMiB(long pid) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/" + javaPid(pid) + "/status"));
            for (String l : lines) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // gone
        }
        return -1;
    }

    /** User + system CPU seconds so far, or -1. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + javaPid(pid) + "/stat"));
            // fields after the command name, which is in parentheses and may contain spaces
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_S;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * CPU seconds of a process tree, e.g. PostgreSQL's: the process (with its exited, reaped children: cutime and
     * cstime) and its live descendants. Or -1.
     */
    static double cpuSecondsOfTree(long pid) {
        if (pid <= 0) {
            return -1;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            double total = (Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS_PER_S;
            for (ProcessHandle child : ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of())) {
                double c = cpuSeconds(child.pid());
                total += Math.max(0, c);
            }
            return total;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private Proc() {
    }
}
