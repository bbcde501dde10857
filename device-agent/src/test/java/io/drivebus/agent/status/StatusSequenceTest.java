package io.drivebus.agent.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatusSequenceTest {

    @TempDir
    Path dir;

    @Test
    void increasesStrictlyAcrossRestarts() {
        StatusSequence s = new StatusSequence(dir, 10);
        assertEquals(1, s.next("a"));
        assertEquals(2, s.next("a"));
        assertEquals(1, s.next("b"));
        long last = 0;
        for (int i = 0; i < 25; i++) {
            last = s.next("a");
        }
        assertEquals(27, last);

        // a restart (or a crash: nothing was flushed on the way out) resumes past every number handed out
        StatusSequence restarted = new StatusSequence(dir, 10);
        assertTrue(restarted.next("a") > last);
        assertTrue(restarted.next("b") > 1);
        assertEquals(1, restarted.next("c"));
    }
}
