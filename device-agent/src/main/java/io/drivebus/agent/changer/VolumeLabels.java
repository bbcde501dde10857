package io.drivebus.agent.changer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * The drivebus volume label: the first line (on tape: the first block) of a volume,
 * {@code DRIVEBUS-VOLUME label=DEMO003 barcode=DEMO003L8}. The same header on a vtape volume file, a tape in an
 * mtx library's drive, or a fixed device.
 */
public final class VolumeLabels {

    public static final String HEADER_MAGIC = "DRIVEBUS-VOLUME";
    public static final Pattern LABEL = Pattern.compile("^\\S{1,64}$");
    static final int MAX_HEADER_BYTES = 1024;
    /** A tape read returns one block; ask for the largest block we may meet. */
    static final int TAPE_READ_BYTES = 256 * 1024;

    private VolumeLabels() {
    }

    /** The label header line (with its newline). */
    public static String header(Volume v) {
        return HEADER_MAGIC + " label=" + v.label() + (v.barcode() == null ? "" : " barcode=" + v.barcode()) + "\n";
    }

    /** The volume's label header; a volume without one is unlabelled (label null, barcode null). */
    public static Volume read(Path volume) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(volume)) {
            if (Files.isRegularFile(volume)) {
                head = in.readNBytes(MAX_HEADER_BYTES);
            } else {
                // a tape device: one read is one block
                byte[] block = new byte[TAPE_READ_BYTES];
                int n = in.read(block);
                head = n <= 0 ? new byte[0] : Arrays.copyOf(block, Math.min(n, MAX_HEADER_BYTES));
            }
        }
        return parse(head);
    }

    /**
     * Writes a new label: the volume then holds only the header (labelling starts a volume afresh). The device
     * must exist: a label is never written where no volume is.
     */
    public static void write(Path volume, Volume v) throws IOException {
        if (v.label() == null || !LABEL.matcher(v.label()).matches()) {
            throw new IllegalArgumentException("invalid label '" + v.label() + "'");
        }
        boolean regular = Files.isRegularFile(volume);
        try (FileChannel ch = regular
                ? FileChannel.open(volume, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)
                : FileChannel.open(volume, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(header(v).getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            if (regular) {
                ch.force(true);
            }
        }
    }

    static Volume parse(byte[] head) {
        String text = new String(head, StandardCharsets.UTF_8);
        int nl = text.indexOf('\n');
        String line = (nl < 0 ? text : text.substring(0, nl)).trim();
        String[] parts = line.split("\\s+");
        if (parts.length == 0 || !parts[0].equals(HEADER_MAGIC)) {
            return new Volume(null, null);
        }
        String label = null;
        String barcode = null;
        for (String part : Arrays.asList(parts).subList(1, parts.length)) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String k = part.substring(0, eq);
            String val = part.substring(eq + 1);
            if (k.equals("label") && LABEL.matcher(val).matches()) {
                label = val;
            } else if (k.equals("barcode") && !val.isEmpty()) {
                barcode = val;
            }
        }
        return label == null ? new Volume(null, barcode) : new Volume(label, barcode);
    }
}
