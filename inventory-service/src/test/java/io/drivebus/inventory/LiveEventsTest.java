package io.drivebus.inventory;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Topics;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The server-sent event stream: one change per applied record, filtered by library, over a real HTTP connection. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class LiveEventsTest {

    static Bus bus;

    @TestHTTPResource("/api/events")
    URL events;

    @BeforeAll
    static void open() {
        bus = new Bus();
    }

    @AfterAll
    static void close() {
        bus.close();
    }

    /** An open SSE connection: its events as (name, data) as they arrive. */
    static final class Stream implements AutoCloseable {
        final List<String[]> received = new CopyOnWriteArrayList<>();
        private final CompletableFuture<HttpResponse<java.util.stream.Stream<String>>> response;

        Stream(URI uri) {
            HttpClient http = HttpClient.newHttpClient();
            response = http.sendAsync(HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofLines());
            response.thenAccept(r -> {
                String[] name = { "message" };
                try (java.util.stream.Stream<String> lines = r.body()) {
                    lines.forEach(line -> {
                        if (line.startsWith("event:")) {
                            name[0] = line.substring(6).trim();
                        } else if (line.startsWith("data:")) {
                            received.add(new String[] { name[0], line.substring(5).trim() });
                        } else if (line.isEmpty()) {
                            name[0] = "message";
                        }
                    });
                } catch (RuntimeException closed) {
                    // the test closed it
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> received.stream().anyMatch(e -> e[0].equals("hello")));
        }

        List<JsonNode> changes() {
            return received.stream().filter(e -> e[0].equals("change")).map(e -> {
                try {
                    return MessageCodec.newObjectMapper().readTree(e[1]);
                } catch (java.io.IOException x) {
                    throw new IllegalStateException(x);
                }
            }).toList();
        }

        @Override
        public void close() {
            response.thenAccept(r -> r.body().close());
        }
    }

    @Test
    void eachAppliedRecordIsToldToSubscribersOfItsLibraryOnly() throws Exception {
        String lib = InventoryProjectionTest.newLibrary();
        String other = InventoryProjectionTest.newLibrary();
        String rid = "r-" + java.util.UUID.randomUUID();
        try (Stream mine = new Stream(URI.create(events + "?library=" + lib)); Stream all = new Stream(events.toURI())) {
            Envelope<?> otherStatus = bus.publish(Topics.DEVICE_STATUS, InventoryProjectionTest.status(other, 1, "v",
                    List.of(InventoryProjectionTest.emptyDrive()), InventoryProjectionTest.fullSlots(2)));
            Envelope<?> status = bus.publish(Topics.DEVICE_STATUS, InventoryProjectionTest.status(lib, 1, "v",
                    List.of(InventoryProjectionTest.emptyDrive()), InventoryProjectionTest.fullSlots(3)));
            Envelope<?> grant = bus.publish(Topics.RESERVATION_EVENTS, InventoryProjectionTest.granted(lib, rid));

            await().atMost(Duration.ofSeconds(30)).until(() -> mine.changes().size() >= 2);
            await().atMost(Duration.ofSeconds(30)).until(() -> all.changes().stream().anyMatch(c -> c.path("library").asText().equals(other)));
            JsonNode statusChange = mine.changes().stream().filter(c -> c.path("eventId").asText().equals(status.id())).findFirst().orElseThrow();
            assertEquals("library-status", statusChange.path("type").asText());
            assertTrue(statusChange.path("what").toString().contains("slot"), statusChange.toString());
            JsonNode grantChange = mine.changes().stream().filter(c -> c.path("eventId").asText().equals(grant.id())).findFirst().orElseThrow();
            assertEquals("granted", grantChange.path("type").asText());
            assertEquals(rid, grantChange.path("reservationId").asText());
            assertEquals("d0", grantChange.path("drive").asText());
            assertTrue(grantChange.path("what").toString().contains("reservation"));
            // the change is told after its transaction committed: what it names can be read already
            assertTrue(Bus.processed(grant.id()));
            assertTrue(mine.changes().stream().allMatch(c -> c.path("library").asText().equals(lib)),
                    "only the subscribed library: " + mine.changes());
            assertTrue(Bus.processed(otherStatus.id()));

            // a redelivered record changes nothing, so it is not told again
            bus.publish(Topics.RESERVATION_EVENTS, grant);
            Envelope<?> renewal = bus.publish(Topics.RESERVATION_EVENTS, new io.drivebus.schemas.reservation.LeaseRenewed(lib, rid,
                    InventoryProjectionTest.OWNER, InventoryProjectionTest.RENEWED));
            await().atMost(Duration.ofSeconds(30)).until(() -> mine.changes().stream()
                    .anyMatch(c -> c.path("eventId").asText().equals(renewal.id())));
            assertEquals(1, mine.changes().stream().filter(c -> c.path("eventId").asText().equals(grant.id())).count());
        }
    }
}
