package io.drivebus.agent.changer;

import io.drivebus.agent.persist.AtomicFiles;
import io.drivebus.schemas.ErrorReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A virtual tape library in a directory, so the whole system can run without hardware:
 *
 * <pre>
 * library.properties      slots, drives, import-export slots, media type (written last: its presence = a library)
 * slots/&lt;n&gt;/volume       the volume in slot n, if any
 * drives/&lt;id&gt;/volume      the volume loaded in drive id, if any; the drive's device path is drives/&lt;id&gt;
 * drives/&lt;id&gt;/source      the slot that volume came from
 * </pre>
 *
 * A volume file starts with a label header line, {@code DRIVEBUS-VOLUME label=DEMO003 barcode=DEMO003L8}; what
 * follows is the volume's data. A robot motion is one atomic rename, so a crash leaves every volume in exactly
 * one place. The inventory is read from the directory every time: there is no cache that could go stale.
 */
public final class VtapeDriver implements LibraryDriver {

    public static final String NAME = "vtape";
    public static final String HEADER_MAGIC = VolumeLabels.HEADER_MAGIC;
    public static final String PROPERTIES_FILE = "library.properties";
    public static final String DEFAULT_MEDIA_TYPE = "LTO-8";
    private static final String VOLUME = "volume";
    private static final String SOURCE = "source";
    private static final Pattern ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
    private static final Pattern LABEL = VolumeLabels.LABEL;

    private final Path dir;
    private final int slots;
    private final List<String> drives;
    private final Set<Integer> importExport;
    private final String mediaType;
    /** Simulated robot time per motion (demos, crash tests); zero by default. */
    private volatile Duration motionTime = Duration.ZERO;

    private VtapeDriver(Path dir, int slots, List<String> drives, Set<Integer> importExport, String mediaType) {
        this.dir = dir.toAbsolutePath();
        this.slots = slots;
        this.drives = List.copyOf(drives);
        this.importExport = Set.copyOf(importExport);
        this.mediaType = mediaType;
    }

