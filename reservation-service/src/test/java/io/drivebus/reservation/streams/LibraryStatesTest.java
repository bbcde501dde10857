package io.drivebus.reservation.streams;

import static io.drivebus.reservation.core.Fixtures.ALICE;
import static io.drivebus.reservation.core.Fixtures.BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.reservation.core.Drive;
import io.drivebus.reservation.core.Fixtures;
import io.drivebus.reservation.core.Library;
import io.drivebus.reservation.core.Output;
import io.drivebus.reservation.core.Reservation;
import io.drivebus.reservation.core.ReservationCore;
import io.drivebus.reservation.core.Slot;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/**
 * A library is stored in parts, so that a request writes only what it changed; read back from its parts (as a task
 * restored from the changelogs reads it) it must decide exactly as the library that was stored.
 */
class LibraryStatesTest {
    static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    final MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
    final KeyValueStore<String, byte[]> libraries = store(ReservationTopology.LIBRARIES_STORE, Serdes.ByteArray());
    final KeyValueStore<String, List<Slot>> slots = store(ReservationTopology.SLOTS_STORE, StateSerde.SLOTS);
    final KeyValueStore<String, Drive> drives = store(ReservationTopology.DRIVES_STORE, StateSerde.DRIVE);
    final KeyValueStore<String, Reservation> reservations = store(ReservationTopology.RESERVATIONS_STORE, StateSerde.RESERVATION);

    @Test
    void aLibraryReadBackFromItsStoresDecidesAsTheOneThatWasStored() {
        LibraryStates live = states();
        ReservationCore core = new ReservationCore(Fixtures.ids(), false);
        Library lib = new Library("lib1");
        // drives in an order no sort gives back: the order decides which drive a request gets
        core.onStatus(lib, Fixtures.status("lib1", 1, 20, List.of(Fixtures.empty("d9"), Fixtures.empty("d2"), Fixtures.empty("d5"),
                Fixtures.empty("d0"), Fixtures.empty("d7"), Fixtures.empty("d3"))), T0);
        live.store(lib, true);
        // reservation ids granted in an order their keys do not sort in: the order decides expiry order
        for (int slot = 3; slot <= 6; slot++) {
            core.onRequest(lib, "r" + (10 - slot), ReserveRequest.bySlot("lib1", slot % 2 == 0 ? ALICE : BOB, slot).withLeaseMs(60_000L + slot), T0);
            live.store(lib, false);
        }
        core.onRequest(lib, "rel", new ReleaseRequest("lib1", "r6", ALICE, false), T0.plusSeconds(1));
        live.store(lib, false);
        assertNull(reservations.get(LibraryStates.entryKey("lib1", "r6")), "a released reservation's entry is deleted");
        assertEquals(List.of("r7", "r5", "r4"), lib.reservations().stream().map(Reservation::id).toList());
        // granted after a release, a reservation still comes after every live one
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", BOB, 8).withLeaseMs(60_000L), T0.plusSeconds(1));
        live.store(lib, false);
        assertEquals(List.of("r7", "r5", "r4", "r1"), lib.reservations().stream().map(Reservation::id).toList());

        Library restored = states().load("lib1");
        assertEquals(ids(lib), ids(restored));
        assertEquals(lib.reservations().stream().map(Reservation::id).toList(), restored.reservations().stream().map(Reservation::id).toList());
        for (Drive d : lib.drives()) {
            assertTrue(d.sameAs(restored.drive(d.id()).orElseThrow()), d.id());
        }
        for (Reservation r : lib.reservations()) {
            assertTrue(r.sameAs(restored.reservation(r.id()).orElseThrow()), r.id());
        }
        assertEquals(20, restored.slots().size());
        // the same next records, decided by the live library and by the restored one
        assertEquals(decideMore(lib), decideMore(restored));
    }

    /** A reserve for any free drive, then every lease lapsing: drive choice and expiry order both follow stored order. */
    private static List<String> decideMore(Library lib) {
        ReservationCore core = new ReservationCore(Fixtures.ids(), false);
        List<String> out = new ArrayList<>();
        core.onRequest(lib, "n1", ReserveRequest.bySlot("lib1", ALICE, 7), T0.plusSeconds(2)).forEach(o -> out.add(o.toString()));
        core.onTick(lib, T0.plusSeconds(3600)).forEach(o -> out.add(o.toString()));
        assertTrue(out.get(0).contains("ReservationGranted") && out.get(0).contains("drive=d3"), "the first free drive in order: " + out);
        assertEquals(7, out.size(), "a grant, a load and five expiries: " + out);
        return out;
    }

    @Test
    void aStoreWithoutAnEntryTheLibraryNeedsIsAnErrorNotAFreeDrive() {
        ReservationCore core = new ReservationCore(Fixtures.ids(), false);
        Library lib = new Library("lib1");
        core.onStatus(lib, Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d0"))), T0);
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 3), T0);
        states().store(lib, true);

