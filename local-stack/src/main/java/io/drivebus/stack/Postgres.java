package io.drivebus.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * PostgreSQL for the stack and the tests: real PostgreSQL binaries from a Maven artifact (zonky), data in
 * the caller's directory, or any server given by URL ({@link #external}).
 */
public final class Postgres implements AutoCloseable {
    private final EmbeddedPostgres embedded;
    private final String host;
    private final int port;
    private final String database;
    private final String user;
    private final String password;

    private Postgres(EmbeddedPostgres embedded, String host, int port, String database, String user, String password) {
        this.embedded = embedded;
        this.host = host;
        this.port = port;
        this.database = database;
        this.user = user;
        this.password = password;
    }

    public static Postgres embedded(Path dataDir, int port) {
        try {
            Files.createDirectories(dataDir);
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setPort(port == 0 ? Ports.free() : port)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "200")
                    .start();
            return new Postgres(pg, "127.0.0.1", pg.getPort(), "postgres", "postgres", "postgres");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A server given by URL, {@code postgresql://user:password@host:port/db}. */
    public static Postgres external(String url) {
        java.net.URI u = java.net.URI.create(url.replaceFirst("^jdbc:", ""));
        String[] cred = u.getUserInfo() == null ? new String[] {"postgres", ""} : u.getUserInfo().split(":", 2);
        return new Postgres(null, u.getHost(), u.getPort() < 0 ? 5432 : u.getPort(), u.getPath().replaceFirst("^/", ""),
                cred[0], cred.length > 1 ? cred[1] : "");
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    public String reactiveUrl() {
        return "postgresql://" + host + ":" + port + "/" + database;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    /** The Quarkus datasource configuration for this server. */
    public Map<String, String> quarkusConfig() {
        return Map.of(
                "quarkus.datasource.reactive.url", reactiveUrl(),
                "quarkus.datasource.jdbc.url", jdbcUrl(),
                "quarkus.datasource.username", user,
                "quarkus.datasource.password", password);
    }

    @Override
    public void close() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
