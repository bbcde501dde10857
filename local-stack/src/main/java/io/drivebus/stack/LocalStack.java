package io.drivebus.stack;

import io.drivebus.schemas.auth.HostKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole system on one machine without containers: the Kafka broker, PostgreSQL (embedded unless a URL is
 * given), drivebus' topics, and the three packaged services as separate processes, with a demo library of
 * virtual tapes served by the agent. Used by the one-command stack ({@link Stack}) and by the system tests.
 */
public final class LocalStack implements AutoCloseable {

    /** What to start. Ports of 0 pick free ones (tests); the defaults are for people. */
    public record Options(Path dir, int kafkaPort, String postgresUrl, int postgresPort, int inventoryPort, int reservationPort,
            int agentPort, String agentHost, String demoLibrary, int demoSlots, List<String> demoDrives, Duration leaseTick,
            boolean secure, int brokers) {

        public Options(Path dir, int kafkaPort, String postgresUrl, int postgresPort, int inventoryPort, int reservationPort, int agentPort,
                String agentHost, String demoLibrary, int demoSlots, List<String> demoDrives, Duration leaseTick) {
            this(dir, kafkaPort, postgresUrl, postgresPort, inventoryPort, reservationPort, agentPort, agentHost, demoLibrary, demoSlots,
                    demoDrives, leaseTick, false, 1);
        }

        /**
         * The broker's only client listener is SASL/SCRAM over TLS and every service and client gets a user of its own;
         * and every producer signs its records, which the reservation-service enforces (drivebus.auth.enforce).
         */
        public Options secured() {
            return new Options(dir, kafkaPort, postgresUrl, postgresPort, inventoryPort, reservationPort, agentPort, agentHost, demoLibrary,
                    demoSlots, demoDrives, leaseTick, true, brokers);
        }

        /**
         * {@code brokers} brokers with a controller of their own instead of one broker ({@link KafkaCluster}): topics and
         * the services' changelogs get three replicas, two in sync, as in k8s/. Plaintext, on any free port.
         */
        public Options withBrokers(int brokers) {
            return new Options(dir, kafkaPort, postgresUrl, postgresPort, inventoryPort, reservationPort, agentPort, agentHost, demoLibrary,
                    demoSlots, demoDrives, leaseTick, secure, brokers);
        }

        public static Options forPeople(Path dir) {
            return new Options(dir, 9092, null, 15432, 8080, 8081, 8082, "demo-host", "demo", 10, List.of("d0", "d1"),
                    Duration.ofMillis(250));
        }

        public static Options forTests(Path dir) {
            return new Options(dir, 0, System.getenv("DRIVEBUS_POSTGRES_URL"), 0, Ports.free(), Ports.free(), Ports.free(), "test-host",
                    "demo", 10, List.of("d0", "d1"), Duration.ofMillis(250));
        }

        public Options withPostgresUrl(String url) {
            return new Options(dir, kafkaPort, url, postgresPort, inventoryPort, reservationPort, agentPort, agentHost, demoLibrary,
                    demoSlots, demoDrives, leaseTick, secure, brokers);
        }
    }

    private final Options options;
    /** Record-signing secrets by principal (secure stacks only). */
    private final Map<String, String> signing = new LinkedHashMap<>();
    /** The master key the agents' host secrets are derived from (secure stacks only). */
    private String agentKey;
    private KafkaBroker broker;
    /** Instead of {@link #broker}, when {@link Options#brokers} is above 1. */
    private KafkaCluster cluster;
    private Postgres postgres;
    private final Map<String, ServiceProcess> services = Collections.synchronizedMap(new LinkedHashMap<>());

    private LocalStack(Options options) {
        this.options = options;
    }

