package io.drivebus.agent.changer;

import io.drivebus.schemas.ErrorReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A fixed set of standalone devices (a disk file, a tape drive without a robot): slot n is device n (in the
 * configured order) and media never move. A device "holds a volume" when its path exists; load of a device's own
 * slot and unload/eject are answered without motion, anything else is refused as {@code invalid}. Labels are the
 * drivebus header at the start of the device.
 */
public final class FileDriver implements LibraryDriver {

    public static final String NAME = "file";
    private static final Pattern ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

    private final Map<String, Path> devices;
    private final List<String> ids;

    public FileDriver(Map<String, Path> devices) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("a file library needs at least one device");
        }
        devices.keySet().forEach(id -> {
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException("invalid device id '" + id + "'");
            }
        });
        this.devices = new LinkedHashMap<>(devices);
        this.ids = List.copyOf(devices.keySet());
    }

    /** Parses {@code id=/path} entries, in order. */
    public static FileDriver of(List<String> entries) {
        Map<String, Path> m = new LinkedHashMap<>();
        for (String e : entries) {
            int eq = e.indexOf('=');
            if (eq <= 0 || eq == e.length() - 1) {
                throw new IllegalArgumentException("device entry '" + e + "' is not id=/path");
            }
            String id = e.substring(0, eq).trim();
            if (m.put(id, Path.of(e.substring(eq + 1).trim()).toAbsolutePath()) != null) {
                throw new IllegalArgumentException("duplicate device id '" + id + "'");
            }
        }
        return new FileDriver(m);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> driveIds() {
        return ids;
    }

    @Override
    public LibraryInventory status() {
        List<LibraryInventory.Drive> ds = new ArrayList<>();
        List<LibraryInventory.Slot> ss = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            Path p = devices.get(id);
            int slot = i + 1;
            if (!Files.exists(p)) {
                ds.add(new LibraryInventory.Drive(id, p.toString(), null, null, null, null));
                ss.add(new LibraryInventory.Slot(slot, null, false, false));
                continue;
            }
            try {
                Volume v = VolumeLabels.read(p);
                ds.add(new LibraryInventory.Drive(id, p.toString(), null, v, slot, null));
                ss.add(new LibraryInventory.Slot(slot, null, false, false));
            } catch (IOException e) {
                ds.add(new LibraryInventory.Drive(id, p.toString(), null, null, null, "cannot read " + p + ": " + e.getMessage()));
                ss.add(new LibraryInventory.Slot(slot, null, false, true));
            }
        }
        return new LibraryInventory("drivebus fixed devices", true, ds, ss);
    }

    @Override
    public LibraryInventory scan() {
        return status();
    }

    @Override
    public Volume load(String drive, int slot) throws DriverException {
        int own = slotOf(drive);
        if (slot != own) {
            throw new DriverException(ErrorReason.invalid, "media never move in a file library: slot " + slot
                    + " cannot go into device " + drive + " (its slot is " + own + ")");
        }
        return readLabelOrUnlabelled(drive);
    }

    @Override
    public int unload(String drive, Integer toSlot) throws DriverException {
        int own = slotOf(drive);
        if (toSlot != null && toSlot != own) {
            throw new DriverException(ErrorReason.invalid, "media never move in a file library: device " + drive
                    + " can only unload to its own slot " + own);
        }
        if (!Files.exists(devices.get(drive))) {
            throw new DriverException(ErrorReason.empty, "device " + drive + " holds no volume (" + devices.get(drive) + " missing)");
        }
        return own;
    }

    @Override
    public Volume readLabel(String drive) throws DriverException {
        Volume v = readLabelOrUnlabelled(drive);
        if (v.label() == null) {
            throw new DriverException(ErrorReason.device, "the volume of device " + drive + " has no drivebus label");
        }
        return v;
    }

    @Override
    public Integer sourceSlot(String drive) throws DriverException {
        int own = slotOf(drive);
        return Files.exists(devices.get(drive)) ? own : null;
    }

    @Override
    public Volume writeLabel(String drive, String newLabel, boolean force) throws DriverException {
        if (newLabel == null || !VolumeLabels.LABEL.matcher(newLabel).matches()) {
            throw new DriverException(ErrorReason.invalid, "invalid label '" + newLabel + "'");
        }
        Volume current = readLabelOrUnlabelled(drive);
        if (current.label() != null && !force) {
            throw new DriverException(ErrorReason.invalid, "the volume of device " + drive + " is already labelled '"
                    + current.label() + "'; not overwritten without force");
        }
        Volume labelled = new Volume(newLabel, current.barcode());
        try {
            VolumeLabels.write(devices.get(drive), labelled);
        } catch (IOException e) {
            throw new DriverException(ErrorReason.device, "cannot write the label of device " + drive + ": " + e.getMessage(), e);
        }
        return labelled;
    }

    private Volume readLabelOrUnlabelled(String drive) throws DriverException {
        Path p = devices.get(drive);
        slotOf(drive);
        try {
            return VolumeLabels.read(p);
        } catch (NoSuchFileException e) {
            throw new DriverException(ErrorReason.empty, "device " + drive + " holds no volume (" + p + " missing)");
        } catch (IOException e) {
            throw new DriverException(ErrorReason.device, "cannot read device " + drive + " (" + p + "): " + e.getMessage(), e);
        }
    }

    private int slotOf(String drive) throws DriverException {
        int i = drive == null ? -1 : ids.indexOf(drive);
        if (i < 0) {
            throw new DriverException(ErrorReason.notfound, "no device '" + drive + "' in this library (devices: " + String.join(",", ids) + ")");
        }
        return i + 1;
    }
}
