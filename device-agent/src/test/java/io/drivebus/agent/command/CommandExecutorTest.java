package io.drivebus.agent.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.agent.changer.Libraries;
import io.drivebus.agent.changer.Library;
import io.drivebus.agent.changer.LibraryInventory;
import io.drivebus.agent.changer.VtapeDriver;
import io.drivebus.agent.changer.mtx.FakeChanger;
import io.drivebus.agent.changer.mtx.MtxDriver;
import io.drivebus.agent.fencing.FencingStore;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorKind;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command pipeline without Kafka, on a vtape library "vt" (6 slots, slot 6 import/export, drives d0, d1) and
 * an mtx library "mx" (the fake changer: 2 drives t0, t1, 5 slots, tapes in 1-3) served by one agent. "Restart"
 * = new stores and a new executor over the same state dir.
 */
class CommandExecutorTest {

    static final String HOST = "h1";

    @TempDir
    Path dir;
    Path state;
    FakeChanger fake;
    Agent agent;

    /** One incarnation of the agent's pipeline. */
    final class Agent implements AutoCloseable {
        final Libraries libraries;
        final CommandResultStore results;
        final MotionJournal journal;
        final CommandExecutor executor;

        Agent() {
            VtapeDriver vt = VtapeDriver.exists(dir.resolve("vt")) ? VtapeDriver.open(dir.resolve("vt"))
                    : VtapeDriver.create(dir.resolve("vt"), 6, List.of("d0", "d1"), "VT", 1);
            MtxDriver mx = new MtxDriver(fake.settings(Duration.ofSeconds(20), false, 0, state.resolve("mtx-labels-mx.properties")));
            libraries = new Libraries(Map.of("vt", new Library("vt", vt), "mx", new Library("mx", mx)));
            results = new CommandResultStore(state, 100);
            journal = new MotionJournal(state);
            executor = new CommandExecutor(HOST, libraries, new FencingStore(state), results, journal);
        }

        DeviceCommandResult run(Envelope<DeviceCommand> env) {
            return executor.execute(libraries.get(env.payload().library()), env).result();
        }

        @Override
        public void close() {
            results.close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        state = Files.createDirectories(dir.resolve("state"));
        fake = FakeChanger.create(dir.resolve("mx"), 2, 5, Set.of(), Map.of(1, "000001L8", 2, "000002L8", 3, "000003L8"), Set.of());
        agent = new Agent();
    }

    @AfterEach
    void tearDown() {
        agent.close();
    }

    Agent restart() {
        agent.close();
        agent = new Agent();
        return agent;
    }

    static Envelope<DeviceCommand> cmd(String lib, String drive, DeviceAction action, long token, Integer slot, Integer toSlot,
            String newLabel, Boolean force) {
        return Envelope.of("reservation-service", null, new DeviceCommand(lib, HOST, drive, action, token, slot, toSlot, null,
                newLabel, force, "res-" + token));
    }

    static Envelope<DeviceCommand> load(String lib, String drive, long token, int slot) {
        return Envelope.of("reservation-service", null, DeviceCommand.load(lib, HOST, drive, token, slot, null, "res-" + token));
    }

    @Test
    void aStaleInstancesCommandIsRefusedAfterANewerOneRanAndStillAfterARestart() throws Exception {
        // instance A granted d0 under token 7; then instance B took over the library and granted it under token 8
        assertEquals(CommandOutcome.done, agent.run(load("vt", "d0", 7, 1)).outcome());
        assertEquals(CommandOutcome.done, agent.run(cmd("vt", "d0", DeviceAction.unload, 8, null, null, null, null)).outcome());
        Envelope<DeviceCommand> stale = load("vt", "d0", 7, 2); // A, not knowing it lost the library
        DeviceCommandResult refused = agent.run(stale);
        assertEquals(CommandOutcome.refused, refused.outcome());
        assertEquals(ErrorKind.fatal, refused.error().kind());
        assertEquals(ErrorReason.invalid, refused.error().reason());
        assertTrue(refused.error().message().contains("stale fencing token 7"), refused.error().message());

        restart();
        Envelope<DeviceCommand> staleAgain = load("vt", "d0", 7, 3);
        DeviceCommandResult afterRestart = agent.run(staleAgain);
        assertEquals(CommandOutcome.refused, afterRestart.outcome(), "the highest token survived the restart");
        assertTrue(afterRestart.error().message().contains("highest seen 8"), afterRestart.error().message());
        // the redelivered stale command is answered with its stored result
        assertArrayEquals(agent.results.get(stale.id()).orElseThrow(), agent.executor.execute(agent.libraries.get("vt"), stale).encoded());
        LibraryInventory inv = agent.libraries.get("vt").driver().scan();
        assertNull(inv.drives().get(0).volume(), "nothing stale moved the robot");
        assertEquals(CommandOutcome.done, agent.run(load("vt", "d0", 8, 2)).outcome(), "the newer grant still works");
    }

