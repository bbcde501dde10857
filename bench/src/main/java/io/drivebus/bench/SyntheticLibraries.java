package io.drivebus.bench;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Libraries without an agent: this class is their agent's status stream. Every drive already holds the volume of
 * its slot (drive dN holds slot N+1's volume, state loaded), so a reserve by slot is granted and ready without
 * robot motion and no agent is needed. A heartbeat status per library every two seconds, with a sequence that
 * only grows (wall-clock millis, so a re-run against the same topics still counts as newer), and a heartbeat
 * interval of a minute keep them alive.
 *
 * <p>With {@code pool} set, every volume belongs to that pool and is appendable, and extra full slots of the pool
 * exist, so Bareos-style "any appendable volume of the pool" appends wait for a drive instead of being refused.
 *
 * <p>With {@code extraSlots}, each library also has that many full slots after the drives' (the scale scenario's
 * libraries of 10 to 10,000 slots); {@code statusEverySeconds} spaces the status out, since a status of 10,000 slots
 * is ~0.8 MB that the service decodes and stores, and at every 2 s it would be charged to the reservations.
 */
final class SyntheticLibraries implements AutoCloseable {
    static final String HOST = "bench-host";
    static final long HEARTBEAT_INTERVAL_MS = 60_000;

    final List<String> libraries = new ArrayList<>();
    final int drives;
    final int extraSlots;
    private final String pool;
    private final int statusEverySeconds;
    /** Rounds of statuses published so far (one status per library each), to tell how many fell in a window. */
    final java.util.concurrent.atomic.AtomicLong rounds = new java.util.concurrent.atomic.AtomicLong();
    private final Bus bus;
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private long lastSequence;

    SyntheticLibraries(Bus bus, String prefix, int count, int drives, String pool) {
        this(bus, prefix, count, drives, pool, 0, 2);
    }

    SyntheticLibraries(Bus bus, String prefix, int count, int drives, String pool, int extraSlots, int statusEverySeconds) {
        this.bus = bus;
        this.drives = drives;
        this.pool = pool;
        this.extraSlots = extraSlots;
        this.statusEverySeconds = statusEverySeconds;
        for (int i = 0; i < count; i++) {
            libraries.add(prefix + "-" + i);
        }
    }

    /** Publishes every library's status now and then every {@code statusEverySeconds} (two by default). */
    SyntheticLibraries start() {
        publishAll();
        bus.producer.flush();
        heartbeat.scheduleAtFixedRate(this::publishAll, statusEverySeconds, statusEverySeconds, TimeUnit.SECONDS);
        return this;
    }

    /** The slot whose volume drive {@code d} holds. */
    static int slotOfDrive(int d) {
        return d + 1;
    }

    static String label(String library, int slot) {
        String l = library.toUpperCase().replaceAll("[^A-Z0-9]", "") + "S" + slot;
        return l.length() > 64 ? l.substring(l.length() - 64) : l;
    }

    private synchronized void publishAll() {
        long seq = Math.max(System.currentTimeMillis(), lastSequence + 1);
        lastSequence = seq;
        for (String lib : libraries) {
            bus.send(Topics.DEVICE_STATUS, lib, Envelope.of("bench/synthetic-agent", null, status(lib, seq)), null);
        }
        rounds.incrementAndGet();
    }

    LibraryStatus status(String lib, long seq) {
        List<DriveStatus> ds = new ArrayList<>();
        List<SlotStatus> ss = new ArrayList<>();
        boolean appendable = pool != null;
        for (int d = 0; d < drives; d++) {
            int slot = slotOfDrive(d);
            ds.add(new DriveStatus("d" + d, "/dev/bench/" + lib + "/d" + d, DriveState.loaded, null, label(lib, slot), null, slot, null, 0,
                    null, null, pool, appendable ? Boolean.TRUE : null));
            // the slot's volume is in the drive
            ss.add(new SlotStatus(slot, SlotState.EMPTY, null, null, false));
        }
        int next = drives + 1;
        if (pool != null) {
            // a full slot of the pool, so an append that finds every drive busy waits (driveinuse) rather than notfound
            for (int k = 0; k < 2; k++) {
                int slot = next++;
                ss.add(new SlotStatus(slot, SlotState.FULL, label(lib, slot), null, false, pool, Boolean.TRUE));
            }
        }
        for (int k = 0; k < extraSlots; k++) {
            int slot = next++;
            ss.add(new SlotStatus(slot, SlotState.FULL, label(lib, slot), null, false, pool, appendable ? Boolean.TRUE : null));
        }
        return new LibraryStatus(lib, HOST, "vtape", "bench", true, ds, ss, seq, HEARTBEAT_INTERVAL_MS);
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
    }
}
