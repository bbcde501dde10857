package io.drivebus.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One packaged drivebus service (a Quarkus fast-jar) running as its own process. */
public final class ServiceProcess implements AutoCloseable {
    private final String name;
    private final Path jar;
    private final int httpPort;
    private final Map<String, String> config;
    private final Path log;
    private Process process;

    public ServiceProcess(String module, int httpPort, Map<String, String> config, Path logDir) {
        this(module, httpPort, config, logDir, module);
    }

    /** {@code name} tells instances of one module apart (log file, messages). */
    public ServiceProcess(String module, int httpPort, Map<String, String> config, Path logDir, String name) {
        this.name = name;
        this.jar = findJar(module);
        this.httpPort = httpPort;
        this.config = config;
        this.log = logDir.resolve(name + ".log");
    }

    @Override
    public String toString() {
        return name;
    }

    /** The repository root: the nearest directory above the working directory holding mvnw. */
    public static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("mvnw"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("not inside the drivebus repository (no mvnw above " + Path.of("").toAbsolutePath() + ")");
        }
        return p;
    }

    static Path findJar(String module) {
        Path jar = repositoryRoot().resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services first (./mvnw package -DskipTests)");
        }
        return jar;
    }

    public synchronized ServiceProcess start() {
        List<String> cmd = new ArrayList<>(Detach.prefix());
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx384m");
        cmd.add("-XX:+UseSerialGC");
        // e.g. a profiler for one run: DRIVEBUS_SERVICE_JVM_OPTS="-XX:StartFlightRecording=filename=/tmp/rs.jfr"
        cmd.addAll(Processes.jvmOptions("DRIVEBUS_SERVICE_JVM_OPTS"));
        cmd.add("-Dquarkus.http.port=" + httpPort);
        config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Waits until the service reports ready on its health endpoint. */
    public ServiceProcess awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            KafkaBroker.sleep(200);
        }
        throw new IllegalStateException(name + " not ready after " + timeout + "; see " + log);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public Path log() {
        return log;
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    /** kill -9. */
    public synchronized void kill() {
        if (process != null) {
            Processes.kill(process);
            process = null;
        }
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            Processes.stop(process, 20);
            process = null;
        }
    }
}