    @Test
    void everyCommandOnBothLibraries() throws Exception {
        // vtape: load, label (refused without force, then forced), eject, transfer to the import/export slot, scan
        assertEquals("VT002", agent.run(load("vt", "d1", 1, 2)).label());
        DeviceCommandResult notForced = agent.run(cmd("vt", "d1", DeviceAction.label, 1, null, null, "NEW02", false));
        assertEquals(CommandOutcome.failed, notForced.outcome());
        assertEquals(ErrorReason.invalid, notForced.error().reason());
        DeviceCommandResult forced = agent.run(cmd("vt", "d1", DeviceAction.label, 1, null, null, "NEW02", true));
        assertEquals(CommandOutcome.done, forced.outcome());
        assertEquals("NEW02", forced.label());
        assertEquals(2, forced.slot());
        DeviceCommandResult read = agent.run(cmd("vt", "d1", DeviceAction.read_label, 1, null, null, null, null));
        assertEquals("NEW02", read.label());
        DeviceCommandResult ejected = agent.run(cmd("vt", "d1", DeviceAction.eject, 1, null, null, null, null));
        assertEquals(CommandOutcome.done, ejected.outcome());
        assertEquals(2, ejected.slot());
        assertEquals("NEW02", ejected.label());
        DeviceCommandResult moved = agent.run(cmd("vt", null, DeviceAction.transfer, 0, 2, 6, null, null));
        assertEquals(CommandOutcome.done, moved.outcome(), () -> String.valueOf(moved.error()));
        assertEquals(6, moved.slot());
        assertEquals("NEW02", moved.label());
        assertEquals(CommandOutcome.failed, agent.run(cmd("vt", null, DeviceAction.transfer, 0, 2, 5, null, null)).outcome());
        assertEquals(CommandOutcome.done, agent.run(cmd("vt", null, DeviceAction.scan, 0, null, null, null, null)).outcome());

        // mtx: load, transfer, scan with barcodes
        DeviceCommandResult mload = agent.run(load("mx", "t0", 1, 3));
        assertEquals(CommandOutcome.done, mload.outcome(), () -> String.valueOf(mload.error()));
        assertEquals("TAPE03", mload.label());
        assertEquals("000003L8", mload.barcode());
        assertEquals(CommandOutcome.done, agent.run(cmd("mx", null, DeviceAction.transfer, 0, 1, 5, null, null)).outcome());
        assertEquals(CommandOutcome.done, agent.run(cmd("mx", null, DeviceAction.scan, 0, null, null, null, null)).outcome());
        LibraryInventory inv = agent.libraries.get("mx").driver().status();
        assertEquals("000001L8", inv.slots().get(4).volume().barcode());
        assertEquals(List.of("load 3 0", "transfer 1 5"), fake.log());
        assertEquals(List.of(), agent.journal.pending(), "nothing left in flight");
    }

    @Test
    void aFailedMotionLeavesTheDriveInErrorUntilItWorksAgain() {
        Library mx = agent.libraries.get("mx");
        assertEquals(CommandOutcome.done, agent.run(load("mx", "t1", 1, 1)).outcome());
        DeviceCommandResult r = agent.run(cmd("mx", "t1", DeviceAction.unload, 1, null, 2, null, null));
        assertEquals(CommandOutcome.failed, r.outcome());
        assertTrue(r.error().message().contains("Storage Element 2 is Already Full"), r.error().message());
        assertTrue(mx.driveError("t1").contains("Storage Element 2 is Already Full"));
        assertNull(mx.driveError("t0"));

        fake.set("not_ready", 5); // retries 0 in this test library: one Not Ready fails the motion, no silent loop
        DeviceCommandResult nr = agent.run(cmd("mx", "t1", DeviceAction.unload, 1, null, null, null, null));
        assertEquals(ErrorReason.device, nr.error().reason());
        assertTrue(nr.error().message().contains("Sense Key=Not Ready"), nr.error().message());
        assertEquals(4, fake.read().get("not_ready").asInt());
        fake.set("not_ready", 0);

        assertEquals(CommandOutcome.done, agent.run(cmd("mx", "t1", DeviceAction.unload, 1, null, null, null, null)).outcome());
        assertNull(mx.driveError("t1"), "cleared by the next command that worked");
    }

