package io.drivebus.reservation.core;

import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.AccessMode;
import java.time.Instant;
import java.util.Objects;

/** A granted reservation: one owner's exclusive use of one drive with one volume, under one fencing token, on a lease. */
public final class Reservation {
    /** Named by the request that made it. */
    String id;
    Owner owner;
    String job;
    String drive;
    Integer slot;
    String label;
    long token;
    long leaseMs;
    Instant leaseExpiresAt;
    /** True once the volume is in the drive and its label verified. */
    boolean ready;
    /** read: the volume exclusively; append: may share the drive's mounted volume with appends of the same pool. */
    AccessMode mode;
    String pool;
    /** For a member of a multi-device set: the set's id (its request id). */
    String setId;
    /**
     * Its place in the library's grant order, after every reservation live when it was granted: the order decides
     * the order of a tick's expiries, and a library read back from the store puts its reservations in it.
     */
    long sequence;

    Reservation() {
    }

    public String id() {
        return id;
    }

    public Owner owner() {
        return owner;
    }

    public String drive() {
        return drive;
    }

    public Integer slot() {
        return slot;
    }

    public String label() {
        return label;
    }

    public long token() {
        return token;
    }

    public long sequence() {
        return sequence;
    }

    public String setId() {
        return setId;
    }

    /** A copy of every field: what the state store last wrote (see {@link Drive#copy}). */
    public Reservation copy() {
        Reservation c = new Reservation();
        c.id = id;
        c.owner = owner;
        c.job = job;
        c.drive = drive;
        c.slot = slot;
        c.label = label;
        c.token = token;
        c.leaseMs = leaseMs;
        c.leaseExpiresAt = leaseExpiresAt;
        c.ready = ready;
        c.mode = mode;
        c.pool = pool;
        c.setId = setId;
        c.sequence = sequence;
        return c;
    }

    /** Every field equal. */
    public boolean sameAs(Reservation o) {
        return Objects.equals(id, o.id) && Objects.equals(owner, o.owner) && Objects.equals(job, o.job) && Objects.equals(drive, o.drive)
                && Objects.equals(slot, o.slot) && Objects.equals(label, o.label) && token == o.token && leaseMs == o.leaseMs
                && Objects.equals(leaseExpiresAt, o.leaseExpiresAt) && ready == o.ready && mode == o.mode && Objects.equals(pool, o.pool)
                && Objects.equals(setId, o.setId) && sequence == o.sequence;
    }

    boolean isAppend() {
        return mode == AccessMode.append;
    }

    public boolean ready() {
        return ready;
    }

    public Instant leaseExpiresAt() {
        return leaseExpiresAt;
    }
}
