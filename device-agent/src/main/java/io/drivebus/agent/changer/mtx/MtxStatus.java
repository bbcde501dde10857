package io.drivebus.agent.changer.mtx;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The output of {@code mtx -f /dev/sgN status}, parsed. Element numbers are mtx's: drives from 0, storage
 * elements (slots, import/export slots included) from 1. A tag is null when the library has no barcode reader or
 * the element has no label.
 *
 * <p>Forms taken (see src/test/resources/mtx and ../shared/fixtures/README.md): two leading blanks on the header,
 * six on storage elements, {@code VolumeTag = X} on drives but {@code VolumeTag=X} on slots, trailing blanks after
 * tags, {@code IMPORT/EXPORT} storage elements, {@code Full (Unknown Storage Element Loaded)}, {@code Full} without
 * a tag, and an optional {@code :AlternateVolumeTag=} suffix.
 */
public record MtxStatus(String changer, Integer declaredDrives, Integer declaredSlots, Integer declaredImportExport,
        List<DriveElement> drives, List<StorageElement> slots) {

    /** {@code sourceSlot} null: empty, or full from an unknown storage element. */
    public record DriveElement(int element, boolean full, Integer sourceSlot, String tag, String alternateTag) {
    }

    public record StorageElement(int slot, boolean full, boolean importExport, String tag, String alternateTag) {
    }

    private static final Pattern HEADER = Pattern.compile(
            "^\\s*Storage Changer\\s+(?<dev>\\S+?)\\s*:\\s*(?<drives>\\d+)\\s+Drives?,\\s*(?<slots>\\d+)\\s+Slots?"
                    + "(?:\\s*\\(\\s*(?<ie>\\d+)\\s+Import/Export\\s*\\))?\\s*$");
    private static final Pattern DRIVE = Pattern.compile("^\\s*Data Transfer Element\\s+(?<n>\\d+)\\s*:(?<rest>.*)$");
    private static final Pattern SLOT = Pattern.compile(
            "^\\s*Storage Element\\s+(?<n>\\d+)(?<ie>\\s+IMPORT/EXPORT)?\\s*:(?<rest>.*)$");
    /** The part after "Element N:": state, the drive's source, the tags (lazy tag so the alternate one splits off). */
    private static final Pattern CONTENT = Pattern.compile(
            "^\\s*(?<state>Empty|Full)"
                    + "(?:\\s*\\(\\s*(?:Storage Element\\s+(?<src>\\d+)|Unknown Storage Element)\\s+Loaded\\s*\\))?"
                    + "\\s*(?::\\s*VolumeTag\\s*=\\s*(?<tag>.*?))?"
                    + "\\s*(?::\\s*AlternateVolumeTag\\s*=\\s*(?<alt>.*?))?\\s*$");

    /** Parses; a drive or storage element line that does not parse is an error, any other line is ignored. */
    public static MtxStatus parse(String output) {
        String changer = null;
        Integer nd = null;
        Integer ns = null;
        Integer nie = null;
        List<DriveElement> drives = new ArrayList<>();
        List<StorageElement> slots = new ArrayList<>();
        for (String line : output.split("\\R")) {
            if (line.isBlank()) {
                continue;
            }
            Matcher m;
            if ((m = HEADER.matcher(line)).matches()) {
                changer = m.group("dev");
                nd = Integer.valueOf(m.group("drives"));
                ns = Integer.valueOf(m.group("slots"));
                nie = m.group("ie") == null ? null : Integer.valueOf(m.group("ie"));
            } else if ((m = DRIVE.matcher(line)).matches()) {
                Matcher c = content(line, m.group("rest"));
                drives.add(new DriveElement(Integer.parseInt(m.group("n")), c.group("state").equals("Full"),
                        c.group("src") == null ? null : Integer.valueOf(c.group("src")), tag(c.group("tag")), tag(c.group("alt"))));
            } else if ((m = SLOT.matcher(line)).matches()) {
                Matcher c = content(line, m.group("rest"));
                slots.add(new StorageElement(Integer.parseInt(m.group("n")), c.group("state").equals("Full"),
                        m.group("ie") != null, tag(c.group("tag")), tag(c.group("alt"))));
            }
        }
        if (drives.isEmpty() && slots.isEmpty()) {
            throw new IllegalArgumentException("not mtx status output (no Data Transfer Element / Storage Element line): "
                    + abbreviate(output));
        }
        return new MtxStatus(changer, nd, ns, nie, List.copyOf(drives), List.copyOf(slots));
    }

    public DriveElement drive(int element) {
        return drives.stream().filter(d -> d.element() == element).findFirst().orElse(null);
    }

    public StorageElement slot(int slot) {
        return slots.stream().filter(s -> s.slot() == slot).findFirst().orElse(null);
    }

    private static Matcher content(String line, String rest) {
        Matcher c = CONTENT.matcher(rest);
        if (!c.matches()) {
            throw new IllegalArgumentException("unrecognised mtx status line: '" + line.strip() + "'");
        }
        return c;
    }

    private static String tag(String t) {
        if (t == null) {
            return null;
        }
        String s = t.strip();
        return s.isEmpty() ? null : s;
    }

    static String abbreviate(String s) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }
}
