package io.drivebus.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.client.ClientConfig;
import io.drivebus.client.DrivebusClient;
import io.drivebus.client.DrivebusException;
import io.drivebus.client.Lease;
import io.drivebus.client.Reserve;
import io.drivebus.client.ReservationListener;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.stack.LocalStack;
import io.drivebus.stack.ServiceProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 6 end to end: the {@code drivebus} command line (the script at the repository root, a separate JVM per call, as a
 * backup job runs it) and the client library's lease, cancel and changer calls, against the three packaged services
 * with the demo library (slots 1-10 DEMO001..DEMO010, drives d0, d1). Every verb, the JSON shapes, the exit codes,
 * and {@code hold} releasing after its command exits, is killed, or drivebus itself is stopped.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientCliIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final ObjectMapper JSON = Inventory.JSON;
    static final String[] VERBS = {"reserve", "hold", "release", "renew", "cancel", "status", "inventory", "slot", "label", "current",
            "next", "reset", "eject", "update", "move", "show"};

    static Path dir;
    static LocalStack stack;
    static Inventory inventory;
    static DrivebusClient client;

    record Run(int code, String out, String err) {
        JsonNode json() throws IOException {
            return JSON.readTree(out);
        }
    }

    @BeforeAll
    static void up() throws IOException {
        dir = Files.createTempDirectory("drivebus-cli");
        stack = LocalStack.start(LocalStack.Options.forTests(dir), m -> System.out.println("stack: " + m));
        inventory = new Inventory(stack, WAIT);
        client = DrivebusClient.connect(ClientConfig.of(stack.bootstrap()).withSource("client-cli-it"));
        awaitInventory(inv -> inv.path("slots").size() == 10);
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

    // ---------------------------------------------------------------- reserve, status, inventory, release, renew

    @Test
    @Order(1)
    void reserveStatusInventoryRenewReleaseWithTheirJsonAndExitCodes() throws Exception {
        Run r = drivebus("reserve", "--library", "demo", "--slot", "3", "--owner", "cli-a", "--site", "h1", "--job", "nightly", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode res = r.json();
        for (String field : List.of("library", "reservationId", "owner", "job", "drive", "host", "devicePath", "slot", "label", "token",
                "leaseExpiresAt", "requestId")) {
            assertTrue(res.has(field), field + " in " + r.out());
        }
        assertEquals("DEMO003", res.path("label").asText());
        assertEquals(3, res.path("slot").asInt());
        assertEquals("cli-a", res.path("owner").path("key").asText());
        assertTrue(res.path("token").asLong() > 0);
        String id = res.path("reservationId").asText();
        String drive = res.path("drive").asText();

        // status of the reservation (inventory REST), human and JSON
        awaitInventory(i -> Inventory.slot(i, 3).path("reserved").asBoolean());
        Run st = drivebus("status", "--reservation", id);
        assertEquals(0, st.code(), st.err());
        assertTrue(st.out().startsWith("reservation " + id + ": "), st.out());
        assertTrue(st.out().contains("volume DEMO003 from slot 3"), st.out());
        assertTrue(st.out().contains("owner cli-a@h1"), st.out());
        JsonNode stj = drivebus("status", "--reservation", id, "--json").json();
        assertTrue(stj.path("active").asBoolean(), stj.toString());
        assertEquals(drive, stj.path("drive").asText());

        Run lib = drivebus("status", "--library", "demo");
        assertEquals(0, lib.code(), lib.err());
        assertTrue(lib.out().contains("drive " + drive), lib.out());
        assertTrue(lib.out().contains("reserved by cli-a@h1 (reservation " + id), lib.out());
        assertEquals(10, drivebus("status", "--library", "demo", "--json").json().path("slots").size());
        assertTrue(drivebus("status").out().contains("library demo on test-host"), "every library");

        Run inv = drivebus("inventory", "--library", "demo");
        assertEquals(0, inv.code(), inv.err());
        List<String> lines = inv.out().lines().toList();
        assertEquals(10, lines.size(), inv.out());
        assertEquals("slot  1: label DEMO001", lines.get(0));
        assertEquals("slot  3: label DEMO003 (in drive " + drive + ", reserved by cli-a@h1)", lines.get(2));
        assertEquals("slot 10: label DEMO010", lines.get(9));
        assertTrue(drivebus("inventory", "--library", "demo", "--json").json().path("drives").isArray());

        // someone else: volinuse (4) naming the holder, JSON error shape; unauthorized (10) on release
        Run busy = drivebus("reserve", "--library", "demo", "--label", "DEMO003", "--owner", "cli-b", "--json");
        assertEquals(4, busy.code(), busy.err());
        JsonNode err = busy.json();
        assertEquals("volinuse", err.path("error").path("reason").asText());
        assertEquals("failed", err.path("error").path("kind").asText());
        assertEquals("cli-a", err.path("error").path("holder").path("key").asText());
        assertEquals(id, err.path("error").path("holderReservationId").asText());
        assertEquals(4, err.path("exitCode").asInt());
        assertFalse(err.path("requestId").asText().isEmpty());
        assertTrue(busy.err().startsWith("drivebus: failed volinuse:"), busy.err());
        assertEquals(10, drivebus("release", "--library", "demo", "--reservation", id, "--owner", "cli-b").code());

        Run renew = drivebus("renew", "--library", "demo", "--reservation", id, "--owner", "cli-a", "--site", "h1", "--lease", "10m",
                "--json");
        assertEquals(0, renew.code(), renew.err());
        assertEquals(id, renew.json().path("reservationId").asText());
        assertFalse(renew.json().path("leaseExpiresAt").asText().isEmpty());

        Run rel = drivebus("release", "--library", "demo", "--reservation", id, "--owner", "cli-a", "--site", "h1");
        assertEquals(0, rel.code(), rel.err());
        assertTrue(rel.out().startsWith("released reservation " + id + " (drive " + drive), rel.out());
        awaitInventory(i -> !Inventory.slot(i, 3).path("reserved").asBoolean());
        JsonNode ended = awaitReservation(id, x -> !x.path("active").asBoolean());
        assertEquals("released", ended.path("state").asText(), ended.toString());

        // notfound (3), invalid (8), usage (2), unreachable inventory (1)
        assertEquals(3, drivebus("release", "--library", "demo", "--reservation", "no-such-reservation").code());
        assertEquals(3, drivebus("status", "--reservation", "no-such-reservation").code());
        assertEquals(8, drivebus("reserve", "--library", "not a library id", "--slot", "1").code());
        assertEquals(2, drivebus("reserve", "--library", "demo").code());
        assertEquals(1, drivebus("inventory", "--library", "demo", "--inventory", "http://127.0.0.1:1", "--timeout", "2s").code());
    }

    // ---------------------------------------------------------------- Amanda's changer verbs

    @Test
    @Order(2)
    void changerVerbs() throws Exception {
        Run show = drivebus("show", "--library", "demo");
        assertEquals(0, show.code(), show.err());
        assertTrue(show.out().contains("num_slots: 10"), show.out());
        JsonNode info = drivebus("show", "--library", "demo", "--json").json();
        assertEquals(10, info.path("numSlots").asInt(), info.toString());
        assertTrue(info.has("vendor") && info.has("fastSearch") && info.has("currentSlot"), info.toString());

        Run reset = drivebus("reset", "--library", "demo");
        assertEquals(0, reset.code(), reset.err());
        assertEquals("changer demo is reset, current slot 1", reset.out().strip());

        // slot / label / current / next are reserves, Amanda-style
        JsonNode s4 = reserveAndRelease("slot", "4");
        assertEquals("DEMO004", s4.path("label").asText());
        assertEquals("DEMO006", reserveAndRelease("label", "DEMO006").path("label").asText());
        assertEquals(1, reserveAndRelease("current").path("slot").asInt(), "current after reset");
        assertEquals(2, reserveAndRelease("next").path("slot").asInt(), "next after slot 1");
        assertEquals(3, reserveAndRelease("next", "--except-slots", "2").path("slot").asInt());
        JsonNode moved = reserveAndRelease("next", "--except-slots", "2,3", "--set-current");
        assertEquals(4, moved.path("slot").asInt());
        assertEquals(4, drivebus("show", "--library", "demo", "--json").json().path("currentSlot").asInt(), "--set-current");

        // eject: a free loaded drive is emptied; a reserved one is refused (5)
        JsonNode held = drivebus("slot", "7", "--library", "demo", "--owner", "cli-e", "--json").json();
        Run refused = drivebus("eject", "--library", "demo", "--drive", held.path("drive").asText(), "--json");
        assertEquals(5, refused.code(), refused.out() + refused.err());
        assertEquals("driveinuse", refused.json().path("error").path("reason").asText());
        assertEquals(0, drivebus("release", "--library", "demo", "--reservation", held.path("reservationId").asText(), "--owner",
                "cli-e").code());
        Run eject = drivebus("eject", "--library", "demo", "--drive", held.path("drive").asText());
        assertEquals(0, eject.code(), eject.err());
        assertEquals("drive " + held.path("drive").asText() + " is empty, volume back in slot 7", eject.out().strip());
        awaitInventory(i -> "FULL".equals(Inventory.slot(i, 7).path("state").asText()));

        // update without motion: N=LABEL; a bad spec is invalid (8)
        Run upd = drivebus("update", "--library", "demo", "9=DEMO009", "--json");
        assertEquals(0, upd.code(), upd.err());
        assertEquals(List.of(9), List.of(upd.json().path("slots").get(0).asInt()));
        assertEquals(8, drivebus("update", "--library", "demo", "nonsense!").code());
        assertEquals(2, drivebus("eject", "--library", "demo").code(), "--drive is required");
    }

    /** Rescan and move need the agent's scan/transfer (the agent side is finished separately): kept apart. */
    @Test
    @Order(3)
    void updateRescanAndMove() throws Exception {
        Run upd = drivebus("update", "--library", "demo", "1-3", "--timeout", "30s");
        assertEquals(0, upd.code(), "rescan: " + upd.out() + upd.err());
        assertEquals("updated slots 1,2,3 of changer demo", upd.out().strip());
        // DEMO010 out of slot 10 and back
        Run away = drivebus("move", "10", "11", "--library", "demo", "--timeout", "30s");
        if (away.code() == 8) {
            // the demo library has 10 slots and all are full: nothing to move to; the refusal is the check
            assertTrue(away.err().contains("invalid"), away.err());
            return;
        }
        assertEquals(0, away.code(), away.out() + away.err());
    }

    // ---------------------------------------------------------------- hold

    @Test
    @Order(4)
    void holdRunsTheCommandWithTheReservationAndReleasesWhenItExits() throws Exception {
        Path seen = dir.resolve("hold-env");
        Run r = drivebus("hold", "--library", "demo", "--slot", "5", "--owner", "cli-h", "--json", "--", "sh", "-c",
                "test -d \"$DRIVEBUS_DEVICE\" && echo \"$DRIVEBUS_VOLUME $DRIVEBUS_SLOT $DRIVEBUS_TOKEN $DRIVEBUS_DRIVE $DRIVEBUS_RESERVATION\" > "
                        + seen + "; exit 7");
        assertEquals(7, r.code(), "the command's exit code: " + r.err());
        String[] env = Files.readString(seen).strip().split(" ");
        assertEquals("DEMO005", env[0]);
        assertEquals("5", env[1]);
        JsonNode j = JSON.readTree(r.out().lines().reduce((a, b) -> b).orElseThrow());
        assertEquals(7, j.path("commandExitCode").asInt());
        assertEquals(7, j.path("exitCode").asInt());
        assertTrue(j.path("released").asBoolean(), r.out());
        assertEquals(env[2], j.path("reservation").path("token").asText());
        assertEquals(env[4], j.path("reservation").path("reservationId").asText());
        assertEquals("released", awaitReservation(env[4], x -> !x.path("active").asBoolean()).path("state").asText());

        // the human form says what it holds and that it released
        Run human = drivebus("hold", "--library", "demo", "--label", "DEMO005", "--owner", "cli-h", "--", "true");
        assertEquals(0, human.code(), human.err());
        assertTrue(human.err().contains("drivebus: holding drive"), human.err());
        assertTrue(human.err().contains("drivebus: released reservation"), human.err());
    }

    @Test
    @Order(5)
    void holdReleasesWhenTheCommandIsKilled() throws Exception {
        Path pidFile = dir.resolve("hold-killed.pid");
        Process p = start("hold", "--library", "demo", "--slot", "6", "--owner", "cli-k", "--", "sh", "-c",
                "echo $$ > " + pidFile + "; exec sleep 120");
        long child = awaitPid(pidFile);
        String id = awaitHoldingLine(p);
        assertTrue(awaitReservation(id, x -> x.path("active").asBoolean()).path("active").asBoolean());
        ProcessHandle.of(child).orElseThrow().destroyForcibly(); // SIGKILL
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(128 + 9, p.exitValue(), "128 + SIGKILL");
        assertEquals("released", awaitReservation(id, x -> !x.path("active").asBoolean()).path("state").asText());
        awaitInventory(i -> !Inventory.slot(i, 6).path("reserved").asBoolean());
    }

    @Test
    @Order(6)
    void holdStopsTheCommandAndReleasesWhenDrivebusIsTerminated() throws Exception {
        Path pidFile = dir.resolve("hold-term.pid");
        Process p = start("hold", "--library", "demo", "--slot", "8", "--owner", "cli-t", "--kill-after", "3s", "--", "sh", "-c",
                "echo $$ > " + pidFile + "; exec sleep 120");
        long child = awaitPid(pidFile);
        String id = awaitHoldingLine(p);
        p.destroy(); // SIGTERM to drivebus (the script execs the JVM)
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(128 + 15, p.exitValue());
        assertFalse(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false), "the command was stopped");
        assertEquals("released", awaitReservation(id, x -> !x.path("active").asBoolean()).path("state").asText());
    }

    // ---------------------------------------------------------------- waiting, cancel, lease (library)

    @Test
    @Order(7)
    void waitingQueueCancelAndTheBackgroundLease() throws Exception {
        Owner a = new Owner("lib-a", "it");
        Owner b = new Owner("lib-b", "it");
        // both drives held: a reserve without --wait is answered at once (driveinuse, 5); with --wait it expires (9)
        try (Lease one = client.hold(Reserve.slot("demo", 1).owner(a).lease(Duration.ofSeconds(6)).request(), WAIT);
                Lease two = client.hold(Reserve.slot("demo", 2).owner(a).lease(Duration.ofSeconds(6)).request(), WAIT)) {
            assertEquals(Duration.ofSeconds(2), one.renewInterval());
            Run now = drivebus("reserve", "--library", "demo", "--slot", "3", "--owner", "cli-w");
            assertEquals(5, now.code(), now.err());
            Run expired = drivebus("reserve", "--library", "demo", "--slot", "3", "--owner", "cli-w", "--wait", "2s");
            assertEquals(9, expired.code(), expired.err());
            assertTrue(expired.err().contains("queued in library demo, position 1"), expired.err());

            // the library: a waiter hears its position and is withdrawn by cancel
            CompletableFuture<String> requestId = new CompletableFuture<>();
            CompletableFuture<Integer> position = new CompletableFuture<>();
            var waiting = client.reserveAsync(Reserve.slot("demo", 4).owner(b).waitUpTo(Duration.ofMinutes(1)).request(),
                    Duration.ofMinutes(1), new ReservationListener() {
                        @Override
                        public void sent(String id) {
                            requestId.complete(id);
                        }

                        @Override
                        public void queued(int p) {
                            position.complete(p);
                        }
                    });
            assertEquals(1, position.get(30, TimeUnit.SECONDS));
            ReservationEvent cancelled = client.cancel("demo", requestId.get(), b, WAIT);
            assertTrue(cancelled instanceof ReservationCancelled, String.valueOf(cancelled));
            assertThrows(Exception.class, () -> waiting.get(30, TimeUnit.SECONDS));

            // a CLI waiter is served when a drive is released
            Process waiter = start("reserve", "--library", "demo", "--slot", "3", "--owner", "cli-w", "--wait", "60s", "--json");
            Thread.sleep(9_000); // longer than the 6 s lease: only the background renewals keep the drives held
            assertTrue(waiter.isAlive(), "still waiting: both leases were renewed");
            assertFalse(one.isLost());
            one.close();
            assertTrue(waiter.waitFor(60, TimeUnit.SECONDS));
            String out = new String(waiter.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, waiter.exitValue(), out);
            JsonNode got = JSON.readTree(out);
            assertEquals("DEMO003", got.path("label").asText());
            client.release("demo", got.path("reservationId").asText(), new Owner("cli-w", ClientConfig.localHostName()), WAIT);
        }
        awaitInventory(i -> !Inventory.slot(i, 1).path("reserved").asBoolean() && !Inventory.slot(i, 2).path("reserved").asBoolean());

        // the library's changer call
        assertEquals(10, client.changer(ChangerRequest.of("demo", a, ChangerOp.info), WAIT).numSlots());
        DrivebusException e = assertThrows(DrivebusException.class,
                () -> client.changer(new ChangerRequest("demo", a, ChangerOp.eject, "no-such-drive", null, null, null), WAIT));
        assertEquals(ErrorReason.notfound, e.reason());
    }

    @Test
    @Order(8)
    void everyVerbHasHelp() throws Exception {
        Run top = drivebus("--help");
        assertEquals(0, top.code());
        for (String verb : VERBS) {
            assertTrue(top.out().contains("  " + verb + " "), verb + ": " + top.out());
        }
        assertTrue(top.out().contains("volinuse"), "exit codes: " + top.out());
        for (String verb : List.of("hold", "status", "inventory", "slot", "show", "update")) {
            Run h = drivebus(verb, "--help");
            assertEquals(0, h.code(), verb);
            assertTrue(h.out().startsWith("Usage: drivebus " + verb), h.out());
        }
    }

    // ---------------------------------------------------------------- helpers

    JsonNode reserveAndRelease(String... verbAndArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of(verbAndArgs));
        args.addAll(List.of("--library", "demo", "--owner", "cli-c", "--json"));
        Run r = drivebus(args.toArray(String[]::new));
        assertEquals(0, r.code(), String.join(" ", args) + ": " + r.out() + r.err());
        JsonNode j = r.json();
        assertEquals(0, drivebus("release", "--library", "demo", "--reservation", j.path("reservationId").asText(), "--owner", "cli-c").code());
        return j;
    }

    static ProcessBuilder builder(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ServiceProcess.repositoryRoot().resolve("drivebus").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("DRIVEBUS_BOOTSTRAP", stack.bootstrap());
        env.put("DRIVEBUS_INVENTORY", stack.inventoryUrl());
        return pb;
    }

    static Run drivebus(String... args) throws Exception {
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = builder(args).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", args));
        return new Run(p.exitValue(), out, Files.readString(err));
    }

    /** A drivebus call left running; stderr goes to a file (see {@link #awaitHoldingLine}). */
    static Process start(String... args) throws IOException {
        Path err = dir.resolve("err-" + System.nanoTime() + ".txt");
        Process p = builder(args).redirectError(err.toFile()).start();
        ERR_FILES.put(p, err);
        return p;
    }

    static final Map<Process, Path> ERR_FILES = new java.util.concurrent.ConcurrentHashMap<>();
    static final Pattern HOLDING = Pattern.compile("reservation (\\S+); running");

    /** hold's "holding drive ..., reservation ID; running ..." line: the reservation id. */
    static String awaitHoldingLine(Process p) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String err = "";
        while (System.nanoTime() < deadline) {
            err = Files.readString(ERR_FILES.get(p));
            Matcher m = HOLDING.matcher(err);
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("hold did not start its command: " + err);
    }

    static long awaitPid(Path file) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                String s = Files.readString(file).strip();
                if (!s.isEmpty()) {
                    return Long.parseLong(s);
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no pid in " + file);
    }

    static JsonNode awaitReservation(String id, Predicate<JsonNode> condition) {
        return inventory.await("/api/reservations/" + id, condition);
    }

    static JsonNode awaitInventory(Predicate<JsonNode> condition) {
        return inventory.awaitLibrary("demo", condition);
    }

}