    public static LocalStack start(Options o, java.util.function.Consumer<String> progress) {
        LocalStack s = new LocalStack(o);
        try {
            s.startAll(progress);
            return s;
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void startAll(java.util.function.Consumer<String> progress) {
        Path logs = options.dir.resolve("logs");
        BrokerSecurity security = null;
        if (options.secure) {
            java.util.Map<String, String> users = new java.util.LinkedHashMap<>();
            for (String u : List.of("admin", "reservation-service", "inventory-service", "device-agent", "backup-client")) {
                users.put(u, u + "-" + Long.toHexString(new java.security.SecureRandom().nextLong()));
            }
            security = BrokerSecurity.create(options.dir.resolve("tls"), users);
        }
        if (options.secure) {
            for (String p : List.of("reservation-service", "inventory-service", "backup-client")) {
                signing.put(p, p + "-" + Long.toHexString(new java.security.SecureRandom().nextLong()));
            }
            // agents: the reservation-service holds the master key, the agent only its host's secret derived from it
            agentKey = "agent-key-" + Long.toHexString(new java.security.SecureRandom().nextLong());
            signing.put(HostKeys.principal(options.agentHost), HostKeys.secret(agentKey, options.agentHost));
        }
        if (options.brokers > 1) {
            if (options.secure) {
                throw new IllegalArgumentException("a stack of several brokers is plaintext");
            }
            progress.accept("starting Kafka (KRaft, " + options.brokers + " brokers and a controller, 127.0.0.1)");
            cluster = KafkaCluster.start(options.dir.resolve("kafka"), options.brokers);
            TopicSetup.ensureTopics(cluster.bootstrap(), 4);
        } else {
            progress.accept("starting Kafka (KRaft, 127.0.0.1" + (security == null ? ")" : ", SASL/SCRAM over TLS)"));
            broker = KafkaBroker.start(options.dir.resolve("kafka"), options.kafkaPort, security);
            TopicSetup.ensureTopics(broker.bootstrap(), 4, broker.adminClientProperties());
        }
        if (options.postgresUrl == null || options.postgresUrl.isBlank()) {
            progress.accept("starting embedded PostgreSQL");
            postgres = Postgres.embedded(options.dir.resolve("postgres"), options.postgresPort);
        } else {
            progress.accept("using PostgreSQL at " + options.postgresUrl.replaceAll("//[^@/]*@", "//***@"));
            postgres = Postgres.external(options.postgresUrl);
        }
        progress.accept("starting inventory-service, reservation-service, device-agent");
        Map<String, String> inventory = new LinkedHashMap<>(postgres.quarkusConfig());
        inventory.put("kafka.bootstrap.servers", bootstrap());
        inventory.putAll(kafkaSecurity("inventory-service"));
        if (options.secure) {
            inventory.put("drivebus.inventory.principal", "inventory-service");
            inventory.put("drivebus.inventory.secret", signing.get("inventory-service"));
        }
        services.put("inventory-service", new ServiceProcess("inventory-service", options.inventoryPort, inventory, logs).start());

        services.put("reservation-service", startReservationService("reservation-service", options.reservationPort));

        Map<String, String> agent = new LinkedHashMap<>();
        agent.put("kafka.bootstrap.servers", bootstrap());
        agent.putAll(kafkaSecurity("device-agent"));
        if (options.secure) {
            // signs as host:<host> (the default) and accepts only commands signed with this secret
            agent.put("drivebus.agent.secret", signing.get(HostKeys.principal(options.agentHost)));
        }
        agent.put("drivebus.agent.host", options.agentHost);
        agent.put("drivebus.agent.state-dir", options.dir.resolve("agent-state").toString());
        String lib = "drivebus.agent.libraries." + options.demoLibrary;
        agent.put(lib + ".driver", "vtape");
        agent.put(lib + ".path", options.dir.resolve("vtl").resolve(options.demoLibrary).toString());
        agent.put(lib + ".init.slots", String.valueOf(options.demoSlots));
        agent.put(lib + ".init.drives", String.join(",", options.demoDrives));
        agent.put(lib + ".init.label-prefix", options.demoLibrary.toUpperCase());
        services.put("device-agent", new ServiceProcess("device-agent", options.agentPort, agent, logs).start());

        recordPids();
        for (ServiceProcess p : List.copyOf(services.values())) {
            p.awaitReady(Duration.ofSeconds(120));
        }
    }

    /** For the ./stack script's last-resort cleanup should this launcher itself be killed. */
    private void recordPids() {
        List<String> pids = new ArrayList<>();
        brokers().forEach(b -> pids.add(String.valueOf(b.pid())));
        if (cluster != null) {
            pids.add(String.valueOf(cluster.controller().pid()));
        }
        services.values().forEach(p -> pids.add(String.valueOf(p.pid())));
        try {
            java.nio.file.Files.write(options.dir.resolve("pids"), pids);
        } catch (java.io.IOException e) {
            System.err.println("cannot record pids: " + e);
        }
    }

    /** Another reservation-service instance (same consumer group), for failover tests. */
    public ServiceProcess startReservationService(String name, int port) {
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("kafka.bootstrap.servers", bootstrap());
        cfg.putAll(kafkaSecurity("reservation-service"));
        if (options.secure) {
            // who may ask for what: jobs act for the site backup1 only; the inventory proxies authenticated operators
            cfg.put("drivebus.auth.enforce", "true");
            String pre = "drivebus.auth.principals.";
            signing.forEach((principal, secret) -> {
                if (HostKeys.hostOf(principal) == null) {
                    cfg.put(pre + principal + ".secret", secret);
                }
            });
            cfg.put("drivebus.auth.agent-key", agentKey);
            cfg.put(pre + "reservation-service.sites", "*");
            cfg.put(pre + "inventory-service.sites", "*");
            cfg.put(pre + "inventory-service.roles", "break-site,break-any,changer");
            cfg.put(pre + "backup-client.sites", "backup1");
        }
        cfg.put("kafka-streams.state.dir", options.dir.resolve("streams-" + name).toString());
        cfg.put("drivebus.reservation.tick-interval", options.leaseTick.toMillis() + "ms");
        // this broker aborts timed-out transactions within a second (KafkaBroker), so a transaction open 10 s is hanging
        cfg.put("drivebus.reservation.hanging-transaction-after", "10s");
        return new ServiceProcess("reservation-service", port, cfg, options.dir.resolve("logs"), name).start();
    }

    public String bootstrap() {
        return cluster != null ? cluster.bootstrap() : broker.bootstrap();
    }

    /** The {@code kafka.*} settings a service needs to reach the broker as {@code user} (none for a plaintext broker). */
    public Map<String, String> kafkaSecurity(String user) {
        Map<String, String> m = new LinkedHashMap<>();
        clientProperties(user).forEach((k, v) -> m.put("kafka." + k, v));
        return m;
    }

    /** The secret {@code principal} signs its records with (secure stacks; the test client is "backup-client"). */
    public String signingSecret(String principal) {
        return signing.get(principal);
    }

    /** Plain Kafka client settings for {@code user} (empty for a plaintext broker). */
    public Map<String, String> clientProperties(String user) {
        BrokerSecurity s = broker == null ? null : broker.security();
        return s == null ? Map.of() : s.clientProperties(user, s.password(user));
    }

    /** The one broker; for a stack of several, the first. */
    public KafkaBroker broker() {
        return brokers().get(0);
    }

    public List<KafkaBroker> brokers() {
        return cluster != null ? cluster.brokers() : List.of(broker);
    }

    /** Null unless {@link Options#brokers} is above 1. */
    public KafkaCluster cluster() {
        return cluster;
    }

    public ServiceProcess service(String name) {
        return services.get(name);
    }

    public String inventoryUrl() {
        return "http://127.0.0.1:" + options.inventoryPort;
    }

    public Options options() {
        return options;
    }

    /** Stops the services first (they may still be writing), then PostgreSQL and the broker. */
    @Override
    public void close() {
        List<ServiceProcess> all = new ArrayList<>(services.values());
        Collections.reverse(all);
        for (ServiceProcess p : all) {
            try {
                p.close();
            } catch (RuntimeException e) {
                System.err.println("stopping " + p + ": " + e);
            }
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (RuntimeException e) {
                System.err.println("stopping PostgreSQL: " + e);
            }
        }
        if (broker != null) {
            broker.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
