package io.drivebus.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

/**
 * The real Apache Kafka broker (KRaft, one node acting as broker and controller) as a child process bound to
 * 127.0.0.1. Its classpath comes from the kafka-broker module; it starts in about two seconds. {@link KafkaCluster}
 * starts several, with a controller of their own.
 */
public final class KafkaBroker implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final BrokerSecurity security;
    /** 1 for the node that is the controller (and a broker, unless {@link #controllerOnly}); higher for one that {@link #join}ed it. */
    private final int nodeId;
    private final String clusterId;
    /** A KRaft controller without a client listener: {@link #port} is its controller port. */
    private final boolean controllerOnly;
    /**
     * How many replicas the cluster's internal topics, and topics created without a factor, get; all but one of them (at
     * least one, at most two) must be in sync for a write, so that any one broker may be down.
     */
    private final int replicas;
    private Process process;

    private KafkaBroker(Path dir, int port, int controllerPort, BrokerSecurity security, int nodeId, String clusterId, boolean controllerOnly,
            int replicas) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.security = security;
        this.nodeId = nodeId;
        this.clusterId = clusterId;
        this.controllerOnly = controllerOnly;
        this.replicas = replicas;
    }

    /** Starts a broker keeping its data in {@code dir}; an existing data directory is reused (a restart). */
    public static KafkaBroker start(Path dir, int port) {
        return start(dir, port, null);
    }

    /** As {@link #start(Path, int)}; with {@code security}, the only client listener is SASL/SCRAM over TLS. */
    public static KafkaBroker start(Path dir, int port, BrokerSecurity security) {
        KafkaBroker b = new KafkaBroker(dir, port == 0 ? Ports.free() : port, Ports.free(), security, 1, newClusterId(), false, 1);
        b.startProcess();
        return b;
    }

    /**
     * Starts a KRaft controller alone (node 1, plaintext), for brokers to {@link #join}: whose topics then get
     * {@code replicas} replicas unless created with a factor of their own, as do the cluster's internal topics.
     */
    static KafkaBroker startController(Path dir, int replicas) {
        int controllerPort = Ports.free();
        KafkaBroker c = new KafkaBroker(dir, controllerPort, controllerPort, null, 1, newClusterId(), true, replicas);
        c.startProcess();
        return c;
    }

    /**
     * Starts another broker, node {@code nodeId}, in this one's cluster, its controller this one's: for tests that need
     * a partition whose only replica is on a broker they can stop while the rest of the cluster goes on. Plaintext only.
     */
    public KafkaBroker join(Path dir, int nodeId) {
        if (security != null || nodeId <= 1) {
            throw new IllegalArgumentException("a joining broker is plaintext and numbered above 1");
        }
        KafkaBroker b = new KafkaBroker(dir, Ports.free(), controllerPort, null, nodeId, clusterId, false, replicas);
        b.startProcess();
        return b;
    }

    /** Null for a plaintext broker. */
    public BrokerSecurity security() {
        return security;
    }

    /** Client settings with which this broker's bootstrap address works (the broker's own user when secured). */
    public java.util.Map<String, String> adminClientProperties() {
        return security == null ? java.util.Map.of() : security.clientProperties(security.brokerUser(), security.password(security.brokerUser()));
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    public synchronized void startProcess() {
        try {
            Files.createDirectories(dir);
            Path props = dir.resolve("server.properties");
            Path logs = dir.resolve("data");
            writeConfig(props, logs);
            if (!Files.exists(logs.resolve("meta.properties"))) {
                List<String> format = new ArrayList<>(List.of("kafka.tools.StorageTool", "format", "--cluster-id=" + clusterId, "-c",
                        props.toString(), "--ignore-formatted"));
                if (security != null) {
                    format.addAll(security.scramFormatArgs());
                }
                run(format, dir.resolve("format.log"));
            }
            List<String> cmd = new ArrayList<>(Detach.prefix());
            List<String> opts = new ArrayList<>(List.of("-Xms256m", "-Xmx768m"));
            // e.g. a profiler for one run: DRIVEBUS_BROKER_JVM_OPTS="-XX:StartFlightRecording=filename=/tmp/broker.jfr"
            opts.addAll(Processes.jvmOptions("DRIVEBUS_BROKER_JVM_OPTS"));
            opts.addAll(List.of("kafka.Kafka", props.toString()));
            cmd.addAll(javaCommand(opts.toArray(String[]::new)));
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile())).start();
            awaitPort(Duration.ofSeconds(60));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** kill -9: for failure tests. */
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

    public long pid() {
        return process == null ? -1 : process.pid();
    }

    private void writeConfig(Path file, Path logs) throws IOException {
        Properties p = new Properties();
        p.setProperty("process.roles", controllerOnly ? "controller" : nodeId == 1 ? "broker,controller" : "broker");
        p.setProperty("node.id", String.valueOf(nodeId));
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.setProperty("controller.listener.names", "CONTROLLER");
        if (controllerOnly) {
            p.setProperty("listeners", "CONTROLLER://127.0.0.1:" + controllerPort);
            p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT");
        } else {
            String listener = security == null ? "PLAINTEXT" : "SASL_SSL";
            p.setProperty("listeners", listener + "://127.0.0.1:" + port + (nodeId == 1 ? ",CONTROLLER://127.0.0.1:" + controllerPort : ""));
            p.setProperty("advertised.listeners", listener + "://127.0.0.1:" + port);
            // with ACLs enforced, the controller must know the broker as a principal (see BrokerSecurity)
            String controller = security != null && security.acls() ? "SASL_PLAINTEXT" : "PLAINTEXT";
            p.setProperty("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:" + controller);
            p.setProperty("inter.broker.listener.name", listener);
        }
        if (security != null) {
            security.brokerProperties().forEach(p::setProperty);
        }
        p.setProperty("log.dirs", logs.toString());
        p.setProperty("num.partitions", "4");
        p.setProperty("auto.create.topics.enable", "false");
        // One node: every internal topic must have replication factor 1 or groups and transactions hang. A cluster
        // replicates them as k8s/ does its topics: a broker's restart then leaves no partition without a leader.
        String factor = String.valueOf(replicas);
        String inSync = String.valueOf(Math.min(2, Math.max(1, replicas - 1)));
        p.setProperty("offsets.topic.replication.factor", factor);
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", factor);
        p.setProperty("transaction.state.log.min.isr", inSync);
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", factor);
        p.setProperty("share.coordinator.state.topic.min.isr", inSync);
        p.setProperty("default.replication.factor", factor);
        p.setProperty("min.insync.replicas", inSync);
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // the reservation-service's 2 s session timeout (fast takeover) is below the default floor of 6 s
        p.setProperty("group.min.session.timeout.ms", "1000");
        // A killed transactional producer's open transaction blocks read_committed readers until it is
        // aborted: check for timed-out transactions often so failover is fast.
        p.setProperty("transaction.abort.timed.out.transaction.cleanup.interval.ms", "500");
        // A transaction's first write to a partition is verified with its coordinator, and until the coordinator has
        // finished the previous commit it answers "concurrent transactions": the broker retries after this back-off,
        // 20 ms by default, and a grant answered then waits for it (docs/design-notes.md).
        p.setProperty("add.partitions.to.txn.retry.backoff.ms", "1");
        p.setProperty("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        // e.g. to measure a broker setting: DRIVEBUS_BROKER_CONFIG="num.io.threads=4,log.flush.interval.messages=1"
        String overrides = System.getenv("DRIVEBUS_BROKER_CONFIG");
        if (overrides != null && !overrides.isBlank()) {
            for (String kv : overrides.split(",")) {
                String[] pair = kv.split("=", 2);
                if (pair.length != 2) {
                    throw new IllegalArgumentException("DRIVEBUS_BROKER_CONFIG: '" + kv + "' is not name=value");
                }
                p.setProperty(pair[0].trim(), pair[1].trim());
            }
        }
        try (var out = Files.newBufferedWriter(file)) {
            p.store(out, "drivebus local broker");
        }
    }

    private void awaitPort(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka broker exited with " + process.exitValue() + "; see " + dir.resolve("broker.log"));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                sleep(100);
            }
        }
        throw new IllegalStateException("Kafka broker did not open port " + port + "; see " + dir.resolve("broker.log"));
    }

    private void run(List<String> mainAndArgs, Path log) throws IOException {
        Process p = new ProcessBuilder(javaCommand(mainAndArgs.toArray(String[]::new))).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        int rc = waitFor(p);
        if (rc != 0) {
            throw new IllegalStateException(mainAndArgs.get(0) + " failed (" + rc + "); see " + log);
        }
    }

    private static List<String> javaCommand(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add("-Dlog4j2.level=WARN");
        for (String a : args) {
            cmd.add(a);
        }
        return cmd;
    }

    static String classpath() {
        try (InputStream in = KafkaBroker.class.getResourceAsStream("kafka-broker.classpath")) {
            if (in == null) {
                throw new IllegalStateException("kafka-broker.classpath missing: build the local-stack/kafka-broker module");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String newClusterId() {
        UUID u = UUID.randomUUID();
        ByteBuffer b = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    private static int waitFor(Process p) {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
