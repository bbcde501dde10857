package io.drivebus.agent.changer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command (mtx, mt) with a time limit; a command that overruns is killed with its children. */
public final class ProcessRunner {

    /** {@code timedOut}: killed after the limit; exit code then -1. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr, boolean timedOut) {
        public boolean ok() {
            return !timedOut && exitCode == 0;
        }

        /** stdout and stderr, for messages. */
        public String output() {
            return (stdout + (stdout.isEmpty() || stdout.endsWith("\n") ? "" : "\n") + stderr).strip();
        }
    }

    private ProcessRunner() {
    }

    /** Throws IOException only if the command cannot be started at all (not found, not executable). */
    public static Result run(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        Drain out = new Drain(p.getInputStream());
        Drain err = new Drain(p.getErrorStream());
        out.start();
        err.start();
        boolean finished;
        try {
            finished = p.waitFor(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(p);
            throw e;
        }
        if (!finished) {
            kill(p);
        }
        out.join(2000);
        err.join(2000);
        return new Result(List.copyOf(command), finished ? p.exitValue() : -1, out.text(), err.text(), !finished);
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Drain extends Thread {
        private final InputStream in;
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();

        Drain(InputStream in) {
            super("process-output");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run() {
            try (in) {
                in.transferTo(buf);
            } catch (IOException e) {
                // the process was killed; what was read so far is kept
            }
        }

        synchronized String text() {
            return buf.toString(StandardCharsets.UTF_8);
        }
    }
}
