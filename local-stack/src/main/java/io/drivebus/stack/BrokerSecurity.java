package io.drivebus.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SASL/SCRAM-SHA-512 over TLS for the local broker: a self-signed certificate for 127.0.0.1 made with the JDK's
 * keytool, a truststore holding it, and SCRAM users created when the broker's storage is formatted. The same
 * settings a Strimzi listener gives a client, so the services are tested the way they are deployed.
 */
public final class BrokerSecurity {
    public static final String MECHANISM = "SCRAM-SHA-512";
    static final String STORE_PASSWORD = "drivebus-local";

    private final Path keystore;
    private final Path truststore;
    private final Map<String, String> users;
    private final boolean acls;

    private BrokerSecurity(Path keystore, Path truststore, Map<String, String> users, boolean acls) {
        this.keystore = keystore;
        this.truststore = truststore;
        this.users = users;
        this.acls = acls;
    }

    /** Makes (or reuses) the certificate under {@code dir}; {@code users} are user name to password, the first is the broker's own. */
    public static BrokerSecurity create(Path dir, Map<String, String> users) {
        try {
            Files.createDirectories(dir);
            Path ks = dir.resolve("broker.p12");
            Path ts = dir.resolve("truststore.p12");
            Path cert = dir.resolve("broker.crt");
            if (!Files.exists(ts)) {
                Files.deleteIfExists(ks);
                keytool(List.of("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "3650",
                        "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", ks.toString(), "-storetype", "PKCS12",
                        "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD));
                // the rest in process: each keytool is a JVM start, seconds on a loaded machine
                trust(ks, ts, cert);
            }
            return new BrokerSecurity(ks, ts, new LinkedHashMap<>(users), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The same, and the broker enforces ACLs as a Strimzi cluster with {@code authorization: simple} does: KRaft's
     * StandardAuthorizer, the broker's own user the only super user, and what no ACL allows is refused.
     */
    public BrokerSecurity withAcls() {
        return new BrokerSecurity(keystore, truststore, users, true);
    }

    /** Whether the broker enforces ACLs. */
    public boolean acls() {
        return acls;
    }

    public String brokerUser() {
        return users.keySet().iterator().next();
    }

    Map<String, String> users() {
        return users;
    }

    /** The broker's listener settings (the SASL_SSL listener is named PLAINTEXT's place: {@code SASL_SSL}). */
    Map<String, String> brokerProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(brokerUser(), users.get(brokerUser())));
        p.put("ssl.keystore.location", keystore.toString());
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.password", STORE_PASSWORD);
        p.put("ssl.key.password", STORE_PASSWORD);
        p.put("ssl.truststore.location", truststore.toString());
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.password", STORE_PASSWORD);
        if (acls) {
            p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            p.put("super.users", "User:" + brokerUser());
            p.put("allow.everyone.if.no.acl.found", "false");
            // The broker registers with its controller over the CONTROLLER listener, which then needs a principal
            // too (SCRAM credentials live in the metadata the controller serves, so PLAIN): the broker's own user,
            // rather than making ANONYMOUS a super user.
            String user = brokerUser();
            String pw = users.get(user);
            p.put("sasl.mechanism.controller.protocol", "PLAIN");
            p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
            p.put("listener.name.controller.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                    + user + "\" password=\"" + pw + "\" user_" + user + "=\"" + pw + "\";");
        }
        return p;
    }

    /** Storage-format arguments that create the SCRAM users. */
    List<String> scramFormatArgs() {
        return users.entrySet().stream()
                .flatMap(u -> java.util.stream.Stream.of("--add-scram", MECHANISM + "=[name=" + u.getKey() + ",password=" + u.getValue() + "]"))
                .toList();
    }

    /** Kafka client settings for {@code user}. */
    public Map<String, String> clientProperties(String user, String password) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", jaas(user, password));
        p.put("ssl.truststore.location", truststore.toString());
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.password", STORE_PASSWORD);
        return p;
    }

    /** TLS only, no credentials: what an unauthenticated client can at most do. */
    public Map<String, String> tlsOnlyProperties() {
        Map<String, String> p = new LinkedHashMap<>(clientProperties("nobody", "x"));
        p.remove("sasl.jaas.config");
        p.put("security.protocol", "SSL");
        p.remove("sasl.mechanism");
        return p;
    }

    public String password(String user) {
        return users.get(user);
    }

    static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";";
    }

    /** The broker's certificate as a PKCS12 truststore (written last: its existence means the material is complete) and as PEM. */
    private static void trust(Path keystore, Path truststore, Path pem) throws IOException {
        try {
            KeyStore key = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                key.load(in, STORE_PASSWORD.toCharArray());
            }
            Certificate c = key.getCertificate("broker");
            Files.writeString(pem, "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(c.getEncoded()) + "\n-----END CERTIFICATE-----\n");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("broker", c);
            Path tmp = truststore.resolveSibling(truststore.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                trust.store(out, STORE_PASSWORD.toCharArray());
            }
            Files.move(tmp, truststore, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (GeneralSecurityException e) {
            throw new IOException("making the truststore failed", e);
        }
    }

    private static void keytool(List<String> args) throws IOException {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) {
                throw new IOException("keytool " + args.get(0) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