        // the reservation its drive is held by
        Reservation r1 = reservations.delete(LibraryStates.entryKey("lib1", "r1"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> states().load("lib1"));
        assertTrue(e.getMessage().contains("held by reservation r1"), e.getMessage());
        reservations.put(LibraryStates.entryKey("lib1", "r1"), r1);
        assertNotNull(states().load("lib1"));

        // a drive its record names
        drives.delete(LibraryStates.entryKey("lib1", "d0"));
        e = assertThrows(IllegalStateException.class, () -> states().load("lib1"));
        assertTrue(e.getMessage().contains("names drive d0"), e.getMessage());
    }

    @Test
    void aLibraryStoredWholeByAnOlderVersionReadsAndIsThenStoredInParts() throws Exception {
        // a store whose records were written by an older version: the whole library, slots, drives and reservations in it
        ObjectMapper older = MessageCodec.newObjectMapper().setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
                .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);
        ReservationCore core = new ReservationCore(Fixtures.ids(), false);
        Library lib = new Library("lib1");
        core.onStatus(lib, Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d1"), Fixtures.empty("d0"))), T0);
        core.onRequest(lib, "r2", ReserveRequest.bySlot("lib1", ALICE, 3), T0);
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", BOB, 4), T0);
        libraries.put("lib1", older.writeValueAsBytes(lib));

        LibraryStates states = states();
        Library read = states.load("lib1");
        assertEquals(List.of("d1", "d0"), ids(read));
        assertEquals(10, read.slots().size());
        assertEquals(List.of("r2", "r1"), read.reservations().stream().map(Reservation::id).toList());
        for (Reservation r : lib.reservations()) {
            assertTrue(r.sameAs(read.reservation(r.id()).orElseThrow()), r.id());
        }
        states.store(read, true);
        assertNotNull(drives.get(LibraryStates.entryKey("lib1", "d0")), "the next write stores the entries apart");
        assertNotNull(reservations.get(LibraryStates.entryKey("lib1", "r1")));
        assertEquals(10, slots.get("lib1").size());
        assertFalse(new String(libraries.get("lib1"), StandardCharsets.UTF_8).contains("\"reservations\""), "and the record without them");
        assertEquals(List.of("r2", "r1"), states().load("lib1").reservations().stream().map(Reservation::id).toList());
    }

