package io.drivebus.agent.command;

import io.drivebus.agent.persist.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Motions in flight. Before the robot moves for a command, an entry (the command, and what the library showed
 * before) is written durably; it is removed once the command's result is stored. An entry found at start is a
 * motion a crash interrupted: the agent re-reads the library and resolves it (see {@link CommandExecutor#recover}).
 *
 * <p>Files: {@code in-flight/<uuid of the command id>.properties} with {@code commandId}, {@code command} (the
 * encoded command envelope) and {@code before.*}; each written atomically.
 */
public final class MotionJournal {

    public static final String DIR = "in-flight";

    /** {@code before}: what the library showed for the drive and slots involved, just before the motion. */
    public record Entry(String commandId, byte[] command, Map<String, String> before) {
    }

    private final Path dir;

    public MotionJournal(Path stateDir) {
        this.dir = stateDir.resolve(DIR);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /** Durable when it returns: only then may the robot move. */
    public void begin(String commandId, byte[] encodedCommand, Map<String, String> before) {
        Map<String, String> props = new HashMap<>();
        before.forEach((k, v) -> {
            if (v != null) {
                props.put("before." + k, v);
            }
        });
        props.put("commandId", commandId);
        props.put("command", new String(encodedCommand, StandardCharsets.UTF_8));
        AtomicFiles.writeProperties(file(commandId), props, "motion in flight");
    }

    /** The command's result is stored: the motion is no longer in doubt. */
    public void end(String commandId) {
        try {
            if (Files.deleteIfExists(file(commandId))) {
                AtomicFiles.fsyncDirectory(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the in-flight entry of " + commandId, e);
        }
    }

    /** Every entry, oldest first. Unreadable files are skipped (an atomic write leaves none but its temp file). */
    public List<Entry> pending() {
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".properties"))
                    .sorted(Comparator.comparing(MotionJournal::modified)).toList()) {
                Properties p = AtomicFiles.readProperties(f);
                String id = p.getProperty("commandId");
                String cmd = p.getProperty("command");
                if (id == null || cmd == null) {
                    continue;
                }
                Map<String, String> before = new HashMap<>();
                for (String k : p.stringPropertyNames()) {
                    if (k.startsWith("before.")) {
                        before.put(k.substring("before.".length()), p.getProperty(k));
                    }
                }
                out.add(new Entry(id, cmd.getBytes(StandardCharsets.UTF_8), before));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return out;
    }

    private Path file(String commandId) {
        return dir.resolve(UUID.nameUUIDFromBytes(commandId.getBytes(StandardCharsets.UTF_8)) + ".properties");
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
