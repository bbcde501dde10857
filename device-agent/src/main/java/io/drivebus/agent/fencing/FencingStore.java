package io.drivebus.agent.fencing;

import io.drivebus.agent.persist.AtomicFiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The highest fencing token accepted per drive (DESIGN.md invariant 3). A command whose token is below it is
 * refused; an equal token is the same grant (its load, then its unload) and passes. A higher token is written
 * to disk before the command runs, so after a crash the agent still refuses everything older.
 *
 * <p>File: {@code fencing-tokens.properties}, one {@code library/drive=token} per drive, replaced atomically.
 */
public final class FencingStore {

    public static final String FILE = "fencing-tokens.properties";

    /** What {@link #admit} decided; {@code highest} is the highest token after the decision. */
    public record Decision(boolean admitted, long highest) {
    }

    private final Path file;
    private final Map<String, Long> highest = new HashMap<>();

    public FencingStore(Path stateDir) {
        this.file = stateDir.resolve(FILE);
        Properties p = AtomicFiles.readProperties(file);
        for (String k : p.stringPropertyNames()) {
            highest.put(k, Long.parseLong(p.getProperty(k).trim()));
        }
    }

    /** Highest token accepted for the drive, 0 if none yet. */
    public synchronized long highest(String library, String drive) {
        return highest.getOrDefault(key(library, drive), 0L);
    }

    /** Refuses a stale token; persists a new highest one before returning (so before the command runs). */
    public synchronized Decision admit(String library, String drive, long token) {
        String k = key(library, drive);
        long current = highest.getOrDefault(k, 0L);
        if (token < current) {
            return new Decision(false, current);
        }
        if (token > current) {
            Map<String, Long> next = new HashMap<>(highest);
            next.put(k, token);
            persist(next);
            highest.put(k, token); // only after it is on disk
        }
        return new Decision(true, token);
    }

    private void persist(Map<String, Long> values) {
        Map<String, String> out = new HashMap<>();
        values.forEach((k, v) -> out.put(k, Long.toString(v)));
        AtomicFiles.writeProperties(file, out, "highest fencing token accepted per library/drive");
    }

    private static String key(String library, String drive) {
        return library + "/" + drive;
    }
}