    @Test
    void oneMotionAtATimePerLibrary() throws Exception {
        Library vt = agent.libraries.get("vt");
        ((VtapeDriver) vt.driver()).simulateMotionTime(Duration.ofMillis(400));
        java.util.concurrent.atomic.AtomicInteger maxBusy = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (!stop.get()) {
                maxBusy.accumulateAndGet(vt.busyDrives().size(), Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        watcher.start();
        long t0 = System.nanoTime();
        var a = java.util.concurrent.CompletableFuture.supplyAsync(() -> agent.run(load("vt", "d0", 1, 1)));
        var b = java.util.concurrent.CompletableFuture.supplyAsync(() -> agent.run(load("vt", "d1", 1, 2)));
        assertEquals(CommandOutcome.done, a.get().outcome());
        assertEquals(CommandOutcome.done, b.get().outcome());
        long took = (System.nanoTime() - t0) / 1_000_000;
        stop.set(true);
        watcher.join();
        assertEquals(1, maxBusy.get(), "never two drives moving at once");
        assertTrue(took >= 800, "the second motion waited for the first: " + took + " ms");
    }

    @Test
    void recoveryResolvesMotionsACrashInterrupted() throws Exception {
        VtapeDriver vt = (VtapeDriver) agent.libraries.get("vt").driver();
        // a load the robot finished before the crash, a load it never started, a load already answered
        Envelope<DeviceCommand> finished = load("vt", "d0", 3, 1);
        Envelope<DeviceCommand> neverStarted = load("vt", "d1", 3, 2);
        Envelope<DeviceCommand> answered = load("vt", "d1", 3, 4);
        agent.journal.begin(finished.id(), MessageCodec.get().encode(finished), Map.of("slot.barcode", "VT001L8"));
        vt.load("d0", 1);
        agent.journal.begin(neverStarted.id(), MessageCodec.get().encode(neverStarted), Map.of());
        agent.journal.begin(answered.id(), MessageCodec.get().encode(answered), Map.of());
        agent.results.put(answered.id(), MessageCodec.get().encode(Envelope.of("x", answered.id(), new DeviceCommandResult("vt",
                answered.id(), HOST, "d1", DeviceAction.load, 3, CommandOutcome.done, null, 4, "VT004", null, null))));

        restart();
        List<CommandExecutor.Outcome> out = agent.executor.recover();
        assertEquals(2, out.size());
        DeviceCommandResult done = out.stream().map(CommandExecutor.Outcome::result).filter(r -> r.commandId().equals(finished.id())).findFirst().orElseThrow();
        assertEquals(CommandOutcome.done, done.outcome());
        assertEquals("VT001", done.label());
        DeviceCommandResult failed = out.stream().map(CommandExecutor.Outcome::result).filter(r -> r.commandId().equals(neverStarted.id())).findFirst().orElseThrow();
        assertEquals(CommandOutcome.failed, failed.outcome());
        assertEquals(ErrorReason.device, failed.error().reason());
        assertTrue(failed.error().message().startsWith(CommandExecutor.INTERRUPTED), failed.error().message());
        assertTrue(agent.journal.pending().isEmpty());
        try (Stream<Path> files = Files.list(state.resolve(MotionJournal.DIR))) {
            assertEquals(0, files.count());
        }
        // stored: the redelivered commands are answered, not run
        assertTrue(agent.results.get(finished.id()).isPresent());
        assertEquals(CommandOutcome.failed, agent.run(neverStarted).outcome());
        assertFalse(Files.exists(dir.resolve("vt/drives/d1/volume")));
        assertTrue(agent.executor.recover().isEmpty(), "resolved once");
    }
}
