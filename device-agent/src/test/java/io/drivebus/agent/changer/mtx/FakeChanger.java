package io.drivebus.agent.changer.mtx;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drivebus.agent.changer.Volume;
import io.drivebus.agent.changer.VolumeLabels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A simulated SCSI library for tests: the fake {@code mtx} and {@code mt} scripts (src/test/resources/fake-changer)
 * copied into {@code dir/bin}, the library's state in {@code dir/changer.json} (the "changer device"), drives
 * {@code dir/nst0..}, tapes in {@code dir/tapes/<barcode>}.
 */
public final class FakeChanger {

    private static final ObjectMapper JSON = new ObjectMapper();

    public final Path dir;
    public final Path state;
    public final Path mtx;
    public final Path mt;
    public final int drives;

    private FakeChanger(Path dir, int drives) {
        this.dir = dir.toAbsolutePath();
        this.state = this.dir.resolve("changer.json");
        this.mtx = this.dir.resolve("bin/mtx");
        this.mt = this.dir.resolve("bin/mt");
        this.drives = drives;
    }

    /**
     * @param tapes slot → barcode of the tapes in the slots; each tape gets a label header {@code label} = barcode
     *              without its "L8" suffix, unless listed in {@code unlabelled}
     */
    public static FakeChanger create(Path dir, int drives, int slots, Set<Integer> importExport, Map<Integer, String> tapes,
            Set<String> unlabelled) {
        FakeChanger f = new FakeChanger(dir, drives);
        try {
            Files.createDirectories(f.dir.resolve("bin"));
            Files.createDirectories(f.dir.resolve("tapes"));
            copyScript("mtx", f.mtx);
            copyScript("mt", f.mt);
            ObjectNode st = JSON.createObjectNode();
            st.put("barcodes", true);
            ArrayNode ds = st.putArray("drives");
            ArrayNode devs = st.putArray("devices");
            for (int i = 0; i < drives; i++) {
                ds.addObject().putNull("tape");
                devs.add(f.device(i).toString());
            }
            ArrayNode ss = st.putArray("slots");
            for (int n = 1; n <= slots; n++) {
                ObjectNode s = ss.addObject();
                String tape = tapes.get(n);
                if (tape == null) {
                    s.putNull("tape");
                } else {
                    s.put("tape", tape);
                    Path t = f.dir.resolve("tapes").resolve(tape);
                    Files.writeString(t, unlabelled.contains(tape) ? "" : VolumeLabels.header(new Volume(label(tape), tape)) + "backup data\n");
                }
                s.put("ie", importExport.contains(n));
            }
            st.put("tapes_dir", f.dir.resolve("tapes").toString());
            st.put("motion_seconds", 0);
            st.put("ready_seconds", 0);
            st.put("not_ready", 0);
            st.put("status_not_ready", 0);
            st.put("needs_offline", false);
            st.putArray("log");
            f.write(st);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    /** An existing fake library (e.g. from another process). */
    public static FakeChanger open(Path dir, int drives) {
        return new FakeChanger(dir, drives);
    }

    /** Moves a tape from a slot into a drive behind everyone's back, as the fake robot would have. */
    public void placeInDrive(int slot, int drive) {
        ObjectNode st = read();
        ObjectNode s = (ObjectNode) st.withArray("slots").get(slot - 1);
        String tape = s.get("tape").asText();
        s.putNull("tape");
        ObjectNode d = (ObjectNode) st.withArray("drives").get(drive);
        d.put("tape", tape);
        d.put("source", slot);
        d.put("offline", false);
        d.put("ready_at", 0);
        write(st);
        try {
            Files.deleteIfExists(device(drive));
            Files.createSymbolicLink(device(drive), dir.resolve("tapes").resolve(tape));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The label the fake writes on a tape: its barcode without the media suffix (000003L8 → TAPE03). */
    public static String label(String barcode) {
        return "TAPE" + barcode.substring(Math.max(0, barcode.length() - 4), barcode.length() - 2);
    }

    public Path device(int drive) {
        return dir.resolve("nst" + drive);
    }

    public LinkedHashMap<String, String> driveMap() {
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < drives; i++) {
            m.put("t" + i, device(i).toString());
        }
        return m;
    }

    /** Driver settings for this library: fast polls and backoff, the given motion timeout. */
    public MtxDriver.Settings settings(Duration motionTimeout, boolean ejectBeforeUnload, int notReadyRetries, Path labelCache) {
        return new MtxDriver.Settings(state.toString(), driveMap(), mtx.toString(), mt.toString(), motionTimeout,
                Duration.ofSeconds(20), ejectBeforeUnload, notReadyRetries, Duration.ofMillis(50), Duration.ofMillis(50), labelCache);
    }

    /** The drivebus.agent.libraries.&lt;id&gt;.* properties for this library. */
    public Map<String, String> properties(String libraryId) {
        String p = "drivebus.agent.libraries." + libraryId + ".";
        List<String> ds = new ArrayList<>();
        driveMap().forEach((k, v) -> ds.add(k + "=" + v));
        return Map.of(p + "driver", "mtx", p + "device", state.toString(), p + "drives", String.join(",", ds),
                p + "mtx-path", mtx.toString(), p + "mt-path", mt.toString(), p + "motion-timeout", "20s",
                p + "retry-backoff", "0.05s", p + "ready-poll-interval", "0.05s");
    }

    public synchronized ObjectNode read() {
        try {
            return (ObjectNode) JSON.readTree(state.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void write(ObjectNode st) {
        try {
            Path tmp = dir.resolve("changer.json.test.tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), st);
            Files.move(tmp, state, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void set(String key, Object value) {
        ObjectNode st = read();
        st.set(key, JSON.valueToTree(value));
        write(st);
    }

    /** Every motion the fake robot made, e.g. "load 3 0", "offline 0". */
    public List<String> log() {
        List<String> out = new ArrayList<>();
        read().withArray("log").forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The barcode in drive n, null if empty. */
    public String driveTape(int drive) {
        var n = read().withArray("drives").get(drive).get("tape");
        return n == null || n.isNull() ? null : n.asText();
    }

    public String slotTape(int slot) {
        var n = read().withArray("slots").get(slot - 1).get("tape");
        return n == null || n.isNull() ? null : n.asText();
    }

    public boolean moving() {
        return Files.exists(dir.resolve("changer.json.moving"));
    }

    public String tapeContent(String barcode) throws IOException {
        return Files.readString(dir.resolve("tapes").resolve(barcode), StandardCharsets.UTF_8);
    }

    private static void copyScript(String name, Path target) throws IOException {
        try (InputStream in = FakeChanger.class.getResourceAsStream("/fake-changer/" + name)) {
            if (in == null) {
                throw new IOException("test resource /fake-changer/" + name + " missing");
            }
            String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // a system python starts in a few ms; an env lookup through version-manager shims can take 100s of ms
            if (Files.isExecutable(Path.of("/usr/bin/python3"))) {
                script = script.replaceFirst("^#!/usr/bin/env python3", "#!/usr/bin/python3");
            }
            Files.writeString(target, script, StandardCharsets.UTF_8);
        }
        if (!target.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + target + " executable");
        }
    }
}
