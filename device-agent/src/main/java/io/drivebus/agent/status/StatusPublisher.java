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
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes a library's full status to drivebus.device.status (key = library id): at start, after every
 * command that ran, and every heartbeat interval. The status is read and sent under the library's lock, so
 * sequence order, send order and the order of the changes it shows are the same.
 */
@ApplicationScoped
public class StatusPublisher {

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

    public CompletableFuture<RecordMetadata> publish(Library lib) {
        lib.lock();
        try {
            LibraryStatus status = build(lib);
            Envelope<LibraryStatus> env = Envelope.of(source(), null, status);
            metrics.counter("drivebus.agent.status.published").increment();
            return kafka.send(KafkaClients.record(Topics.DEVICE_STATUS, lib.id(), MessageCodec.get().encode(env)));
        } finally {
            lib.unlock();
        }
    }

    LibraryStatus build(Library lib) {
        List<DriveStatus> drives = new ArrayList<>();
        List<SlotStatus> slots = new ArrayList<>();
        try {
            LibraryInventory inv = lib.driver().status();
            for (LibraryInventory.Drive d : inv.drives()) {
                DriveState state = d.error() != null ? DriveState.error : d.volume() != null ? DriveState.loaded : DriveState.empty;
                drives.add(new DriveStatus(d.id(), d.devicePath(), state, d.mediaType(),
                        d.volume() == null ? null : d.volume().label(), d.volume() == null ? null : d.volume().barcode(),
                        d.sourceSlot(), d.error(), fencing.highest(lib.id(), d.id())));
            }
            for (LibraryInventory.Slot s : inv.slots()) {
                SlotState state = s.unknown() ? SlotState.UNKNOWN : s.volume() != null ? SlotState.FULL : SlotState.EMPTY;
                slots.add(new SlotStatus(s.slot(), state, s.volume() == null ? null : s.volume().label(),
                        s.volume() == null ? null : s.volume().barcode(), s.importExport()));
            }
            return new LibraryStatus(lib.id(), config.host(), lib.driver().name(), inv.vendor(), inv.fastSearch(),
                    drives, slots, sequence.next(lib.id()), config.heartbeatInterval().toMillis());
        } catch (DriverException e) {
            // the library cannot be read at all: say so per drive rather than go silent
            for (String d : lib.driver().driveIds()) {
                drives.add(new DriveStatus(d, null, DriveState.error, null, null, null, null, e.getMessage(),
                        fencing.highest(lib.id(), d)));
            }
            return new LibraryStatus(lib.id(), config.host(), lib.driver().name(), null, false, drives, slots,
                    sequence.next(lib.id()), config.heartbeatInterval().toMillis());
        }
    }

    public String source() {
        return "device-agent/" + config.host();
    }
}
