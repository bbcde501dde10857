package io.drivebus.agent.status;

import io.drivebus.agent.persist.AtomicFiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The {@code sequence} of each library's status, strictly increasing across restarts so readers can drop a stale
 * status. Numbers are reserved in blocks: the file records the end of the current block, so a heartbeat does not
 * cost an fsync, and after a crash numbering resumes past every number that may have been used.
 *
 * <p>File: {@code status-sequence.properties}, {@code library=end of reserved block}.
 */
public final class StatusSequence {

    public static final String FILE = "status-sequence.properties";

    private final Path file;
    private final long blockSize;
    private final Map<String, Long> next = new HashMap<>();
    private final Map<String, Long> reservedUpTo = new HashMap<>();

    public StatusSequence(Path stateDir, long blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize must be >= 1");
        }
        this.file = stateDir.resolve(FILE);
        this.blockSize = blockSize;
        Properties p = AtomicFiles.readProperties(file);
        for (String lib : p.stringPropertyNames()) {
            long end = Long.parseLong(p.getProperty(lib).trim());
            reservedUpTo.put(lib, end);
            next.put(lib, end + 1); // numbers up to end may have been published before the restart
        }
    }

    /** The next sequence number for the library (first is 1). */
    public synchronized long next(String library) {
        long n = next.getOrDefault(library, 1L);
        if (n > reservedUpTo.getOrDefault(library, 0L)) {
            Map<String, Long> ends = new HashMap<>(reservedUpTo);
            ends.put(library, n + blockSize - 1);
            Map<String, String> out = new HashMap<>();
            ends.forEach((k, v) -> out.put(k, Long.toString(v)));
            AtomicFiles.writeProperties(file, out, "end of the reserved block of status sequence numbers per library");
            reservedUpTo.put(library, n + blockSize - 1);
        }
        next.put(library, n + 1);
        return n;
    }
}
