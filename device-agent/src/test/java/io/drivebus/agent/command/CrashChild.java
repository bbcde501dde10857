package io.drivebus.agent.command;

import io.drivebus.agent.changer.Libraries;
import io.drivebus.agent.changer.Library;
import io.drivebus.agent.changer.LibraryDriver;
import io.drivebus.agent.changer.VtapeDriver;
import io.drivebus.agent.changer.mtx.FakeChanger;
import io.drivebus.agent.changer.mtx.MtxDriver;
import io.drivebus.agent.fencing.FencingStore;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.device.DeviceCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The agent's command pipeline in a JVM of its own, for {@link CrashRecoveryTest} to kill -9 in the middle of a
 * motion: {@code CrashChild <state dir> vtape|vtape-fast|mtx <library dir> <command envelope file>}. Library id "crashlib";
 * the vtape robot takes a minute per motion, the mtx one whatever the fake changer's state says.
 */
public final class CrashChild {

    public static final String LIBRARY = "crashlib";
    public static final String HOST = "crashhost";

    public static void main(String[] args) throws Exception {
        Path state = Path.of(args[0]);
        Path libDir = Path.of(args[2]);
        LibraryDriver driver = args[1].equals("vtape-fast") ? VtapeDriver.open(libDir)
                : args[1].equals("vtape") ? VtapeDriver.open(libDir).simulateMotionTime(Duration.ofMinutes(1))
                : new MtxDriver(FakeChanger.open(libDir, 2).settings(Duration.ofMinutes(1), false, 0,
                        state.resolve("mtx-labels-" + LIBRARY + ".properties")));
        Libraries libraries = new Libraries(Map.of(LIBRARY, new Library(LIBRARY, driver)));
        try (CommandResultStore results = new CommandResultStore(state, 100)) {
            CommandExecutor executor = new CommandExecutor(HOST, libraries, new FencingStore(state), results, new MotionJournal(state));
            executor.recover();
            Envelope<DeviceCommand> env = MessageCodec.get().decode(Files.readAllBytes(Path.of(args[3])), DeviceCommand.class);
            System.out.println("RUNNING " + env.id());
            System.out.flush();
            CommandExecutor.Outcome out = executor.execute(libraries.get(LIBRARY), env);
            System.out.println("RESULT " + out.result().outcome());
        }
    }
}
