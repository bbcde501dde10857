package io.drivebus.agent.fencing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FencingStoreTest {

    @TempDir
    Path dir;

    @Test
    void refusesLowerTokensAdmitsEqualAndHigher() {
        FencingStore f = new FencingStore(dir);
        assertEquals(0, f.highest("lib", "d0"));
        assertTrue(f.admit("lib", "d0", 5).admitted());
        assertEquals(new FencingStore.Decision(false, 5), f.admit("lib", "d0", 3));
        assertTrue(f.admit("lib", "d0", 5).admitted(), "equal token: the same grant's next command");
        assertTrue(f.admit("lib", "d0", 7).admitted());
        assertFalse(f.admit("lib", "d0", 6).admitted());
        // per drive, and per library
        assertTrue(f.admit("lib", "d1", 1).admitted());
        assertTrue(f.admit("other", "d0", 1).admitted());
        assertEquals(7, f.highest("lib", "d0"));
    }

    @Test
    void persistsAndReloads() throws Exception {
        FencingStore f = new FencingStore(dir);
        f.admit("lib", "d0", 5);
        f.admit("lib", "d1", 42);
        f.admit("lib", "d0", 3); // refused: must not lower the stored token

        FencingStore reloaded = new FencingStore(dir);
        assertEquals(5, reloaded.highest("lib", "d0"));
        assertEquals(42, reloaded.highest("lib", "d1"));
        assertFalse(reloaded.admit("lib", "d0", 4).admitted());
        assertTrue(reloaded.admit("lib", "d0", 5).admitted());

        // written by temp file + rename: only the real file is left
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
        assertTrue(Files.readString(dir.resolve(FencingStore.FILE)).contains("lib/d1=42"));
    }
}
