package io.drivebus.reservation.core;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Amanda's {@code update} argument: slot ranges to rescan ({@code 1-3,9}), or {@code N=LABEL} to record what is in
 * slot N without robot motion, or {@code N=} to forget it.
 */
record ChangerSpec(List<Integer> rescan, Integer slot, String label) {
    private static final Pattern ASSIGN = Pattern.compile("^(\\d+)=(\\S*)$");
    private static final Pattern RANGE = Pattern.compile("^(\\d+)(?:-(\\d+))?$");

    boolean isAssignment() {
        return slot != null;
    }

    /** @throws IllegalArgumentException naming what is wrong */
    static ChangerSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return new ChangerSpec(null, null, null);
        }
        Matcher a = ASSIGN.matcher(spec.trim());
        if (a.matches()) {
            return new ChangerSpec(null, Integer.parseInt(a.group(1)), a.group(2));
        }
        List<Integer> slots = new ArrayList<>();
        for (String part : spec.split(",")) {
            Matcher r = RANGE.matcher(part.trim());
            if (!r.matches()) {
                throw new IllegalArgumentException("'" + part + "' is neither a slot, a range N-M, nor N=LABEL");
            }
            int from = Integer.parseInt(r.group(1));
            int to = r.group(2) == null ? from : Integer.parseInt(r.group(2));
            if (to < from || to - from > 100_000) {
                throw new IllegalArgumentException("range " + part + " runs backwards or is too long");
            }
            for (int n = from; n <= to; n++) {
                slots.add(n);
            }
        }
        return new ChangerSpec(slots, null, null);
    }
}
