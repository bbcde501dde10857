package io.drivebus.agent;

import io.drivebus.agent.changer.Volume;
import io.drivebus.agent.changer.VolumeLabels;
import io.drivebus.agent.changer.mtx.FakeChanger;
import io.drivebus.agent.command.MotionJournal;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.device.DeviceCommand;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Fresh directories per test run and the agent's three libraries: the vtape library "agentlib" (created by the
 * agent), the mtx library "tapelib" (the fake changer: drives t0, t1, slots 1-6, slot 6 import/export, tapes
 * 000001L8..000004L8 labelled TAPE01..TAPE04) and the file library "fixed" (f1 = a labelled disk file, f2 = absent).
 *
 * <p>It also leaves the state of an agent killed during two tapelib loads: both in flight (journal entries, no
 * result); the robot had finished the first (slot 2 is in t1), not the second (slot 3 still in its slot).
 */
public class AgentDirsResource implements QuarkusTestResourceLifecycleManager {

    public static final String HOST = "testhost";
    private static Path root;
    public static FakeChanger tapelib;
    public static Envelope<DeviceCommand> interruptedDone;
    public static Envelope<DeviceCommand> interruptedFailed;

    public static synchronized Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("drivebus-agent-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    public static Path libraryDir() {
        return root().resolve("agentlib");
    }

    @Override
    public Map<String, String> start() {
        Path state = root().resolve("state");
        Map<String, String> props = new HashMap<>();
        props.put("drivebus.agent.state-dir", state.toString());
        props.put("drivebus.agent.libraries.agentlib.path", libraryDir().toString());
        try {
            tapelib = FakeChanger.create(root().resolve("tapelib"), 2, 6, Set.of(6),
                    Map.of(1, "000001L8", 2, "000002L8", 3, "000003L8", 4, "000004L8"), Set.of());
            props.putAll(tapelib.properties("tapelib"));

            Path fixed = Files.createDirectories(root().resolve("fixed"));
            Files.writeString(fixed.resolve("disk1"), VolumeLabels.header(new Volume("FIX001", null)));
            props.put("drivebus.agent.libraries.fixed.driver", "file");
            props.put("drivebus.agent.libraries.fixed.devices", "f1=" + fixed.resolve("disk1") + ",f2=" + fixed.resolve("disk2"));

            // the previous incarnation of the agent was killed during two loads
            MotionJournal journal = new MotionJournal(Files.createDirectories(state));
            interruptedDone = Envelope.of("reservation-service-test", null,
                    DeviceCommand.load("tapelib", HOST, "t1", 4, 2, "TAPE02", "res-crash-1"));
            interruptedFailed = Envelope.of("reservation-service-test", null,
                    DeviceCommand.load("tapelib", HOST, "t0", 4, 3, "TAPE03", "res-crash-2"));
            journal.begin(interruptedDone.id(), MessageCodec.get().encode(interruptedDone), Map.of("slot.barcode", "000002L8"));
            journal.begin(interruptedFailed.id(), MessageCodec.get().encode(interruptedFailed), Map.of("slot.barcode", "000003L8"));
            tapelib.placeInDrive(2, 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }

    @Override
    public void stop() {
    }
}
