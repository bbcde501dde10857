package io.drivebus.agent.changer.mtx;

import io.drivebus.agent.changer.DriverException;
import io.drivebus.agent.changer.LibraryDriver;
import io.drivebus.agent.changer.LibraryInventory;
import io.drivebus.agent.changer.ProcessRunner;
import io.drivebus.agent.changer.Volume;
import io.drivebus.agent.changer.VolumeLabels;
import io.drivebus.agent.persist.AtomicFiles;
import io.drivebus.schemas.ErrorReason;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * A SCSI tape library driven through {@code mtx -f /dev/sgN status | load | unload | transfer} and its drives
 * through {@code mt -f /dev/nstN status | rewind | offline}.
 *
 * <ul>
 * <li>Drive ids map to mtx's Data Transfer Elements by their configured order (first = element 0).</li>
 * <li>Every motion has one deadline ({@link Settings#motionTimeout}, minutes for real LTO drives) covering the mtx
 * run, its Not Ready retries (backoff doubling from {@link Settings#retryBackoff}) and, after a load, the wait for
 * {@code mt status} to say ONLINE. An mtx that overruns is killed.</li>
 * <li>A motion mtx refuses or that fails is reported with mtx's own message as a drive fault: the caller marks
 * the drive in error; nothing is retried but a transient {@code Sense Key=Not Ready}.</li>
 * <li>The inventory is cached: re-read with {@code mtx status} after every motion and on scan, never for a
 * heartbeat (a real changer answers status in seconds and not at all while it moves).</li>
 * <li>Labels: the drivebus header is the tape's first block, read from the drive's device after a rewind. The
 * barcode → label pairs seen are kept in {@link Settings#labelCache}, so slots show labels without a load.</li>
 * </ul>
 */
public final class MtxDriver implements LibraryDriver {

    public static final String NAME = "mtx";
    private static final Logger LOG = Logger.getLogger(MtxDriver.class);
    private static final Pattern DRIVE_ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
    private static final Pattern ONLINE = Pattern.compile("\\bONLINE\\b");
    private static final Pattern NOT_READY = Pattern.compile("Sense Key\\s*=\\s*Not Ready");
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    /** A changer that could not be read is asked again for a status (heartbeats) at most this often. */
    private static final Duration STATUS_RETRY = Duration.ofSeconds(30);

    /**
     * @param drives drive id → tape device (/dev/nstN), in mtx element order
     * @param labelCache file keeping barcode=label pairs; null = none
     */
    public record Settings(String changer, LinkedHashMap<String, String> drives, String mtx, String mt,
            Duration motionTimeout, Duration statusTimeout, boolean ejectBeforeUnload, int notReadyRetries,
            Duration retryBackoff, Duration readyPollInterval, Path labelCache) {
    }

    private final Settings s;
    private final List<String> ids;
    private final Map<String, String> labels = new HashMap<>();
    /** Labels read from drives without a barcode, by drive id (forgotten when the drive's volume moves). */
    private final Map<String, String> driveLabels = new HashMap<>();
    private MtxStatus last;
    private DriverException lastFailure;
    private long lastFailureAt;

    public MtxDriver(Settings settings) {
        if (settings.drives().isEmpty()) {
            throw new IllegalArgumentException("an mtx library needs at least one drive (id=/dev/nstN)");
        }
        this.s = settings;
        this.ids = List.copyOf(settings.drives().keySet());
        if (s.labelCache() != null) {
            Properties p = AtomicFiles.readProperties(s.labelCache());
            p.stringPropertyNames().forEach(k -> labels.put(k, p.getProperty(k)));
        }
    }

    /** Parses {@code id=/dev/nstN} entries, in order. */
    public static LinkedHashMap<String, String> parseDrives(List<String> entries) {
        LinkedHashMap<String, String> m = new LinkedHashMap<>();
        for (String e : entries) {
            int eq = e.indexOf('=');
            if (eq <= 0 || eq == e.length() - 1) {
                throw new IllegalArgumentException("drive entry '" + e + "' is not id=/dev/nstN");
            }
            String id = e.substring(0, eq).trim();
            if (!DRIVE_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("invalid drive id '" + id + "' in '" + e + "'");
            }
            if (m.put(id, e.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("duplicate drive id in '" + e + "'");
            }
        }
        return m;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> driveIds() {
        return ids;
    }

    public Settings settings() {
        return s;
    }

    @Override
    public LibraryInventory status() throws DriverException {
        if (last == null) {
            // unreadable changer: heartbeats report the last failure instead of each waiting out a status timeout
            if (lastFailure != null && System.nanoTime() - lastFailureAt < STATUS_RETRY.toNanos()) {
                throw new DriverException(lastFailure.reason(), lastFailure.getMessage());
            }
            try {
                refresh(deadline(s.statusTimeout()));
            } catch (DriverException e) {
                lastFailure = e;
                lastFailureAt = System.nanoTime();
                throw e;
            }
        }
        return inventory(last);
    }

    @Override
    public LibraryInventory scan() throws DriverException {
        refresh(deadline(s.statusTimeout()));
        return inventory(last);
    }

    @Override
    public Volume load(String drive, int slot) throws DriverException {
        int element = element(drive);
        long deadline = deadline(s.motionTimeout());
        MtxStatus st = refresh(deadline);
        checkSlot(st, slot);
        MtxStatus.DriveElement de = st.drive(element);
        if (de != null && de.full()) {
            if (de.sourceSlot() != null && de.sourceSlot() == slot) {
                return readVolume(drive, de.tag()); // already there: no motion
            }
            if (de.sourceSlot() == null) {
                throw DriverException.fault(ErrorReason.device, "drive " + drive + " holds volume " + tagText(de.tag())
                        + " from an unknown slot; unload it with toSlot first");
            }
            unloadMotion(drive, element, de.sourceSlot(), deadline);
        }
        driveLabels.remove(drive);
        motion(drive, deadline, "load", Integer.toString(slot), Integer.toString(element));
        waitOnline(drive, deadline);
        MtxStatus after = refresh(deadline);
        MtxStatus.DriveElement loaded = after.drive(element);
        return readVolume(drive, loaded == null ? null : loaded.tag());
    }

    @Override
    public int unload(String drive, Integer toSlot) throws DriverException {
        return unload(drive, toSlot, s.ejectBeforeUnload());
    }

    /** Eject: rewind and unload the tape ({@code mt offline}) whatever eject-before-unload says, then unload. */
    @Override
    public int eject(String drive, Integer toSlot) throws DriverException {
        return unload(drive, toSlot, true);
    }

    private int unload(String drive, Integer toSlot, boolean offlineFirst) throws DriverException {
        int element = element(drive);
        long deadline = deadline(s.motionTimeout());
        MtxStatus st = refresh(deadline);
        MtxStatus.DriveElement de = st.drive(element);
        Integer target = toSlot;
        if (target == null) {
            if (de == null || !de.full()) {
                throw new DriverException(ErrorReason.empty, "drive " + drive + " is empty");
            }
            target = de.sourceSlot();
            if (target == null) {
                throw new DriverException(ErrorReason.invalid, "drive " + drive + " holds volume " + tagText(de.tag())
                        + " from an unknown slot; unload needs toSlot");
            }
        }
        checkSlot(st, target);
        if (offlineFirst && de != null && de.full()) {
            mt(drive, deadline, "offline");
        }
        unloadMotion(drive, element, target, deadline);
        refresh(deadline);
        return target;
    }

    @Override
    public Volume readLabel(String drive) throws DriverException {
        int element = element(drive);
        MtxStatus st = last != null ? last : refresh(deadline(s.statusTimeout()));
        MtxStatus.DriveElement de = st.drive(element);
        if (de == null || !de.full()) {
            throw new DriverException(ErrorReason.empty, "drive " + drive + " is empty");
        }
        Volume v = readVolume(drive, de.tag());
        if (v.label() == null) {
            throw new DriverException(ErrorReason.device, "the volume in drive " + drive + " (" + tagText(de.tag())
                    + ") has no drivebus label");
        }
        return v;
    }

    @Override
    public Integer sourceSlot(String drive) throws DriverException {
        int element = element(drive);
        MtxStatus st = last != null ? last : refresh(deadline(s.statusTimeout()));
        MtxStatus.DriveElement de = st.drive(element);
        return de == null || !de.full() ? null : de.sourceSlot();
    }

    @Override
    public Volume writeLabel(String drive, String newLabel, boolean force) throws DriverException {
        if (newLabel == null || !VolumeLabels.LABEL.matcher(newLabel).matches()) {
            throw new DriverException(ErrorReason.invalid, "invalid label '" + newLabel + "'");
        }
        int element = element(drive);
        long deadline = deadline(s.motionTimeout());
        MtxStatus.DriveElement de = refresh(deadline).drive(element);
        if (de == null || !de.full()) {
            throw new DriverException(ErrorReason.empty, "drive " + drive + " is empty");
        }
        Volume current = readVolume(drive, de.tag());
        if (current.label() != null && !force) {
            throw new DriverException(ErrorReason.invalid, "the volume in drive " + drive + " is already labelled '"
                    + current.label() + "'; not overwritten without force");
        }
        Volume labelled = new Volume(newLabel, de.tag());
        mt(drive, deadline, "rewind");
        try {
            VolumeLabels.write(Path.of(s.drives().get(drive)), labelled);
        } catch (IOException e) {
            throw DriverException.fault(ErrorReason.device, "cannot write the label on " + s.drives().get(drive) + ": " + e.getMessage());
        }
        mt(drive, deadline, "rewind");
        remember(drive, labelled);
        return labelled;
    }

    @Override
    public Volume transfer(int fromSlot, int toSlot) throws DriverException {
        long deadline = deadline(s.motionTimeout());
        MtxStatus st = refresh(deadline);
        checkSlot(st, fromSlot);
        checkSlot(st, toSlot);
        MtxStatus.StorageElement from = st.slot(fromSlot);
        motion(null, deadline, "transfer", Integer.toString(fromSlot), Integer.toString(toSlot));
        refresh(deadline);
        return new Volume(from.tag() == null ? null : labels.get(from.tag()), from.tag());
    }

    // --- mtx and mt

    private void unloadMotion(String drive, int element, int slot, long deadline) throws DriverException {
        try {
            motion(drive, deadline, "unload", Integer.toString(slot), Integer.toString(element));
        } catch (DriverException e) {
            if (!s.ejectBeforeUnload() && e.getMessage() != null && e.getMessage().contains("Drive needs offline before move")) {
                // this library wants the tape ejected first: do it once, then move
                LOG.infof("drive %s needs offline before move; ejecting the tape and retrying the unload", drive);
                mt(drive, deadline, "offline");
                motion(drive, deadline, "unload", Integer.toString(slot), Integer.toString(element));
            } else {
                throw e;
            }
        } finally {
            driveLabels.remove(drive);
        }
    }

    /** One robot motion: retried only on Not Ready; any other failure is the drive's fault, with mtx's message. */
    private void motion(String drive, long deadline, String... args) throws DriverException {
        List<String> cmd = new ArrayList<>(List.of(s.mtx(), "-f", s.changer()));
        cmd.addAll(List.of(args));
        ProcessRunner.Result r = runWithRetry(cmd, deadline, drive);
        if (!r.ok()) {
            // the robot may have moved part way: the inventory is re-read for the status that follows
            try {
                refresh(deadline(s.statusTimeout()));
            } catch (DriverException ignored) {
                last = null;
            }
            throw DriverException.fault(reasonOf(r.output()), describe(r));
        }
    }

    private MtxStatus refresh(long deadline) throws DriverException {
        ProcessRunner.Result r = runWithRetry(List.of(s.mtx(), "-f", s.changer(), "status"), deadline, null);
        if (!r.ok()) {
            throw new DriverException(ErrorReason.device, describe(r));
        }
        try {
            last = MtxStatus.parse(r.stdout());
            lastFailure = null;
        } catch (IllegalArgumentException e) {
            throw new DriverException(ErrorReason.device, s.mtx() + " -f " + s.changer() + " status: " + e.getMessage(), e);
        }
        for (MtxStatus.DriveElement de : last.drives()) {
            if (!de.full() && de.element() < ids.size()) {
                driveLabels.remove(ids.get(de.element()));
            }
        }
        return last;
    }

    private ProcessRunner.Result runWithRetry(List<String> cmd, long deadline, String drive) throws DriverException {
        long backoff = s.retryBackoff().toMillis();
        for (int attempt = 0;; attempt++) {
            ProcessRunner.Result r = exec(cmd, deadline, drive);
            if (r.ok() || r.timedOut() || !NOT_READY.matcher(r.output()).find()) {
                return r;
            }
            long left = remaining(deadline);
            if (attempt >= s.notReadyRetries() || left <= backoff) {
                LOG.warnf("%s: Not Ready after %d attempts; giving up", String.join(" ", cmd), attempt + 1);
                return r;
            }
            LOG.infof("%s: Not Ready (transient); retry %d of %d in %d ms", String.join(" ", cmd), attempt + 1,
                    s.notReadyRetries(), backoff);
            sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
        }
    }

    private ProcessRunner.Result exec(List<String> cmd, long deadline, String drive) throws DriverException {
        long left = remaining(deadline);
        if (left <= 0) {
            throw DriverException.fault(ErrorReason.device, String.join(" ", cmd) + ": not run, the motion's time ("
                    + s.motionTimeout() + ") is used up");
        }
        try {
            ProcessRunner.Result r = ProcessRunner.run(cmd, Duration.ofMillis(left));
            if (r.timedOut()) {
                throw DriverException.fault(ErrorReason.device, String.join(" ", cmd) + " did not finish within "
                        + Duration.ofMillis(left) + " and was killed" + (drive == null ? "" : " (drive " + drive + ")"));
            }
            return r;
        } catch (IOException e) {
            throw DriverException.fault(ErrorReason.device, "cannot run " + cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DriverException.fault(ErrorReason.device, String.join(" ", cmd) + " interrupted (agent stopping)");
        }
    }

    private void mt(String drive, long deadline, String op) throws DriverException {
        List<String> cmd = List.of(s.mt(), "-f", s.drives().get(drive), op);
        ProcessRunner.Result r = exec(cmd, deadline, drive);
        if (!r.ok()) {
            throw DriverException.fault(ErrorReason.device, describe(r));
        }
    }

    /** After a load the drive threads the tape; it can be used once {@code mt status} says ONLINE. */
    private void waitOnline(String drive, long deadline) throws DriverException {
        List<String> cmd = List.of(s.mt(), "-f", s.drives().get(drive), "status");
        String lastOut = "";
        while (true) {
            try {
                ProcessRunner.Result r = exec(cmd, deadline, drive);
                lastOut = r.output();
                if (r.ok() && ONLINE.matcher(r.stdout()).find()) {
                    return;
                }
            } catch (DriverException e) {
                if (remaining(deadline) > 0) {
                    throw e;
                }
                lastOut = e.getMessage();
            }
            long left = remaining(deadline);
            if (left <= 0) {
                throw DriverException.fault(ErrorReason.device, "drive " + drive + " (" + s.drives().get(drive)
                        + ") did not come ONLINE within " + s.motionTimeout() + " after the load; last mt status: "
                        + MtxStatus.abbreviate(lastOut));
            }
            sleep(Math.min(left, s.readyPollInterval().toMillis()));
        }
    }

    private Volume readVolume(String drive, String tag) throws DriverException {
        Path dev = Path.of(s.drives().get(drive));
        try {
            mt(drive, deadline(s.motionTimeout()), "rewind");
            Volume v = VolumeLabels.read(dev);
            mt(drive, deadline(s.motionTimeout()), "rewind");
            Volume withTag = new Volume(v.label(), tag != null ? tag : v.barcode());
            remember(drive, withTag);
            return withTag;
        } catch (NoSuchFileException e) {
            throw DriverException.fault(ErrorReason.device, "drive " + drive + ": " + dev + " does not exist");
        } catch (IOException e) {
            throw DriverException.fault(ErrorReason.device, "cannot read the label on " + dev + ": " + e.getMessage());
        }
    }

    private void remember(String drive, Volume v) {
        if (v.label() == null) {
            return;
        }
        driveLabels.put(drive, v.label());
        if (v.barcode() != null && !v.label().equals(labels.get(v.barcode()))) {
            labels.put(v.barcode(), v.label());
            if (s.labelCache() != null) {
                AtomicFiles.writeProperties(s.labelCache(), labels, "barcode=label of the volumes seen in this mtx library");
            }
        }
    }

    private LibraryInventory inventory(MtxStatus st) {
        List<LibraryInventory.Drive> ds = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            MtxStatus.DriveElement de = st.drive(i);
            String dev = s.drives().get(id);
            if (de == null) {
                ds.add(new LibraryInventory.Drive(id, dev, null, null, null,
                        "the changer reports no Data Transfer Element " + i));
            } else if (!de.full()) {
                ds.add(new LibraryInventory.Drive(id, dev, null, null, null, null));
            } else {
                String label = driveLabels.getOrDefault(id, de.tag() == null ? null : labels.get(de.tag()));
                ds.add(new LibraryInventory.Drive(id, dev, null, new Volume(label, de.tag()), de.sourceSlot(), null));
            }
        }
        List<LibraryInventory.Slot> ss = new ArrayList<>();
        boolean barcodes = false;
        for (MtxStatus.StorageElement e : st.slots()) {
            barcodes |= e.tag() != null;
            Volume v = e.full() ? new Volume(e.tag() == null ? null : labels.get(e.tag()), e.tag()) : null;
            ss.add(new LibraryInventory.Slot(e.slot(), v, e.importExport(), false));
        }
        return new LibraryInventory("mtx " + s.changer(), barcodes, ds, ss);
    }

    // --- helpers

    static ErrorReason reasonOf(String out) {
        if (out.contains("Already Full") || Pattern.compile("Drive \\d+ Full").matcher(out).find()) {
            return ErrorReason.invalid;
        }
        if (out.contains("is Empty")) {
            return ErrorReason.empty;
        }
        return ErrorReason.device;
    }

    /** The command and mtx's message (the sense block shortened to its Sense Key). */
    static String describe(ProcessRunner.Result r) {
        List<String> kept = new ArrayList<>();
        for (String line : r.output().split("\\R")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("mtx: Request Sense:") && !l.contains("Sense Key")) {
                continue;
            }
            kept.add(l);
        }
        String msg = String.join("; ", kept);
        if (msg.length() > 500) {
            msg = msg.substring(0, 500) + "...";
        }
        return String.join(" ", r.command()) + " failed (exit " + r.exitCode() + "): " + msg;
    }

    private int element(String drive) throws DriverException {
        int i = drive == null ? -1 : ids.indexOf(drive);
        if (i < 0) {
            throw new DriverException(ErrorReason.notfound, "no drive '" + drive + "' in this library (drives: " + String.join(",", ids) + ")");
        }
        return i;
    }

    private static void checkSlot(MtxStatus st, int slot) throws DriverException {
        if (st.slot(slot) == null) {
            throw new DriverException(ErrorReason.notfound, "no slot " + slot + " in this library (slots 1.." + st.slots().size() + ")");
        }
    }

    private static String tagText(String tag) {
        return tag == null ? "(no barcode)" : tag;
    }

    private static long deadline(Duration d) {
        return System.nanoTime() + d.toNanos();
    }

    private static long remaining(long deadline) {
        return (deadline - System.nanoTime()) / 1_000_000;
    }

    private static void sleep(long ms) throws DriverException {
        try {
            Thread.sleep(Math.max(0, ms));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw DriverException.fault(ErrorReason.device, "interrupted (agent stopping)");
        }
    }
}
