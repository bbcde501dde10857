package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.client.ClientConfig;
import io.drivebus.client.DrivebusClient;
import io.drivebus.client.DrivebusException;
import io.drivebus.client.Reservation;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.stack.LocalStack;
import io.drivebus.stack.ServiceProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 2's path for real: the three packaged services as separate processes on a real broker and PostgreSQL,
 * a demo library of virtual tapes, driven through the client library and the command line.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WalkingSkeletonIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final Owner JOB = new Owner("nightly-full", "backup1");
    static final Owner OTHER = new Owner("restore-17", "backup2");
    static final ObjectMapper JSON = Inventory.JSON;

    static LocalStack stack;
    static Inventory inventory;
    static DrivebusClient client;
    static Reservation held;

    @BeforeAll
    static void up() throws IOException {
        Path dir = Files.createTempDirectory("drivebus-system");
        stack = LocalStack.start(LocalStack.Options.forTests(dir), m -> System.out.println("stack: " + m));
        inventory = new Inventory(stack, WAIT);
        client = DrivebusClient.connect(ClientConfig.of(stack.bootstrap()).withSource("system-test"));
        // the agent's first status must have reached the inventory before the path starts
        inventory.awaitLibrary("demo", inv -> inv.path("slots").size() == 10);
    }

    @AfterAll
    static void down() {
        if (client != null) {
            client.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void reserveBySlotLoadsTheVolumeIntoADriveUnderAFencingToken() throws IOException {
        held = client.reserve(ReserveRequest.bySlot("demo", JOB, 3), WAIT);
        assertEquals("DEMO003", held.label());
        assertEquals(3, held.slot());
        assertTrue(held.token() > 0);
        assertNotNull(held.devicePath());
        // the agent really moved the volume: the drive's directory now holds volume DEMO003
        String inDrive = readTree(Path.of(held.devicePath()));
        assertTrue(inDrive.contains("DEMO003"), "drive directory holds the volume: " + inDrive);

        JsonNode inv = inventory.awaitLibrary("demo", i -> Inventory.slot(i, 3).path("reserved").asBoolean()
                && held.label().equals(Inventory.drive(i, held.drive()).path("label").asText()));
        assertEquals(JOB.key(), Inventory.slot(inv, 3).path("holder").path("key").asText());
        JsonNode d = Inventory.drive(inv, held.drive());
        assertEquals("loaded", d.path("state").asText());
        assertEquals(held.token(), d.path("reservation").path("token").asLong());
    }

    @Test
    @Order(2)
    void aSecondReserveOfTheHeldSlotIsRefusedNamingTheHolder() {
        DrivebusException e = assertThrows(DrivebusException.class, () -> client.reserve(ReserveRequest.bySlot("demo", OTHER, 3), WAIT));
        assertEquals(ErrorReason.volinuse, e.reason());
        assertEquals(JOB, e.error().holder());
        assertEquals(3, e.error().slot());
        // by label too
        assertEquals(ErrorReason.volinuse,
                assertThrows(DrivebusException.class, () -> client.reserve(ReserveRequest.byLabel("demo", OTHER, "DEMO003"), WAIT)).reason());
    }

    @Test
    @Order(3)
    void onlyTheOwnerReleasesAndReleaseFreesIt() {
        DrivebusException e = assertThrows(DrivebusException.class,
                () -> client.release("demo", held.reservationId(), OTHER, WAIT));
        assertEquals(ErrorReason.unauthorized, e.reason());
        client.release(held);
        JsonNode inv = inventory.awaitLibrary("demo", i -> !Inventory.slot(i, 3).path("reserved").asBoolean());
        assertTrue(Inventory.drive(inv, held.drive()).path("reservation").isNull() || Inventory.drive(inv, held.drive()).path("reservation").isMissingNode());
    }

    @Test
    @Order(4)
    void theCommandLinePrintsDriveDevicePathVolumeAndToken() throws Exception {
        Path root = ServiceProcess.repositoryRoot();
        ProcessBuilder pb = new ProcessBuilder(root.resolve("drivebus").toString(), "reserve", "--library", "demo", "--label", "DEMO005",
                "--owner", "cli-job", "--json").redirectErrorStream(true);
        pb.environment().put("DRIVEBUS_BOOTSTRAP", stack.bootstrap());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        JsonNode r = JSON.readTree(out.substring(out.indexOf('{')));
        assertEquals("DEMO005", r.path("label").asText(), out);
        assertFalse(r.path("devicePath").asText().isEmpty(), out);
        assertTrue(r.path("token").asLong() > 0, out);

        ProcessBuilder rel = new ProcessBuilder(root.resolve("drivebus").toString(), "release", "--library", "demo", "--reservation",
                r.path("reservationId").asText(), "--owner", "cli-job").redirectErrorStream(true);
        rel.environment().put("DRIVEBUS_BOOTSTRAP", stack.bootstrap());
        Process pr = rel.start();
        String relOut = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, pr.waitFor(), relOut);
    }

    // ---------------------------------------------------------------- helpers

    static String readTree(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                sb.append(f.getFileName()).append(": ").append(new String(Files.readAllBytes(f), StandardCharsets.UTF_8), 0,
                        (int) Math.min(200, Files.size(f))).append('\n');
            }
        }
        return sb.toString();
    }

}
