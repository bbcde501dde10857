package io.drivebus.agent.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.agent.changer.Libraries;
import io.drivebus.agent.changer.Library;
import io.drivebus.agent.changer.LibraryDriver;
import io.drivebus.agent.changer.LibraryInventory;
import io.drivebus.agent.changer.VtapeDriver;
import io.drivebus.agent.changer.mtx.FakeChanger;
import io.drivebus.agent.changer.mtx.MtxDriver;
import io.drivebus.agent.fencing.FencingStore;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 during a load: the pipeline runs in a child JVM ({@link CrashChild}) that is killed while the robot
 * moves; the restarted pipeline (a new executor over the same state dir, as the restarted agent builds it) re-reads
 * the library and resolves the load — never leaves it hanging.
 */
class CrashRecoveryTest {

    @TempDir
    Path dir;

    @Test
    void vtapeLoadKilledBeforeTheVolumeMovedIsFailedAndTheLibraryIsConsistent() throws Exception {
        Path lib = dir.resolve("vt");
        Path state = Files.createDirectories(dir.resolve("state"));
        VtapeDriver.create(lib, 4, List.of("d0", "d1"), "CR");
        Envelope<DeviceCommand> load = load("d0", 5, 2, "CR002");

        Process child = startChild(state, "vtape", lib, load);
        try {
            await(() -> !new MotionJournal(state).pending().isEmpty(), "the in-flight entry of the load");
            Thread.sleep(300); // the robot is moving (a minute, simulated)
        } finally {
            child.destroyForcibly().waitFor();
        }
        assertFalse(output(child).contains("RESULT"), "killed mid-motion");

        DeviceCommandResult r = restartAndRecover(state, VtapeDriver.open(lib), load);
        assertEquals(CommandOutcome.failed, r.outcome());
        assertEquals(ErrorReason.device, r.error().reason());
        assertTrue(r.error().message().startsWith("interrupted by agent restart"), r.error().message());
        LibraryInventory inv = VtapeDriver.open(lib).status();
        assertNull(inv.drives().get(0).volume());
        assertNull(inv.drives().get(0).sourceSlot());
        assertFalse(Files.exists(lib.resolve("drives/d0/source")), "the half-written motion's source file is gone");
        assertEquals("CR002", inv.slots().get(1).volume().label(), "the volume is still in its slot");
        assertEquals(5, new FencingStore(state).highest(CrashChild.LIBRARY, "d0"), "the token was persisted before the motion");
    }

    @Test
    void mtxLoadKilledWhileTheRobotMovesIsCompletedOnceTheRobotIsDone() throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        FakeChanger fake = FakeChanger.create(dir.resolve("mx"), 2, 4, Set.of(4), Map.of(1, "000001L8", 2, "000002L8"), Set.of());
        fake.set("motion_seconds", 3);
        Envelope<DeviceCommand> load = load("t0", 9, 2, "TAPE02");

        Process child = startChild(state, "mtx", fake.dir, load);
        try {
            await(fake::moving, "the fake robot moving");
        } finally {
            child.destroyForcibly().waitFor();
        }
        assertFalse(output(child).contains("RESULT"), "killed mid-motion");
        assertTrue(fake.moving(), "the robot finishes its motion without the agent (as a real one does)");

        // the restarted agent's mtx status waits for the robot, then finds the tape in the drive
        MtxDriver mtx = new MtxDriver(fake.settings(Duration.ofSeconds(20), false, 0, null));
        DeviceCommandResult r = restartAndRecover(state, mtx, load);
        assertEquals(CommandOutcome.done, r.outcome(), () -> String.valueOf(r.error()));
        assertEquals("TAPE02", r.label());
        assertEquals("000002L8", r.barcode());
        assertEquals(2, r.slot());
        assertEquals("000002L8", fake.driveTape(0));
        assertEquals(List.of("load 2 0"), fake.log(), "moved once");
    }

    @Test
    void aStaleCommandIsRefusedByTheNextAgentProcessAfterANewerOneRan() throws Exception {
        Path lib = dir.resolve("vt");
        Path state = Files.createDirectories(dir.resolve("state"));
        VtapeDriver.create(lib, 4, List.of("d0", "d1"), "CR");
        // the agent process runs the newer grant's load (token 8), then stops
        Process first = startChild(state, "vtape-fast", lib, load("d0", 8, 1, "CR001"));
        assertTrue(first.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(output(first).contains("RESULT done"), output(first));
        // a new agent process gets the stale instance's command (token 7)
        Process second = startChild(state, "vtape-fast", lib, load("d0", 7, 2, "CR002"));
        assertTrue(second.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(output(second).contains("RESULT refused"), output(second));
        assertEquals("CR001", VtapeDriver.open(lib).readLabel("d0").label(), "the stale load did not move anything");
    }

    private DeviceCommandResult restartAndRecover(Path state, LibraryDriver driver, Envelope<DeviceCommand> load) {
        Libraries libraries = new Libraries(Map.of(CrashChild.LIBRARY, new Library(CrashChild.LIBRARY, driver)));
        try (CommandResultStore results = new CommandResultStore(state, 100)) {
            MotionJournal journal = new MotionJournal(state);
            assertEquals(1, journal.pending().size(), "the load is in flight");
            CommandExecutor executor = new CommandExecutor(CrashChild.HOST, libraries, new FencingStore(state), results, journal);
            List<CommandExecutor.Outcome> out = executor.recover();
            assertEquals(1, out.size());
            DeviceCommandResult r = out.get(0).result();
            assertEquals(load.id(), r.commandId());
            assertTrue(journal.pending().isEmpty(), "resolved");
            // stored: the command, redelivered by Kafka, is answered with this result and not run again
            assertEquals(r, ((Envelope<?>) MessageCodec.get().decode(results.get(load.id()).orElseThrow())).payload());
            assertEquals(r, executor.execute(libraries.get(CrashChild.LIBRARY), load).result());
            return r;
        }
    }

    private static Envelope<DeviceCommand> load(String drive, long token, int slot, String label) {
        return Envelope.of("reservation-service", null,
                DeviceCommand.load(CrashChild.LIBRARY, CrashChild.HOST, drive, token, slot, label, "res-crash"));
    }

    private Process startChild(Path state, String kind, Path lib, Envelope<DeviceCommand> cmd) throws Exception {
        Path cmdFile = dir.resolve("command.json");
        Files.write(cmdFile, MessageCodec.get().encode(cmd));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
                state.toString(), kind, lib.toString(), cmdFile.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
    }

    private String output(Process child) throws Exception {
        return Files.readString(dir.resolve("child.log"));
    }

    private void await(BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; child output:\n" + Files.readString(dir.resolve("child.log")));
            }
            Thread.sleep(50);
        }
    }
}
