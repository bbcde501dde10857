package io.drivebus.agent.persist;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Durable small files: a reader after a crash sees either the old content or the new one, never a torn
 * mix, and a write that returned is on disk. Write a temp file next to the target, fsync it, rename it over
 * the target, fsync the directory (the rename itself lives in the directory).
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    public static void write(Path target, byte[] content) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            move(tmp, target);
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    public static void writeString(Path target, String content) {
        write(target, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Properties sorted by key and without the timestamp comment, so the file is diffable. */
    public static void writeProperties(Path target, Map<String, String> values, String comment) {
        StringWriter w = new StringWriter();
        w.write("# " + comment + "\n");
        Properties single = new Properties();
        for (Map.Entry<String, String> e : new TreeMap<>(values).entrySet()) {
            // Properties.store escapes keys and values; write one entry at a time to keep the order
            single.clear();
            single.setProperty(e.getKey(), e.getValue());
            StringWriter one = new StringWriter();
            try {
                single.store(one, null);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            one.toString().lines().filter(l -> !l.startsWith("#")).forEach(l -> w.write(l + "\n"));
        }
        writeString(target, w.toString());
    }

    public static Properties readProperties(Path file) {
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return p;
    }

    /** Renames atomically; the target, if any, is replaced in the same step. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("atomic rename not supported from " + from + " to " + to
                    + " (both must be on one file system)", e);
        }
    }

    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for fsync; the rename is still atomic there
        }
    }
}