    @Test
    void aLibraryWhoseRecordNamesItsReservationsReadsThemInThatOrder() {
        // the record of the version before this one: drives and reservations by id, in order, their entries apart
        ReservationCore core = new ReservationCore(Fixtures.ids(), false);
        Library lib = new Library("lib1");
        core.onStatus(lib, Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d1"), Fixtures.empty("d0"))), T0);
        core.onRequest(lib, "r2", ReserveRequest.bySlot("lib1", ALICE, 3), T0);
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", BOB, 4), T0);
        LibraryStates states = states();
        states.store(lib, true);
        String record = new String(libraries.get("lib1"), StandardCharsets.UTF_8);
        libraries.put("lib1", record.replace("\"drives\":", "\"reservations\":[\"r2\",\"r1\"],\"drives\":").getBytes(StandardCharsets.UTF_8));
        for (String id : List.of("r2", "r1")) { // their entries, written before they had a sequence
            String key = LibraryStates.entryKey("lib1", id);
            String json = new String(StateSerde.RESERVATION.serializer().serialize("t", reservations.get(key)), StandardCharsets.UTF_8);
            reservations.put(key, StateSerde.RESERVATION.deserializer().deserialize("t",
                    json.replaceAll(",?\"sequence\":\\d+", "").getBytes(StandardCharsets.UTF_8)));
        }

        Library read = states().load("lib1");
        assertEquals(List.of("r2", "r1"), read.reservations().stream().map(Reservation::id).toList());
        assertEquals(List.of(0L, 1L), read.reservations().stream().map(Reservation::sequence).toList());
    }

    @Test
    void theLibrarysOwnRecordNamesItsDrivesAndLeavesOutItsReservationsAndSlots() {
        ReservationCore core = new ReservationCore(Fixtures.ids(), false);
        Library lib = new Library("lib1");
        core.onStatus(lib, Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d1"), Fixtures.empty("d0"))), T0);
        core.onRequest(lib, "r1", ReserveRequest.bySlot("lib1", ALICE, 3), T0);
        String json = new String(StateSerde.LIBRARY.serializer().serialize("t", lib), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"drives\":[\"d1\",\"d0\"]"), json);
        assertFalse(json.contains("\"reservations\""), json);
        assertFalse(json.contains("\"slots\""), json);
    }

    /**
     * Through the real topology: what each record writes to the changelogs. A library of 64 drives: the status writes
     * every drive; a reserve, its load's result and the release each write the one drive and reservation they changed,
     * and not the library's own record.
     */
    @Test
    void aRequestWritesOnlyTheDriveAndReservationItChanged() {
        MessageCodec codec = MessageCodec.get();
        var s = Serdes.String();
        var b = Serdes.ByteArray();
        try (TopologyTestDriver driver = TestDrivers.of(ReservationTopology.build(Duration.ofMillis(250), "test"), T0)) {
            TestInputTopic<String, byte[]> requests = driver.createInputTopic(Topics.RESERVATION_REQUESTS, s.serializer(), b.serializer());
            TestInputTopic<String, byte[]> status = driver.createInputTopic(Topics.DEVICE_STATUS, s.serializer(), b.serializer());
            TestInputTopic<String, byte[]> results = driver.createInputTopic(Topics.DEVICE_EVENTS, s.serializer(), b.serializer());
            TestOutputTopic<String, byte[]> events = driver.createOutputTopic(Topics.RESERVATION_EVENTS, s.deserializer(), b.deserializer());
            TestOutputTopic<String, byte[]> commands = driver.createOutputTopic(Topics.deviceCommands("h1"), s.deserializer(), b.deserializer());
            Supplier<Writes> writes = () -> new Writes(changelog(driver, ReservationTopology.LIBRARIES_STORE),
                    changelog(driver, ReservationTopology.SLOTS_STORE), changelog(driver, ReservationTopology.DRIVES_STORE),
                    changelog(driver, ReservationTopology.RESERVATIONS_STORE));

            status.pipeInput("lib1", codec.encode(Envelope.of("agent", null, Fixtures.status("lib1", 1, 100,
                    IntStream.range(0, 64).mapToObj(i -> Fixtures.empty("d" + i)).toList()))));
            Writes afterStatus = writes.get();
            assertEquals(64, afterStatus.drives().size());
            assertEquals(1, afterStatus.slots().size());
            assertEquals(1, afterStatus.libraries().size());
            assertTrue(new String(afterStatus.libraries().get(0).value(), StandardCharsets.UTF_8).length() < 2_000,
                    "the library's own record names its drives, it does not hold them");

            requests.pipeInput("lib1", codec.encode(Envelope.of("cli", null, ReserveRequest.bySlot("lib1", ALICE, 3))));
            ReservationGranted granted = (ReservationGranted) codec.decode(events.readValue()).payload();
            Writes afterReserve = writes.get();
            assertTrue(afterReserve.libraries().isEmpty(), "a grant leaves the library's own record as it was");
            assertEquals(List.of("lib1/" + granted.drive()), afterReserve.drives().stream().map(TestRecord::key).toList());
            assertEquals(List.of("lib1/" + granted.reservationId()), afterReserve.reservations().stream().map(TestRecord::key).toList());
            assertTrue(afterReserve.slots().isEmpty(), "slots are written with a status only");

            var load = codec.decode(commands.readValue());
            var cmd = (io.drivebus.schemas.device.DeviceCommand) load.payload();
            results.pipeInput("lib1", codec.encode(Envelope.of("agent", load.id(),
                    Fixtures.loadDone("lib1", load.id(), cmd.drive(), cmd.token(), 3, cmd.reservationId()))));
            Writes afterLoad = writes.get();
            assertEquals(1, afterLoad.drives().size());
            assertEquals(1, afterLoad.reservations().size(), "the reservation is now ready");
            assertTrue(afterLoad.libraries().isEmpty());

            requests.pipeInput("lib1", codec.encode(Envelope.of("cli", null, new ReleaseRequest("lib1", granted.reservationId(), ALICE, false))));
            Writes afterRelease = writes.get();
            assertEquals(1, afterRelease.drives().size());
            assertEquals(1, afterRelease.reservations().size());
            assertNull(afterRelease.reservations().get(0).value(), "a released reservation's entry is deleted");
            assertTrue(afterRelease.libraries().isEmpty());
        }
    }

    record Writes(List<TestRecord<String, byte[]>> libraries, List<TestRecord<String, byte[]>> slots,
            List<TestRecord<String, byte[]>> drives, List<TestRecord<String, byte[]>> reservations) {
    }

    /** What the store wrote to its changelog since last asked (the test driver keeps what a topology produces). */
    private static List<TestRecord<String, byte[]>> changelog(TopologyTestDriver driver, String store) {
        return driver.createOutputTopic("test-" + store + "-changelog", Serdes.String().deserializer(), Serdes.ByteArray().deserializer())
                .readRecordsToList();
    }

    private static List<String> ids(Library lib) {
        return lib.drives().stream().map(Drive::id).toList();
    }

    private LibraryStates states() {
        return new LibraryStates(libraries, slots, drives, reservations, 16);
    }

    private <V> KeyValueStore<String, V> store(String name, Serde<V> serde) {
        KeyValueStore<String, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), serde)
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }
}
