package io.drivebus.reservation.streams;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import io.drivebus.reservation.auth.Security;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs the reservation topology for the life of the service. Every {@code kafka.*} property (the client settings
 * all services share, e.g. {@code kafka.security.protocol}) and then every {@code kafka-streams.*} property is
 * passed to Kafka Streams as is (e.g. {@code kafka-streams.commit.interval.ms}); see application.properties for the
 * latency and failover settings chosen and why. Streams' own metrics (commit latency, records processed, lag of
 * each task's inputs) are on {@code /q/metrics} as {@code kafka_stream_*}.
 */
@ApplicationScoped
public class ReservationStreams {
    private static final Logger LOG = Logger.getLogger(ReservationStreams.class);
    static final String PREFIX = "kafka-streams.";
    static final String KAFKA_PREFIX = "kafka.";

    private final Config config;
    private final String bootstrap;
    private final Duration tickInterval;
    private final boolean unloadOnExpiry;
    private volatile KafkaStreams streams;
    /** Why the service did not start (a misconfigured requests topic), or null. */
    private volatile String misconfigured;
    private HangingTransactions hanging;
    private CommandTopics commandTopics;
    private RequestsLog.Producer requestsLog;
    private final Duration hangingAfter;
    private final MeterRegistry registry;
    private KafkaStreamsMetrics metrics;

    ReservationStreams(Config config, MeterRegistry registry, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "drivebus.reservation.tick-interval", defaultValue = "250ms") Duration tickInterval,
            @ConfigProperty(name = "drivebus.reservation.unload-on-expiry", defaultValue = "false") boolean unloadOnExpiry,
            @ConfigProperty(name = "drivebus.reservation.hanging-transaction-after", defaultValue = "30s") Duration hangingAfter) {
        this.hangingAfter = hangingAfter;
        this.registry = registry;
        this.config = config;
        this.bootstrap = bootstrap;
        this.tickInterval = tickInterval;
        this.unloadOnExpiry = unloadOnExpiry;
    }

    void start(@Observes StartupEvent ev) {
        Properties props = new Properties();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(KAFKA_PREFIX) && !name.equals("kafka.bootstrap.servers")) {
                // client settings shared with the other services (security: SASL, TLS), for every client Streams makes
                props.put(name.substring(KAFKA_PREFIX.length()), config.getValue(name, String.class));
            }
        }
        for (String name : config.getPropertyNames()) {
            if (name.startsWith(PREFIX)) {
                props.put(name.substring(PREFIX.length()), config.getValue(name, String.class));
            }
        }
        props.putAll(fromEnvironment(System.getenv()));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // a bad RocksDB budget fails the start, not each store as it opens
        BoundedRocksDbMemory.bytes(props.get(BoundedRocksDbMemory.MEMORY_BYTES));
        String source = "reservation-service/" + props.getProperty(StreamsConfig.APPLICATION_SERVER_CONFIG,
                props.getProperty("client.id", "instance"));
        Security security = SecurityConfig.read(config);
        org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(HangingTransactions.adminProperties(props));
        misconfigured = RequestsTopicCheck.problem(admin);
        if (misconfigured != null) {
            LOG.errorf("not starting: %s", misconfigured);
            admin.close();
            return;
        }
        commandTopics = new CommandTopics(admin, System::currentTimeMillis);
        requestsLog = new RequestsLog.Producer(props);
        streams = new KafkaStreams(ReservationTopology.build(tickInterval, source, unloadOnExpiry, security,
                commandTopics, requestsLog), props, new RequestsLog.FlushBeforeCommit(requestsLog));
        LOG.infof("records are %s", security == null ? "not authenticated (drivebus.auth.enforce=false)"
                : "authenticated: " + security.principals().size() + " principals"
                        + (security.derivesHostPrincipals() ? " and a derived one per agent host" : "") + ", signing as " + security.self());
        streams.setUncaughtExceptionHandler(e -> {
            LOG.error("stream thread failed; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(registry);
        streams.start();
        LOG.infof("reservation topology started against %s", bootstrap);
        if (!hangingAfter.isZero()) {
            hanging = new HangingTransactions(HangingTransactions.adminProperties(props), props.getProperty(StreamsConfig.APPLICATION_ID_CONFIG),
                    hangingAfter, System::currentTimeMillis).start(Duration.ofSeconds(5));
        }
    }

    /**
     * Kubernetes hands settings in as environment variables: {@code KAFKA_SASL_JAAS_CONFIG} is {@code sasl.jaas.config}
     * for every client, {@code KAFKA_STREAMS_STATE_DIR} is Streams' {@code state.dir}. (Settings with dashes in their
     * names cannot be spelled so; use properties for those.)
     */
    static Properties fromEnvironment(java.util.Map<String, String> env) {
        Properties common = new Properties();
        Properties streams = new Properties();
        env.forEach((k, v) -> {
            if (k.startsWith("KAFKA_STREAMS_")) {
                streams.put(k.substring("KAFKA_STREAMS_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.'), v);
            } else if (k.startsWith("KAFKA_") && !k.equals("KAFKA_BOOTSTRAP_SERVERS")) {
                common.put(k.substring("KAFKA_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.'), v);
            }
        });
        common.putAll(streams);
        return common;
    }

    void stop(@Observes ShutdownEvent ev) {
        if (hanging != null) {
            hanging.close();
        }
        if (metrics != null) {
            metrics.close();
        }
        if (streams != null) {
            streams.close(Duration.ofSeconds(10));
        }
        if (commandTopics != null) {
            commandTopics.close();
        }
        if (requestsLog != null) {
            requestsLog.close();
        }
    }

    /** Why the service did not start, or null. */
    public String misconfigured() {
        return misconfigured;
    }

    public KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.CREATED : streams.state();
    }
}
