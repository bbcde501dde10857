package io.drivebus.reservation.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * All reservation state of one library, the unit of order: only the reservation-service task owning the
 * library's partition changes it, one input at a time. Plain data; the rules live in {@link ReservationCore}.
 */
public final class Library {
    String id;
    String host;
    String vendor;
    boolean fastSearch;
    /** The agent's status sequence last applied; an older status is stale and ignored. */
    long statusSequence = -1;
    Instant lastStatusAt;
    long heartbeatIntervalMs;
    /** Amanda's current slot, for {@code current}/{@code next}. */
    int currentSlot = 1;
    final Map<String, Drive> drives = new LinkedHashMap<>();
    final TreeMap<Integer, Slot> slots = new TreeMap<>();
    final Map<String, Reservation> reservations = new LinkedHashMap<>();
    /** Waiting reserve requests, kept in {@link WaitQueue#ORDER}. */
    final List<Waiter> queue = new ArrayList<>();
    /** Arrival counter for the queue. */
    long arrivals;
    /**
     * Labels an operator recorded with {@code update N=LABEL} ("" for {@code N=}, forgotten). They win over the
     * agent's reports until the slot is rescanned, as Amanda's changer state does until the next scan.
     */
    final Map<Integer, String> labelOverrides = new java.util.HashMap<>();
    /** Changer operations waiting for their command's result, by command id. */
    final Map<String, PendingChange> pendingChanges = new LinkedHashMap<>();

    Library() {
    }

    public Library(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public String host() {
        return host;
    }

    /** A library is known once its agent has reported it. */
    public boolean isKnown() {
        return statusSequence >= 0;
    }

    public Collection<Drive> drives() {
        return drives.values();
    }

    public Collection<Slot> slots() {
        return slots.values();
    }

    public Collection<Reservation> reservations() {
        return reservations.values();
    }

    public Optional<Drive> drive(String driveId) {
        return Optional.ofNullable(drives.get(driveId));
    }

    public Optional<Reservation> reservation(String reservationId) {
        return Optional.ofNullable(reservations.get(reservationId));
    }

    public List<Waiter> queue() {
        return queue;
    }

    /** The label a slot is known by: an operator's record if any, else the agent's. Null when forgotten or unknown. */
    String labelOf(Slot s) {
        String o = labelOverrides.get(s.number);
        if (o != null) {
            return o.isEmpty() ? null : o;
        }
        return s.label;
    }

    /**
     * Puts back the slots the state store keeps apart from the rest of the library (they change only with the
     * agent's status, so a request need not rewrite them).
     */
    public void restoreSlots(Collection<Slot> stored) {
        slots.clear();
        for (Slot s : stored) {
            slots.put(s.number, s);
        }
    }

    /**
     * Fills in what the state store keeps apart from the library's own record. Its drives the record names, in
     * their order (which decides drive choice, so it is kept, not re-derived). Its reservations the record leaves
     * out: {@code stored} gives them in any order and they are put back in grant order, which decides the order of a
     * tick's expiries. A record of an older version names its reservations ({@code named} fetches each) or holds
     * them whole; either way in grant order.
     *
     * @throws IllegalStateException when the store lacks a drive the library names, or a reservation a drive names as
     *     its holder: deciding without it could grant the drive twice
     */
    public void restoreEntries(Function<String, Drive> drive, Function<String, Reservation> named, Supplier<Collection<Reservation>> stored) {
        fill(drives, drive, "drive");
        if (reservations.isEmpty()) {
            stored.get().stream().sorted(Comparator.comparingLong(r -> r.sequence)).forEach(r -> reservations.put(r.id, r));
        } else {
            fill(reservations, named, "reservation");
            long sequence = 0;
            for (Reservation r : reservations.values()) {
                r.sequence = sequence++;
            }
        }
        for (Drive d : drives.values()) {
            for (String holder : d.holders) {
                if (!reservations.containsKey(holder)) {
                    throw new IllegalStateException("drive " + d.id + " of library " + id + " is held by reservation " + holder
                            + ", which the state store lacks");
                }
            }
        }
    }

    private <T> void fill(Map<String, T> named, Function<String, T> stored, String what) {
        for (Map.Entry<String, T> e : named.entrySet()) {
            if (e.getValue() == null) {
                T v = stored.apply(e.getKey());
                if (v == null) {
                    throw new IllegalStateException("library " + id + " names " + what + " " + e.getKey() + ", which the state store lacks");
                }
                e.setValue(v);
            }
        }
    }

    /** After every live reservation: so grant order and sequence order are one. */
    long nextGrantSequence() {
        long last = -1;
        for (Reservation r : reservations.values()) {
            last = Math.max(last, r.sequence);
        }
        return last + 1;
    }

    /** Amanda's num_slots: storage slots, not import/export ones. */
    public int numSlots() {
        return (int) slots.values().stream().filter(s -> !s.importExport).count();
    }

    public int currentSlot() {
        return currentSlot;
    }
}
