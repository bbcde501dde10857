package io.drivebus.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.drivebus.client.CannedResponder;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.stack.test.KafkaTestResource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/** The command line in-process: output, JSON and exit codes, against the real broker and a canned responder. */
class DrivebusCommandTest {

    static String bootstrap;
    static AutoCloseable responder;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        bootstrap = KafkaTestResource.bootstrap();
        responder = new CannedResponder(bootstrap);
    }

    @AfterAll
    static void stop() throws Exception {
        if (responder != null) {
            responder.close();
        }
    }

    static Run run(String... args) {
        CommandLine cmd = DrivebusCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String library() {
        return "lib-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void reservePrintsDriveDeviceVolumeAndToken() {
        Run r = run("--bootstrap", bootstrap, "reserve", "--library", library(), "--slot", "3", "--owner", "bob", "--site", "h1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("reserved drive d3 \\(/dev/nst-d3\\) volume DEMO003 from slot 3, token 7, "
                + "reservation r-[0-9a-f-]+, lease until 2030-01-01T00:05:00Z\\R"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void reserveJsonAfterLoadAndQueue() throws Exception {
        // --bootstrap after the verb too: it is a global option
        Run r = run("reserve", "--bootstrap", bootstrap, "--library", "lib-json", "--label", "DEMO009", "--job", "motion", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = MessageCodec.newObjectMapper().readTree(r.out());
        assertEquals("lib-json", j.get("library").asText());
        assertEquals("d0", j.get("drive").asText());
        assertEquals("/dev/nst-d0", j.get("devicePath").asText());
        assertEquals("DEMO009", j.get("label").asText());
        assertEquals(7, j.get("token").asLong());
        assertEquals("2030-01-01T00:06:00Z", j.get("leaseExpiresAt").asText());
        assertTrue(j.get("reservationId").asText().startsWith("r-"));
        assertEquals(System.getProperty("user.name"), j.get("owner").get("key").asText(), "owner defaults to the user");
        assertTrue(r.err().contains("queued in library lib-json, position 2"), r.err());
        assertTrue(r.err().contains("granted drive d0, loading volume DEMO009"), r.err());
    }

    @Test
    void volumeInUseNamesTheHolderAndExitsFour() throws Exception {
        Run r = run("--bootstrap", bootstrap, "reserve", "--library", library(), "--slot", "3", "--job", "volinuse");
        assertEquals(ExitCodes.VOLINUSE, r.code());
        assertEquals("", r.out());
        assertEquals("drivebus: failed volinuse: slot 3 is in use by alice@host (reservation r-1)", r.err().strip());

        Run j = run("--bootstrap", bootstrap, "reserve", "--library", library(), "--slot", "3", "--job", "volinuse", "--json");
        assertEquals(4, j.code());
        JsonNode e = MessageCodec.newObjectMapper().readTree(j.out());
        assertEquals("volinuse", e.get("error").get("reason").asText());
        assertEquals("alice", e.get("error").get("holder").get("key").asText());
        assertEquals("r-1", e.get("error").get("holderReservationId").asText());
        assertEquals(4, e.get("exitCode").asInt());
    }

    @Test
    void expiredWaitExitsNine() {
        Run r = run("--bootstrap", bootstrap, "reserve", "--library", library(), "--slot", "2", "--job", "expire");
        assertEquals(ExitCodes.TIMEOUT, r.code(), r.err());
        assertTrue(r.err().startsWith("drivebus: queued"), r.err());
        assertTrue(r.err().contains("drivebus: timeout:"), r.err());
    }

    @Test
    void releaseAndRenew() {
        String lib = library();
        Run rel = run("--bootstrap", bootstrap, "release", "--library", lib, "--reservation", "r-5", "--unload");
        assertEquals(0, rel.code(), rel.err());
        assertEquals("released reservation r-5 (drive d1, token 7)", rel.out().strip());

        Run denied = run("--bootstrap", bootstrap, "release", "--library", lib, "--reservation", "r-not-mine");
        assertEquals(ExitCodes.UNAUTHORIZED, denied.code());
        assertTrue(denied.err().startsWith("drivebus: failed unauthorized:"), denied.err());

        Run renew = run("--bootstrap", bootstrap, "renew", "--library", lib, "--reservation", "r-5", "--lease", "5m");
        assertEquals(0, renew.code(), renew.err());
        assertEquals("renewed reservation r-5, lease until 2030-01-01T00:05:00Z", renew.out().strip());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(ExitCodes.USAGE, run("reserve", "--library", "l").code(), "one of --slot / --label is required");
        assertEquals(ExitCodes.USAGE, run("reserve", "--library", "l", "--slot", "1", "--label", "X").code());
        assertEquals(ExitCodes.USAGE, run("reserve", "--library", "l", "--slot", "1", "--timeout", "soon").code());
        assertEquals(ExitCodes.USAGE, run().code(), "no verb");
        assertEquals(ExitCodes.USAGE, run("release", "--library", "l").code(), "--reservation is required");
    }

    @Test
    void everyVerbHasHelp() {
        for (String verb : new String[] {"reserve", "release", "renew"}) {
            Run r = run(verb, "--help");
            assertEquals(0, r.code());
            assertTrue(r.out().contains("--library"), r.out());
            assertTrue(r.out().contains("--bootstrap"), verb + " shows the global option: " + r.out());
        }
        Run top = run("--help");
        assertTrue(top.out().contains("volinuse"), "exit codes are listed: " + top.out());
    }

    @Test
    void invalidRequestIsRefusedBeforeAnythingIsSent() {
        // the bus address is unreachable: the schema check must answer before the client tries it
        Run r = run("--bootstrap", "127.0.0.1:1", "reserve", "--library", "no spaces allowed", "--slot", "1");
        assertEquals(ExitCodes.INVALID, r.code(), r.err());
        assertTrue(r.err().startsWith("drivebus: fatal invalid: reserve violates its schema"), r.err());
    }

    @Test
    void unreachableBusIsExitOne() {
        long start = System.nanoTime();
        Run r = run("--bootstrap", "127.0.0.1:1", "reserve", "--library", "l", "--slot", "1", "--timeout", "1s");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(ExitCodes.OTHER, r.code(), r.err());
        assertTrue(r.err().startsWith("drivebus: "), r.err());
        // the answer comes after the 1 s timeout; closing the client must not then wait out its 5 s poll-thread join
        // (it did: a queued metadata fetch ran on after close() had woken the one before it)
        assertTrue(tookMs < 4_000, "took " + tookMs + " ms");
    }

    @Test
    void durations() {
        DurationConverter c = new DurationConverter();
        assertEquals(Duration.ofMinutes(5), c.convert("5m"));
        assertEquals(Duration.ofSeconds(30), c.convert("30s"));
        assertEquals(Duration.ofSeconds(45), c.convert("45"));
        assertEquals(Duration.ofMillis(500), c.convert("500ms"));
        assertEquals(Duration.ofHours(2), c.convert("2h"));
        assertEquals(Duration.ofDays(1), c.convert("1d"));
        assertEquals(Duration.ofMinutes(5), c.convert("PT5M"));
        assertThrows(TypeConversionException.class, () -> c.convert("0s"));
        assertThrows(TypeConversionException.class, () -> c.convert("five"));
    }

    static final String[] VERBS = {"reserve", "hold", "release", "renew", "cancel", "status", "inventory", "slot", "label", "current",
            "next", "reset", "eject", "update", "move", "show"};

    @Test
    void everyNewVerbHasHelp() {
        for (String verb : VERBS) {
            Run r = run(verb, "--help");
            assertEquals(0, r.code(), verb);
            assertTrue(r.out().contains("--json"), verb + ": " + r.out());
            assertTrue(r.out().contains("--bootstrap"), verb + " shows the global option: " + r.out());
        }
        String top = run("--help").out();
        for (String verb : VERBS) {
            assertTrue(top.contains("  " + verb + " ") || top.contains("  " + verb + System.lineSeparator()), verb + " listed: " + top);
        }
    }

    @Test
    void changerVerbsReserveAmandaStyle() throws Exception {
        Run slot = run("--bootstrap", bootstrap, "slot", "4", "--library", library(), "--owner", "bob");
        assertEquals(0, slot.code(), slot.err());
        assertTrue(slot.out().startsWith("reserved drive d4 (/dev/nst-d4) volume DEMO004 from slot 4, token 7"), slot.out());

        Run label = run("--bootstrap", bootstrap, "label", "DEMO008", "--library", library(), "--json");
        assertEquals(0, label.code(), label.err());
        assertEquals("DEMO008", MessageCodec.newObjectMapper().readTree(label.out()).get("label").asText());

        Run next = run("--bootstrap", bootstrap, "next", "--library", library(), "--except-slots", "2,3", "--set-current");
        assertEquals(0, next.code(), next.err());
        assertEquals(0, run("--bootstrap", bootstrap, "current", "--library", library()).code());

        Run busy = run("--bootstrap", bootstrap, "slot", "3", "--library", library(), "--job", "volinuse", "--json");
        assertEquals(ExitCodes.VOLINUSE, busy.code());
    }

    @Test
    void changerOperations() throws Exception {
        String lib = library();
        Run show = run("--bootstrap", bootstrap, "show", "--library", lib);
        assertEquals(0, show.code(), show.err());
        assertTrue(show.out().contains("num_slots: 10"), show.out());
        assertTrue(show.out().contains("fast_search: yes"), show.out());
        assertTrue(show.out().contains("current_slot: 4"), show.out());

        JsonNode info = MessageCodec.newObjectMapper().readTree(run("--bootstrap", bootstrap, "show", "--library", lib, "--json").out());
        assertEquals(10, info.get("numSlots").asInt());
        assertEquals("canned", info.get("vendor").asText());
        assertEquals("info", info.get("op").asText());

        assertEquals("changer " + lib + " is reset, current slot 1", run("--bootstrap", bootstrap, "reset", "--library", lib).out().strip());
        assertEquals("drive d1 is empty, volume back in slot 3",
                run("--bootstrap", bootstrap, "eject", "--library", lib, "--drive", "d1").out().strip());
        Run busy = run("--bootstrap", bootstrap, "eject", "--library", lib, "--drive", "busy", "--json");
        assertEquals(ExitCodes.DRIVEINUSE, busy.code());
        assertEquals("driveinuse", MessageCodec.newObjectMapper().readTree(busy.out()).get("error").get("reason").asText());
        assertEquals(0, run("--bootstrap", bootstrap, "update", "--library", lib, "3=NEW003").code());
        assertEquals(ExitCodes.USAGE, run("eject", "--library", lib).code(), "--drive is required");
    }

    @Test
    void holdRunsTheCommandWithTheReservationInItsEnvironmentAndReleases() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("hold", ".env");
        Run r = run("--bootstrap", bootstrap, "hold", "--library", library(), "--slot", "5", "--json", "--",
                "sh", "-c", "echo \"$DRIVEBUS_DEVICE $DRIVEBUS_VOLUME $DRIVEBUS_TOKEN $DRIVEBUS_SLOT\" > " + file + "; exit 3");
        assertEquals(3, r.code(), "the command's exit code: " + r.err());
        assertEquals("/dev/nst-d5 DEMO005 7 5", java.nio.file.Files.readString(file).strip());
        JsonNode j = MessageCodec.newObjectMapper().readTree(r.out());
        assertEquals(3, j.get("commandExitCode").asInt());
        assertTrue(j.get("released").asBoolean(), r.out());
        assertEquals("DEMO005", j.get("reservation").get("label").asText());

        Run human = run("--bootstrap", bootstrap, "hold", "--library", library(), "--label", "DEMO002", "--", "true");
        assertEquals(0, human.code(), human.err());
        assertTrue(human.err().contains("drivebus: released reservation r-"), human.err());

        Run missing = run("--bootstrap", bootstrap, "hold", "--library", library(), "--slot", "5", "--", "/nonexistent/command");
        assertEquals(ExitCodes.INVALID, missing.code(), missing.err());
        assertEquals(ExitCodes.USAGE, run("hold", "--library", "l", "--slot", "1").code(), "a command is required");
    }

    @Test
    void inventoryPrintsAmandaStyleLines() throws Exception {
        JsonNode inv = MessageCodec.newObjectMapper().readTree("""
                {"library":"demo","slots":[
                  {"slot":1,"state":"FULL","label":"DEMO001","reserved":false},
                  {"slot":3,"state":"EMPTY","label":null,"reserved":true,"holder":{"key":"job","site":"host"}},
                  {"slot":4,"state":"EMPTY","reserved":false},
                  {"slot":10,"state":"FULL","label":"DEMO010","reserved":false,"importExport":true}],
                 "drives":[{"id":"d0","state":"loaded","label":"DEMO003","sourceSlot":3}]}
                """);
        assertEquals(String.join(System.lineSeparator(), " 1: label DEMO001".replace(" 1", "slot  1"),
                "slot  3: label DEMO003 (in drive d0, reserved by job@host)", "slot  4: empty",
                "slot 10: label DEMO010 (import/export)", ""), StatusCommands.Inventory.lines(inv));
    }

    @Test
    void unreachableInventoryIsExitOne() {
        Run r = run("status", "--library", "demo", "--inventory", "http://127.0.0.1:1", "--timeout", "2s");
        assertEquals(ExitCodes.OTHER, r.code(), r.err());
        assertTrue(r.err().startsWith("drivebus: failed unknown: cannot reach the inventory"), r.err());
    }
}
