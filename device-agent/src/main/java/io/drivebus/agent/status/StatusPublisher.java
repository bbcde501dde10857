package io.drivebus.agent.status;

import io.drivebus.agent.AgentConfig;
import io.drivebus.agent.changer.DriverException;
import io.drivebus.agent.changer.Libraries;
import io.drivebus.agent.changer.Library;
import io.drivebus.agent.changer.LibraryInventory;
import io.drivebus.agent.fencing.FencingStore;
import io.drivebus.agent.kafka.KafkaClients;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes a library's full status to drivebus.device.status (key = library id): at start, when a motion starts
 * (its drive busy), after every command that ran, and every heartbeat interval. Sequence order, send order and the
 * order of the changes shown are the same (see {@link #publish}).
 */
@ApplicationScoped
public class StatusPublisher {
    /** How long a status read waits for a command to finish before falling back to the last inventory. */
    static final long LOCK_WAIT_MS = 500;

    @Inject
    AgentConfig config;
    @Inject
    Libraries libraries;
    @Inject
    FencingStore fencing;
    @Inject
    StatusSequence sequence;
    @Inject
    KafkaClients kafka;
    @Inject
    MeterRegistry metrics;

    private volatile boolean announced;

    /** Every library's status, once each (the start announcement and the heartbeat). */
    public void publishAll() throws Exception {
        for (Library lib : libraries.all()) {
            publish(lib).get();
        }
        announced = true;
    }

    /** True once the statuses at start were acknowledged: from then on heartbeats run. */
    public boolean announced() {
        return announced;
    }

    /**
     * Publishes the library's status. Normally read fresh under the library's lock; while a motion holds the lock
     * (minutes, on real hardware) the last inventory read is sent instead, its moving drive {@code busy}, so
     * heartbeats go on. Sequence numbers are taken and records sent under the library's publish lock: a later
     * sequence never carries an older inventory.
     */
    public CompletableFuture<RecordMetadata> publish(Library lib) {
        if (lib.tryLock(LOCK_WAIT_MS)) {
            try {
                LibraryInventory inv = null;
                DriverException failure = null;
                try {
                    inv = lib.driver().status();
                    lib.rememberInventory(inv);
                } catch (DriverException e) {
                    failure = e;
                }
                return send(lib, inv, failure);
            } finally {
                lib.unlock();
            }
        }
        return send(lib, null, null);
    }

    private CompletableFuture<RecordMetadata> send(Library lib, LibraryInventory fresh, DriverException failure) {
        synchronized (lib.publishLock()) {
            LibraryInventory inv = fresh != null || failure != null ? fresh : lib.lastInventory();
            LibraryStatus status = build(lib, inv, failure);
            Envelope<LibraryStatus> env = Envelope.of(source(), null, status);
            metrics.counter("drivebus.agent.status.published").increment();
            return kafka.send(KafkaClients.record(Topics.DEVICE_STATUS, lib.id(), MessageCodec.get().encode(env)));
        }
    }

    /** {@code inv} null: the library could not be read ({@code failure}) or has not been read yet. */
    LibraryStatus build(Library lib, LibraryInventory inv, DriverException failure) {
        List<DriveStatus> drives = new ArrayList<>();
        List<SlotStatus> slots = new ArrayList<>();
        Set<String> busy = lib.busyDrives();
        if (inv == null) {
            // say so per drive rather than go silent
            String why = failure != null ? failure.getMessage() : "library not read yet";
            for (String d : lib.driver().driveIds()) {
                DriveState state = busy.contains(d) ? DriveState.busy : DriveState.error;
                drives.add(new DriveStatus(d, null, state, null, null, null, null, state == DriveState.busy ? null : why,
                        fencing.highest(lib.id(), d)));
            }
            return new LibraryStatus(lib.id(), config.host(), lib.driver().name(), null, false, drives, slots,
                    sequence.next(lib.id()), config.heartbeatInterval().toMillis());
        }
        for (LibraryInventory.Drive d : inv.drives()) {
            String error = lib.driveError(d.id()) != null ? lib.driveError(d.id()) : d.error();
            DriveState state = busy.contains(d.id()) ? DriveState.busy
                    : error != null ? DriveState.error : d.volume() != null ? DriveState.loaded : DriveState.empty;
            drives.add(new DriveStatus(d.id(), d.devicePath(), state, d.mediaType(),
                    d.volume() == null ? null : d.volume().label(), d.volume() == null ? null : d.volume().barcode(),
                    d.sourceSlot(), error, fencing.highest(lib.id(), d.id())));
        }
        for (LibraryInventory.Slot s : inv.slots()) {
            SlotState state = s.unknown() ? SlotState.UNKNOWN : s.volume() != null ? SlotState.FULL : SlotState.EMPTY;
            slots.add(new SlotStatus(s.slot(), state, s.volume() == null ? null : s.volume().label(),
                    s.volume() == null ? null : s.volume().barcode(), s.importExport()));
        }
        return new LibraryStatus(lib.id(), config.host(), lib.driver().name(), inv.vendor(), inv.fastSearch(),
                drives, slots, sequence.next(lib.id()), config.heartbeatInterval().toMillis());
    }

    public String source() {
        return "device-agent/" + config.host();
    }
}
