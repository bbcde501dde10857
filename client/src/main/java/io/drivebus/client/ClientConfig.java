package io.drivebus.client;

import io.drivebus.schemas.Owner;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a {@link DrivebusClient} reaches the bus and whom it speaks for.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param source           the envelope {@code source} of every message this client sends
 * @param defaultOwner     the owner used when a request names none
 * @param requestTimeout   how long release and renew wait for their answer unless told otherwise
 * @param kafkaProperties  extra properties for the client's producer and consumer (SASL, TLS, client.id, ...);
 *                         they win over the client's own settings
 */
public record ClientConfig(
        String bootstrapServers,
        String source,
        Owner defaultOwner,
        Duration requestTimeout,
        Map<String, String> kafkaProperties,
        Signing signing) {

    public static final String BOOTSTRAP_ENV = "DRIVEBUS_BOOTSTRAP";
    /** The principal and secret requests are signed with (see {@link Signing}); unsigned when absent. */
    public static final String PRINCIPAL_ENV = "DRIVEBUS_PRINCIPAL";
    public static final String SECRET_ENV = "DRIVEBUS_SECRET";

    /**
     * A reservation-service that enforces authentication accepts a request only from a principal that proves itself
     * (an HMAC with the secret it shares with the service) and may act for the request's owner.
     */
    public record Signing(String principal, String secret) {
        public Signing {
            Objects.requireNonNull(principal, "principal");
            Objects.requireNonNull(secret, "secret");
        }

        @Override
        public String toString() {
            return principal; // never the secret
        }
    }
    public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

    public ClientConfig {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(defaultOwner, "defaultOwner");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        kafkaProperties = Map.copyOf(kafkaProperties == null ? Map.of() : kafkaProperties);
    }

    /** Bootstrap from {@code DRIVEBUS_BOOTSTRAP} (else 127.0.0.1:9092); owner = user.name @ this host. */
    public static ClientConfig defaults() {
        String host = localHostName();
        String principal = System.getenv(PRINCIPAL_ENV);
        String secret = System.getenv(SECRET_ENV);
        Signing signing = principal != null && !principal.isBlank() && secret != null ? new Signing(principal, secret) : null;
        return new ClientConfig(defaultBootstrap(), "drivebus-client/" + host,
                new Owner(System.getProperty("user.name", "unknown"), host), Duration.ofSeconds(30), Map.of(), signing);
    }

    public static ClientConfig of(String bootstrapServers) {
        return defaults().withBootstrapServers(bootstrapServers);
    }

    public static String defaultBootstrap() {
        String env = System.getenv(BOOTSTRAP_ENV);
        return env == null || env.isBlank() ? DEFAULT_BOOTSTRAP : env.trim();
    }

    /** The host name owners default to as their {@code site}. */
    public static String localHostName() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            if (name != null && !name.isBlank()) {
                return name;
            }
        } catch (Exception e) {
            // fall through: a host without resolvable name still gets a usable site
        }
        String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? "localhost" : env;
    }

    public ClientConfig withBootstrapServers(String servers) {
        return new ClientConfig(servers, source, defaultOwner, requestTimeout, kafkaProperties, signing);
    }

    public ClientConfig withSource(String s) {
        return new ClientConfig(bootstrapServers, s, defaultOwner, requestTimeout, kafkaProperties, signing);
    }

    public ClientConfig withDefaultOwner(Owner owner) {
        return new ClientConfig(bootstrapServers, source, owner, requestTimeout, kafkaProperties, signing);
    }

    public ClientConfig withRequestTimeout(Duration timeout) {
        return new ClientConfig(bootstrapServers, source, defaultOwner, timeout, kafkaProperties, signing);
    }

    public ClientConfig withSigning(String principal, String secret) {
        return new ClientConfig(bootstrapServers, source, defaultOwner, requestTimeout, kafkaProperties, new Signing(principal, secret));
    }

    public ClientConfig withKafkaProperty(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(kafkaProperties);
        m.put(key, value);
        return new ClientConfig(bootstrapServers, source, defaultOwner, requestTimeout, m, signing);
    }
}
