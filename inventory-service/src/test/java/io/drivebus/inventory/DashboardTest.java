package io.drivebus.inventory;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard in a real browser (Debian's headless Chromium over the DevTools protocol): it loads, shows what the
 * bus said, and a reservation made on the bus afterwards appears on the open page without a reload. Skipped where
 * /usr/bin/chromium is not installed (CI: apt-get install chromium).
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class DashboardTest {

    /**
     * What the dashboard looks like: in target/, so a test run leaves the checkout as it was; the repository's
     * docs/dashboard.png is refreshed by pointing {@code -Ddrivebus.screenshot} at it.
     */
    static final Path SCREENSHOT = Path.of(System.getProperty("drivebus.screenshot", "target/dashboard.png"));

    static Bus bus;

    @TestHTTPResource("/")
    URL root;

    @BeforeAll
    static void open() {
        bus = new Bus();
    }

    @AfterAll
    static void close() {
        bus.close();
    }

    static LibraryStatus library(String lib) {
        List<SlotStatus> slots = IntStream.rangeClosed(1, 16).mapToObj(i -> i == 7 || i == 12
                ? new SlotStatus(i, SlotState.EMPTY, null, null, false)
                : new SlotStatus(i, SlotState.FULL, String.format("DB%04d", i), String.format("DB%04dL8", i), i == 16)).toList();
        List<DriveStatus> drives = List.of(
                new DriveStatus("d0", "/dev/nst0", DriveState.empty, "LTO-8", null, null, null, null, 4),
                new DriveStatus("d1", "/dev/nst1", DriveState.loaded, "LTO-8", "DB0012", "DB0012L8", 12, null, 9));
        return new LibraryStatus(lib, "tapehost1", "mtx", "HP MSL2024", true, drives, slots, 1, 5000);
    }

    @Test
    void theOpenPageShowsAReservationMadeOnTheBusWithoutAReload() throws Exception {
        assumeTrue(Files.isExecutable(Chromium.BINARY), "no " + Chromium.BINARY + " (apt-get install chromium)");
        String lib = "msl2024-" + UUID.randomUUID().toString().substring(0, 4);
        String rid = "r-" + UUID.randomUUID().toString().substring(0, 8);
        Owner holder = new Owner("nightly-full", "backup1");
        bus.publish(Topics.DEVICE_STATUS, library(lib));
        // an earlier reservation, over by now: the history shows it
        String earlier = "r-" + UUID.randomUUID().toString().substring(0, 8);
        Owner incremental = new Owner("incr-daily", "backup2");
        bus.publish(Topics.RESERVATION_EVENTS, new ReservationGranted(lib, earlier, incremental, "incr", "d1", "tapehost1",
                "/dev/nst1", 12, "DB0012", 9, Instant.now().plus(5, ChronoUnit.MINUTES), false));
        bus.publish(Topics.RESERVATION_EVENTS, new io.drivebus.schemas.reservation.ReservationReleased(lib, earlier, incremental, "d1", 9));
        InventoryProjectionTest.awaitInventory(lib, r -> r.statusCode(200));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> io.restassured.RestAssured.given()
                .get("/api/reservations/{id}", earlier).then().statusCode(200).body("state", org.hamcrest.Matchers.is("released")));

        try (Chromium chromium = new Chromium(1400, 1000)) {
            chromium.navigate(root + "?library=" + lib);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
                    chromium.eval("window.drivebusLive === 'open' && !!document.querySelector('[data-library=\"" + lib
                            + "\"] [data-drive=\"d1\"]')").asBoolean());
            assertEquals("DB0012", chromium.eval("document.querySelector('[data-library=\"" + lib
                    + "\"] [data-drive=\"d1\"] .volume b').textContent").asText());
            assertTrue(chromium.eval("document.querySelector('[data-library=\"" + lib + "\"] [data-drive=\"d0\"] .holder')"
                    + ".textContent").asText().contains("free"));
            // a mark on this page instance: still there after the update means the page was not reloaded
            chromium.eval("window.sameDocument = 'yes'");

            Instant lease = Instant.now().plus(14, ChronoUnit.MINUTES);
            String request = "req-" + rid;
            bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", request,
                    new ReservationGranted(lib, rid, holder, "nightly", "d0", "tapehost1", "/dev/nst0", 3, "DB0003", 5, lease, true)));
            bus.publish(Topics.DEVICE_EVENTS, new DeviceCommandResult(lib, "c-1", "tapehost1", "d0", DeviceAction.load, 5,
                    CommandOutcome.done, null, 3, "DB0003", "DB0003L8", rid));
            bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("reservation-service", request,
                    new ReservationReady(lib, rid, holder, "d0", "/dev/nst0", 3, "DB0003", "DB0003L8", 5, lease)));
            bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("client", "req-w1",
                    new ReservationQueued(lib, new Owner("copy-job", "backup2"), 1)));
            bus.publish(Topics.RESERVATION_EVENTS, Envelope.of("client", "req-w2",
                    new ReservationQueued(lib, new Owner("verify", "backup3"), 2)));

            String drive0 = "document.querySelector('[data-library=\"" + lib + "\"] [data-drive=\"d0\"]')";
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                String row = chromium.eval(drive0 + ".textContent").asText();
                assertTrue(row.contains("nightly-full") && row.contains("ready") && row.contains("DB0003"), row);
                assertEquals(2, chromium.eval("document.querySelectorAll('[data-library=\"" + lib + "\"] .queue li[data-request]').length").asInt());
                assertTrue(chromium.eval("document.querySelector('[data-library=\"" + lib + "\"] [data-slot=\"3\"]').classList.contains('reserved')")
                        .asBoolean());
                assertTrue(chromium.eval("!!document.querySelector('#reservations [data-reservation=\"" + rid + "\"]')").asBoolean());
            });
            assertEquals("yes", chromium.eval("window.sameDocument").asText(), "the page must update in place");
            String lease0 = chromium.eval(drive0 + ".querySelector('.lease').textContent").asText();
            assertTrue(lease0.matches("1[34]m \\d\\ds"), "lease time left: " + lease0);

            // the volume search
            chromium.eval("document.querySelector('#search-label').value = 'DB0003';"
                    + "document.querySelector('#search').requestSubmit()");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertTrue(chromium.eval(
                    "document.querySelector('#search-result').textContent").asText().contains("in drive d0 of " + lib)));
            await().atMost(Duration.ofSeconds(5)).until(() -> chromium.eval("document.querySelectorAll('.flash').length").asInt() == 0);
            chromium.screenshot(SCREENSHOT);
        }
        assertTrue(Files.size(SCREENSHOT) > 10_000);
    }
}
