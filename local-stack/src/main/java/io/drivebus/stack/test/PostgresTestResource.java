package io.drivebus.stack.test;

import io.drivebus.stack.Postgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * A real PostgreSQL for {@code @QuarkusTest}s, once per test JVM: a container where a Docker engine is reachable,
 * else embedded (zonky); or the server in {@code DRIVEBUS_POSTGRES_URL} ({@code postgresql://user:password@host:port/db}).
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private static Postgres postgres;

    public static synchronized Postgres postgres() {
        if (postgres == null) {
            String external = System.getenv("DRIVEBUS_POSTGRES_URL");
            if (external != null && !external.isBlank()) {
                postgres = Postgres.external(external);
            } else if (Containers.engineReachable()) {
                postgres = Containers.postgres();
            } else {
                try {
                    Postgres pg = Postgres.embedded(KafkaTestResource.tmp("drivebus-pg"), 0);
                    Runtime.getRuntime().addShutdownHook(new Thread(pg::close, "postgres-stop"));
                    postgres = pg;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
        return postgres;
    }

    @Override
    public Map<String, String> start() {
        return postgres().quarkusConfig();
    }

    @Override
    public void stop() {
        // shared by every test class of this JVM; stopped by the shutdown hook
    }
}
