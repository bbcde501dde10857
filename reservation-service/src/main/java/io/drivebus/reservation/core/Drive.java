package io.drivebus.reservation.core;

import io.drivebus.schemas.device.DriveState;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;

/**
 * What the single writer knows of one drive: the agent's last report (state, volume, source slot), and its own
 * bookkeeping (the fencing token it last issued, who holds the drive, a load in flight).
 */
public final class Drive {
    String id;
    String devicePath;
    String mediaType;
    DriveState state = DriveState.offline;
    String label;
    String barcode;
    Integer sourceSlot;
    String error;
    /** Highest fencing token this service issued for the drive; the next grant gets a higher one. */
    long token;
    /** Highest token the agent reports having accepted (survives our state being rebuilt). */
    long agentToken;
    /** The reservations holding the drive: one, or several appends sharing its volume up to maxConcurrentJobs. */
    final java.util.LinkedHashSet<String> holders = new java.util.LinkedHashSet<>();
    /** Bareos AutoSelect: false means the drive is only used for the volume it already holds. */
    boolean autoselect = true;
    int maxConcurrentJobs = 1;
    /** Pool and appendability of the mounted volume, as its label says. */
    String pool;
    Boolean appendable;
    /** The id of a load/unload command in flight (DEC SRC's pending version), or null. */
    String pendingCommandId;
    /** The token the command in flight runs under. */
    long pendingToken;

    Drive() {
    }

    Drive(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public long token() {
        return token;
    }

    /** The first holder, or null when free. */
    public String reservationId() {
        return holders.isEmpty() ? null : holders.iterator().next();
    }

    public String label() {
        return label;
    }

    public DriveState state() {
        return state;
    }

    boolean isFree() {
        return holders.isEmpty() && pendingCommandId == null;
    }

    boolean isUsable() {
        return state != DriveState.offline && state != DriveState.error;
    }

    boolean holdsVolume() {
        return state == DriveState.loaded && (label != null || sourceSlot != null);
    }

    /**
     * A copy of every field: what the state store last wrote, so that a later {@link #sameAs} tells whether the
     * drive must be written again without serialising it.
     */
    public Drive copy() {
        Drive c = new Drive(id);
        c.devicePath = devicePath;
        c.mediaType = mediaType;
        c.state = state;
        c.label = label;
        c.barcode = barcode;
        c.sourceSlot = sourceSlot;
        c.error = error;
        c.token = token;
        c.agentToken = agentToken;
        c.holders.addAll(holders);
        c.autoselect = autoselect;
        c.maxConcurrentJobs = maxConcurrentJobs;
        c.pool = pool;
        c.appendable = appendable;
        c.pendingCommandId = pendingCommandId;
        c.pendingToken = pendingToken;
        return c;
    }

    /** Every field equal, the holders in the same order (the first is the one a drive reports as its holder). */
    public boolean sameAs(Drive o) {
        return Objects.equals(id, o.id) && Objects.equals(devicePath, o.devicePath) && Objects.equals(mediaType, o.mediaType)
                && state == o.state && Objects.equals(label, o.label) && Objects.equals(barcode, o.barcode)
                && Objects.equals(sourceSlot, o.sourceSlot) && Objects.equals(error, o.error) && token == o.token
                && agentToken == o.agentToken && sameOrder(holders, o.holders) && autoselect == o.autoselect
                && maxConcurrentJobs == o.maxConcurrentJobs && Objects.equals(pool, o.pool) && Objects.equals(appendable, o.appendable)
                && Objects.equals(pendingCommandId, o.pendingCommandId) && pendingToken == o.pendingToken;
    }

    /** Compared for every drive of a library on every write, so without copying either set. */
    private static boolean sameOrder(Set<String> a, Set<String> b) {
        if (a.size() != b.size()) {
            return false;
        }
        if (a.isEmpty()) {
            return true; // a free drive: most of them
        }
        Iterator<String> other = b.iterator();
        for (String s : a) {
            if (!s.equals(other.next())) {
                return false;
            }
        }
        return true;
    }

    /** FencingToken: strictly above anything issued or seen, so tokens never go back, even after a rebuild. */
    long nextToken() {
        token = Math.max(token, agentToken) + 1;
        return token;
    }
}
