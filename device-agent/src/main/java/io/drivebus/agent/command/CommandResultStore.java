package io.drivebus.agent.command;

import com.fasterxml.jackson.databind.JsonNode;
import io.drivebus.agent.persist.AtomicFiles;
import io.drivebus.schemas.MessageCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The results of the last {@code capacity} commands, by command id: a redelivered command (the agent crashed
 * before committing its offset, or the sender sent it twice) gets its stored result published again instead of
 * moving the robot a second time.
 *
 * <p>File: {@code command-results.log}, one encoded result envelope (compact JSON) per line, appended and fsynced
 * per result; rewritten atomically with only the live entries once it holds twice the capacity. A torn last line
 * (crash mid-append) is dropped at load.
 */
public final class CommandResultStore implements AutoCloseable {

    public static final String FILE = "command-results.log";
    public static final int DEFAULT_CAPACITY = 10_000;
    private static final Logger LOG = Logger.getLogger(CommandResultStore.class);

    private final Path file;
    private final int capacity;
    private final LinkedHashMap<String, byte[]> results;
    private FileChannel out;
    private int linesInFile;

    public CommandResultStore(Path stateDir, int capacity) {
        this.file = stateDir.resolve(FILE);
        this.capacity = capacity;
        this.results = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                return size() > CommandResultStore.this.capacity;
            }
        };
        boolean clean = load();
        if (!clean || linesInFile > results.size()) {
            rewrite();
        }
    }

    /** The stored result envelope (encoded) for a command id. */
    public synchronized Optional<byte[]> get(String commandId) {
        return Optional.ofNullable(results.get(commandId));
    }

    /** Stores an encoded result envelope; durable when this returns. */
    public synchronized void put(String commandId, byte[] encodedResult) {
        for (byte b : encodedResult) {
            if (b == '\n') {
                throw new IllegalArgumentException("an encoded result must be one line");
            }
        }
        try {
            if (out == null) {
                out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }
            ByteBuffer buf = ByteBuffer.allocate(encodedResult.length + 1).put(encodedResult).put((byte) '\n').flip();
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            out.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        results.put(commandId, encodedResult);
        if (++linesInFile >= 2 * capacity) {
            rewrite();
        }
    }

    public synchronized int size() {
        return results.size();
    }

    @Override
    public synchronized void close() {
        closeOut();
    }

    /** Returns false if the file had a torn or unreadable line. */
    private boolean load() {
        if (!Files.exists(file)) {
            return true;
        }
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        boolean clean = all.length == 0 || all[all.length - 1] == '\n';
        int start = 0;
        for (int i = 0; i <= all.length; i++) {
            if (i == all.length || all[i] == '\n') {
                if (i > start) {
                    byte[] line = java.util.Arrays.copyOfRange(all, start, i);
                    String id = commandIdOf(line);
                    if (id == null) {
                        clean = false;
                    } else {
                        results.put(id, line);
                        linesInFile++;
                    }
                }
                start = i + 1;
            }
        }
        if (!clean) {
            LOG.warnf("%s had a torn or unreadable line (crash during an append?); dropped it", file);
        }
        return clean;
    }

    private void rewrite() {
        closeOut();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (byte[] line : results.values()) {
            buf.writeBytes(line);
            buf.write('\n');
        }
        AtomicFiles.write(file, buf.toByteArray());
        linesInFile = results.size();
    }

    private void closeOut() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // nothing was pending: every append was forced
            }
            out = null;
        }
    }

    private static String commandIdOf(byte[] line) {
        try {
            JsonNode n = MessageCodec.get().mapper().readTree(line).path("payload").path("commandId");
            return n.isTextual() ? n.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