    /** True if {@code dir} holds a library (its library.properties exists). */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(PROPERTIES_FILE));
    }

    /** Opens an existing library; fails with a message naming what is wrong in library.properties. */
    public static VtapeDriver open(Path dir) {
        if (!exists(dir)) {
            throw new IllegalArgumentException("no vtape library at " + dir.toAbsolutePath() + " (missing " + PROPERTIES_FILE + ")");
        }
        Properties p = AtomicFiles.readProperties(dir.resolve(PROPERTIES_FILE));
        int slots;
        try {
            slots = Integer.parseInt(p.getProperty("slots", "").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(dir.resolve(PROPERTIES_FILE) + ": slots must be a number");
        }
        List<String> drives = splitList(p.getProperty("drives", ""));
        Set<Integer> ie = splitList(p.getProperty("import-export-slots", "")).stream()
                .map(Integer::parseInt).collect(Collectors.toCollection(TreeSet::new));
        validate(dir, slots, drives);
        for (int s : ie) {
            if (s < 1 || s > slots) {
                throw new IllegalArgumentException(dir.resolve(PROPERTIES_FILE) + ": import-export slot " + s + " is not in 1.." + slots);
            }
        }
        return new VtapeDriver(dir, slots, drives, ie, p.getProperty("media-type", DEFAULT_MEDIA_TYPE).trim());
    }

    /**
     * Creates a demo library: {@code slots} slots, each holding a labelled volume ({@code PREFIX001},
     * {@code PREFIX002}, ... with barcode label+"L8"), and empty drives. Refuses a directory that already holds one.
     */
    public static VtapeDriver create(Path dir, int slots, List<String> driveIds, String labelPrefix) {
        return create(dir, slots, driveIds, labelPrefix, 0);
    }

    /**
     * As {@link #create(Path, int, List, String)}, and the last {@code importExport} slots are import/export slots,
     * left empty (where an operator puts volumes in and takes them out).
     */
    public static VtapeDriver create(Path dir, int slots, List<String> driveIds, String labelPrefix, int importExport) {
        validate(dir, slots, driveIds);
        if (importExport < 0 || importExport >= slots) {
            throw new IllegalArgumentException(dir + ": import/export slots must be in 0.." + (slots - 1) + ", not " + importExport);
        }
        if (exists(dir)) {
            throw new IllegalStateException("a vtape library already exists at " + dir.toAbsolutePath());
        }
        int width = Math.max(3, String.valueOf(slots).length());
        try {
            for (int s = 1; s <= slots - importExport; s++) {
                String label = labelPrefix + String.format("%0" + width + "d", s);
                if (!LABEL.matcher(label).matches()) {
                    throw new IllegalArgumentException("label prefix gives an invalid label: '" + label + "'");
                }
                Path slotDir = Files.createDirectories(dir.resolve("slots").resolve(Integer.toString(s)));
                AtomicFiles.writeString(slotDir.resolve(VOLUME), header(new Volume(label, label + "L8")));
            }
            for (int s = slots - importExport + 1; s <= slots; s++) {
                Files.createDirectories(dir.resolve("slots").resolve(Integer.toString(s)));
            }
            for (String d : driveIds) {
                Files.createDirectories(dir.resolve("drives").resolve(d));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create vtape library at " + dir, e);
        }
        Map<String, String> props = new LinkedHashMap<>();
        props.put("slots", Integer.toString(slots));
        props.put("drives", String.join(",", driveIds));
        List<String> ie = new ArrayList<>();
        for (int s = slots - importExport + 1; s <= slots; s++) {
            ie.add(Integer.toString(s));
        }
        props.put("import-export-slots", String.join(",", ie));
        props.put("media-type", DEFAULT_MEDIA_TYPE);
        AtomicFiles.writeProperties(dir.resolve(PROPERTIES_FILE), props, "drivebus vtape library");
        return open(dir);
    }

    /** The label header line (with its newline) for a volume file. */
    public static String header(Volume v) {
        return VolumeLabels.header(v);
    }

    /** Makes every motion take this long (a simulated robot), before its atomic rename. */
    public VtapeDriver simulateMotionTime(Duration d) {
        this.motionTime = d == null ? Duration.ZERO : d;
        return this;
    }

    public Set<Integer> importExportSlots() {
        return importExport;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> driveIds() {
        return drives;
    }

    public Path directory() {
        return dir;
    }

    public Path devicePath(String drive) {
        return dir.resolve("drives").resolve(drive);
    }

    @Override
    public LibraryInventory status() {
        List<LibraryInventory.Drive> ds = new ArrayList<>(drives.size());
        for (String d : drives) {
            ds.add(driveInventory(d));
        }
        List<LibraryInventory.Slot> ss = new ArrayList<>(slots);
        for (int s = 1; s <= slots; s++) {
            Path v = slotVolume(s);
            try {
                ss.add(new LibraryInventory.Slot(s, Files.exists(v) ? headerOrUnlabelled(v) : null, importExport.contains(s), false));
            } catch (IOException e) {
                ss.add(new LibraryInventory.Slot(s, null, importExport.contains(s), true));
            }
        }
        return new LibraryInventory("drivebus vtape", true, ds, ss);
    }

    /**
     * The directory is the truth and status() already reads all of it. A scan also drops the source file of an
     * empty drive, which a crash between writing it and the load's rename leaves behind.
     */
    @Override
    public LibraryInventory scan() {
        for (String d : drives) {
            if (!Files.exists(driveVolume(d))) {
                try {
                    Files.deleteIfExists(sourceFile(d));
                } catch (IOException e) {
                    // status ignores the source of an empty drive anyway
                }
            }
        }
        return status();
    }

    @Override
    public Volume load(String drive, int slot) throws DriverException {
        checkDrive(drive);
        checkSlot(slot);
        Path dv = driveVolume(drive);
        Path sv = slotVolume(slot);
        try {
            if (Files.exists(dv)) {
                Integer src = sourceSlot(drive);
                if (src != null && src == slot && !Files.exists(sv)) {
                    return headerOrUnlabelled(dv);
                }
            }
            if (!Files.exists(sv)) {
                throw new DriverException(ErrorReason.empty, "slot " + slot + " is empty");
            }
            if (Files.exists(dv)) {
                unload(drive, null);
            }
            // source first: a crash between the two steps leaves an empty drive with a stale source file,
            // which status ignores; the other order could leave a loaded drive whose origin is unknown
            AtomicFiles.writeString(sourceFile(drive), slot + "\n");
            robotTime();
            AtomicFiles.move(sv, dv);
            AtomicFiles.fsyncDirectory(sv.getParent());
            AtomicFiles.fsyncDirectory(dv.getParent());
            return headerOrUnlabelled(dv);
        } catch (IOException | UncheckedIOException e) {
            throw new DriverException(ErrorReason.device, "load of slot " + slot + " into drive " + drive + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public int unload(String drive, Integer toSlot) throws DriverException {
        checkDrive(drive);
        Path dv = driveVolume(drive);
        if (!Files.exists(dv)) {
            throw new DriverException(ErrorReason.empty, "drive " + drive + " is empty");
        }
        Integer target = toSlot != null ? toSlot : sourceSlot(drive);
        if (target == null) {
            throw new DriverException(ErrorReason.device, "drive " + drive + " holds a volume of unknown source slot; unload needs toSlot");
        }
        checkSlot(target);
        Path sv = slotVolume(target);
        if (Files.exists(sv)) {
            throw new DriverException(ErrorReason.invalid, "cannot unload drive " + drive + ": slot " + target + " is full");
        }
        try {
            Files.createDirectories(sv.getParent());
            robotTime();
            AtomicFiles.move(dv, sv);
            AtomicFiles.fsyncDirectory(dv.getParent());
            AtomicFiles.fsyncDirectory(sv.getParent());
            Files.deleteIfExists(sourceFile(drive));
            return target;
        } catch (IOException e) {
            throw new DriverException(ErrorReason.device, "unload of drive " + drive + " to slot " + target + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Volume readLabel(String drive) throws DriverException {
        checkDrive(drive);
        Path dv = driveVolume(drive);
        try {
            Volume v = headerOrUnlabelled(dv);
            if (v.label() == null) {
                throw new DriverException(ErrorReason.device, "the volume in drive " + drive + " has no drivebus label");
            }
            return v;
        } catch (NoSuchFileException e) {
            throw new DriverException(ErrorReason.empty, "drive " + drive + " is empty");
        } catch (IOException e) {
            throw new DriverException(ErrorReason.device, "cannot read the label in drive " + drive + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Integer sourceSlot(String drive) throws DriverException {
        checkDrive(drive);
        try {
            String s = Files.readString(sourceFile(drive), StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? null : Integer.valueOf(s);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | NumberFormatException e) {
            throw new DriverException(ErrorReason.device, "cannot read the source slot of drive " + drive + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Volume writeLabel(String drive, String newLabel, boolean force) throws DriverException {
        checkDrive(drive);
        if (newLabel == null || !LABEL.matcher(newLabel).matches()) {
            throw new DriverException(ErrorReason.invalid, "invalid label '" + newLabel + "'");
        }
        Path dv = driveVolume(drive);
        Volume current;
        try {
            current = headerOrUnlabelled(dv);
        } catch (NoSuchFileException e) {
            throw new DriverException(ErrorReason.empty, "drive " + drive + " is empty");
        } catch (IOException e) {
            throw new DriverException(ErrorReason.device, "cannot read the label in drive " + drive + ": " + e.getMessage(), e);
        }
        if (current.label() != null && !force) {
            throw new DriverException(ErrorReason.invalid, "the volume in drive " + drive + " is already labelled '"
                    + current.label() + "'; not overwritten without force");
        }
        // the barcode is the sticker on the cartridge: a new label keeps it
        Volume labelled = new Volume(newLabel, current.barcode());
        try {
            AtomicFiles.writeString(dv, header(labelled));
        } catch (UncheckedIOException e) {
            throw new DriverException(ErrorReason.device, "cannot write the label in drive " + drive + ": " + e.getMessage(), e);
        }
        return labelled;
    }

    @Override
    public Volume transfer(int fromSlot, int toSlot) throws DriverException {
        checkSlot(fromSlot);
        checkSlot(toSlot);
        Path from = slotVolume(fromSlot);
        Path to = slotVolume(toSlot);
        if (!Files.exists(from)) {
            throw new DriverException(ErrorReason.empty, "slot " + fromSlot + " is empty");
        }
        if (fromSlot == toSlot) {
            throw new DriverException(ErrorReason.invalid, "transfer needs two different slots");
        }
        if (Files.exists(to)) {
            throw new DriverException(ErrorReason.invalid, "cannot transfer to slot " + toSlot + ": it is full");
        }
        try {
            Volume v = headerOrUnlabelled(from);
            Files.createDirectories(to.getParent());
            robotTime();
            AtomicFiles.move(from, to);
            AtomicFiles.fsyncDirectory(from.getParent());
            AtomicFiles.fsyncDirectory(to.getParent());
            return v;
        } catch (IOException e) {
            throw new DriverException(ErrorReason.device, "transfer from slot " + fromSlot + " to slot " + toSlot + " failed: " + e.getMessage(), e);
        }
    }

    private void robotTime() throws IOException {
        Duration d = motionTime;
        if (!d.isZero()) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during the motion");
            }
        }
    }

    private LibraryInventory.Drive driveInventory(String d) {
        String path = devicePath(d).toString();
        Path dv = driveVolume(d);
        if (!Files.exists(dv)) {
            return new LibraryInventory.Drive(d, path, mediaType, null, null, null);
        }
        try {
            return new LibraryInventory.Drive(d, path, mediaType, headerOrUnlabelled(dv), sourceSlot(d), null);
        } catch (IOException | DriverException e) {
            return new LibraryInventory.Drive(d, path, mediaType, null, null, e.getMessage());
        }
    }

    private void checkDrive(String drive) throws DriverException {
        if (drive == null || !drives.contains(drive)) {
            throw new DriverException(ErrorReason.notfound, "no drive '" + drive + "' in this library (drives: " + String.join(",", drives) + ")");
        }
    }

    private void checkSlot(int slot) throws DriverException {
        if (slot < 1 || slot > slots) {
            throw new DriverException(ErrorReason.notfound, "no slot " + slot + " in this library (slots 1.." + slots + ")");
        }
    }

    private Path slotVolume(int slot) {
        return dir.resolve("slots").resolve(Integer.toString(slot)).resolve(VOLUME);
    }

    private Path driveVolume(String drive) {
        return devicePath(drive).resolve(VOLUME);
    }

    private Path sourceFile(String drive) {
        return devicePath(drive).resolve(SOURCE);
    }

    /** The volume's label header; a volume without one is an unlabelled volume (label and barcode null). */
    static Volume headerOrUnlabelled(Path volumeFile) throws IOException {
        return VolumeLabels.read(volumeFile);
    }

    private static void validate(Path dir, int slots, List<String> drives) {
        if (slots < 1 || slots > 100_000) {
            throw new IllegalArgumentException(dir + ": slots must be in 1..100000, not " + slots);
        }
        if (drives.isEmpty()) {
            throw new IllegalArgumentException(dir + ": a library needs at least one drive");
        }
        for (String d : drives) {
            if (!ID.matcher(d).matches()) {
                throw new IllegalArgumentException(dir + ": invalid drive id '" + d + "'");
            }
        }
        if (Set.copyOf(drives).size() != drives.size()) {
            throw new IllegalArgumentException(dir + ": duplicate drive ids " + drives);
        }
    }

    private static List<String> splitList(String s) {
        return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
}
