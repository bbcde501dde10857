package io.drivebus.agent.command;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommandResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandResultStoreTest {

    @TempDir
    Path dir;

    static byte[] result(String commandId) {
        return MessageCodec.get().encode(Envelope.of("test", commandId, new DeviceCommandResult("lib", commandId, "h",
                "d0", DeviceAction.load, 1, CommandOutcome.done, null, 1, "VOL001", null, null)));
    }

    @Test
    void keepsTheLastResultsAcrossRestarts() {
        try (CommandResultStore s = new CommandResultStore(dir, 3)) {
            for (int i = 1; i <= 5; i++) {
                s.put("c" + i, result("c" + i));
            }
            assertTrue(s.get("c2").isEmpty(), "only the last 3 are kept");
            assertTrue(s.get("c5").isPresent());
        }
        try (CommandResultStore s = new CommandResultStore(dir, 3)) {
            assertEquals(3, s.size());
            assertTrue(s.get("c1").isEmpty());
            assertTrue(s.get("c3").isPresent());
            assertEquals("c5", MessageCodec.get().decode(s.get("c5").get()).correlationId());
        }
    }

    @Test
    void aTornLastLineIsDropped() throws Exception {
        byte[] first = result("c1");
        try (CommandResultStore s = new CommandResultStore(dir, 10)) {
            s.put("c1", first);
        }
        Files.write(dir.resolve(CommandResultStore.FILE), "{\"id\":\"half".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        try (CommandResultStore s = new CommandResultStore(dir, 10)) {
            assertEquals(1, s.size());
            assertArrayEquals(first, s.get("c1").get());
            s.put("c2", result("c2"));
        }
        try (CommandResultStore s = new CommandResultStore(dir, 10)) {
            assertEquals(2, s.size());
        }
    }
}
