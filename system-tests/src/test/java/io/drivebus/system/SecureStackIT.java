package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.client.ClientConfig;
import io.drivebus.client.DrivebusClient;
import io.drivebus.client.DrivebusException;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.client.Reservation;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.stack.LocalStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.Test;

/**
 * Issue 8.2 and 8.3: the broker's only client listener is SASL/SCRAM-SHA-512 over TLS and every producer signs its
 * records. Every service runs so, a backup job's signed client is served end to end, a forged owner and an unsigned
 * request are refused {@code unauthorized}, and clients without valid Kafka credentials get nothing.
 */
class SecureStackIT {

    @Test
    void everyServiceAndTheClientSpeakScramOverTlsAndStrangersAreRefused() throws Exception {
        Path dir = Files.createTempDirectory("drivebus-secure");
        try (LocalStack stack = LocalStack.start(LocalStack.Options.forTests(dir).secured(), m -> System.out.println("stack: " + m))) {
            // the whole path: client -> reservation-service -> agent -> reservation-service -> client, all authenticated
            ClientConfig cfg = ClientConfig.of(stack.bootstrap()).withSource("secure-test")
                    .withSigning("backup-client", stack.signingSecret("backup-client"));
            for (Map.Entry<String, String> e : stack.clientProperties("backup-client").entrySet()) {
                cfg = cfg.withKafkaProperty(e.getKey(), e.getValue());
            }
            try (DrivebusClient client = DrivebusClient.connect(cfg)) {
                Reservation r = client.reserve(ReserveRequest.bySlot("demo", new Owner("secure-job", "backup1"), 2), Duration.ofSeconds(60));
                assertEquals("DEMO002", r.label());
                client.release(r);
                // issue 8.3: the job's principal acts for site backup1 only, so it cannot forge another site's owner
                DrivebusException forged = assertThrows(DrivebusException.class,
                        () -> client.reserve(ReserveRequest.bySlot("demo", new Owner("secure-job", "backup2"), 3), Duration.ofSeconds(60)));
                assertEquals(ErrorReason.unauthorized, forged.reason());
            }
            // and an unsigned client is refused even with valid Kafka credentials
            ClientConfig unsigned = ClientConfig.of(stack.bootstrap()).withSource("unsigned-test");
            for (Map.Entry<String, String> e : stack.clientProperties("backup-client").entrySet()) {
                unsigned = unsigned.withKafkaProperty(e.getKey(), e.getValue());
            }
            try (DrivebusClient client = DrivebusClient.connect(unsigned)) {
                DrivebusException refused = assertThrows(DrivebusException.class,
                        () -> client.reserve(ReserveRequest.bySlot("demo", new Owner("secure-job", "backup1"), 4), Duration.ofSeconds(60)));
                assertEquals(ErrorReason.unauthorized, refused.reason());
            }
            // the inventory-service projected it over its own authenticated consumers
            new Inventory(stack, Duration.ofSeconds(30)).awaitLibrary("demo", inv -> Inventory.drive(inv, "d0").path("label").asText()
                    .equals("DEMO002") || Inventory.drive(inv, "d1").path("label").asText().equals("DEMO002"));

            // a wrong password is refused by SCRAM
            Map<String, String> wrong = new java.util.HashMap<>(stack.clientProperties("backup-client"));
            wrong.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"backup-client\" "
                    + "password=\"guess\";");
            ExecutionException ex = assertThrows(ExecutionException.class, () -> listTopics(stack.bootstrap(), wrong));
            assertTrue(ex.getCause() instanceof SaslAuthenticationException, String.valueOf(ex.getCause()));

            // TLS without credentials, and plaintext, get nothing at all
            assertThrows(Exception.class, () -> listTopics(stack.bootstrap(), tlsOnly(stack)));
            assertThrows(Exception.class, () -> listTopics(stack.bootstrap(), Map.of()));
        }
    }

    private static Map<String, String> tlsOnly(LocalStack stack) {
        Map<String, String> m = new java.util.HashMap<>(stack.clientProperties("backup-client"));
        m.remove("sasl.jaas.config");
        m.remove("sasl.mechanism");
        m.put("security.protocol", "SSL");
        return m;
    }

    private static void listTopics(String bootstrap, Map<String, String> security) throws Exception {
        Properties p = new Properties();
        p.putAll(security);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "8000");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "4000");
        try (Admin admin = Admin.create(p)) {
            admin.listTopics().names().get(10, TimeUnit.SECONDS);
        }
    }
}
