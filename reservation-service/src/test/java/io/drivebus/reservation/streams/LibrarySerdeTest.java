package io.drivebus.reservation.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.reservation.core.Fixtures;
import io.drivebus.reservation.core.Library;
import io.drivebus.reservation.core.ReservationCore;
import io.drivebus.reservation.core.Slot;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A library is stored in two parts: its slots apart, so that a request does not rewrite thousands of them. */
class LibrarySerdeTest {
    final LibrarySerde libraries = new LibrarySerde();
    final SlotsSerde slots = new SlotsSerde();

    @Test
    void theLibraryIsStoredWithoutItsSlotsAndTheSlotsApartAndBothReadBack() {
        Library lib = new Library("lib1");
        new ReservationCore(Fixtures.ids(), false).onStatus(lib, Fixtures.status("lib1", 1, 10, List.of(Fixtures.empty("d0"))), Instant.now());
        byte[] blob = libraries.serializer().serialize("t", lib);
        assertFalse(new String(blob, StandardCharsets.UTF_8).contains("\"slots\""), "no slots in the library's record");

        Library back = libraries.deserializer().deserialize("t", blob);
        assertTrue(back.slots().isEmpty());
        List<Slot> stored = slots.deserializer().deserialize("t", slots.serializer().serialize("t", List.copyOf(lib.slots())));
        back.restoreSlots(stored);
        assertEquals(10, back.slots().size());
        assertEquals(lib.numSlots(), back.numSlots());
        assertEquals("VOL003", back.slots().stream().filter(s -> s.number() == 3).findFirst().orElseThrow().label());
        assertEquals(1, back.drives().size());
    }

    @Test
    void aLibraryStoredWholeByAnOlderVersionKeepsItsSlots() {
        Library lib = new Library("lib1");
        new ReservationCore(Fixtures.ids(), false).onStatus(lib, Fixtures.status("lib1", 1, 4, List.of(Fixtures.empty("d0"))), Instant.now());
        String slotsJson = new String(slots.serializer().serialize("t", List.copyOf(lib.slots())), StandardCharsets.UTF_8);
        String blob = new String(libraries.serializer().serialize("t", lib), StandardCharsets.UTF_8);
        // the shape the whole-library serde wrote: slots as a map by number
        StringBuilder map = new StringBuilder("{");
        var tree = (com.fasterxml.jackson.databind.node.ArrayNode) readTree(slotsJson);
        for (int i = 0; i < tree.size(); i++) {
            map.append(i == 0 ? "" : ",").append('"').append(tree.get(i).get("number").asInt()).append("\":").append(tree.get(i));
        }
        String old = blob.substring(0, blob.length() - 1) + ",\"slots\":" + map + "}}";
        assertEquals(4, libraries.deserializer().deserialize("t", old.getBytes(StandardCharsets.UTF_8)).slots().size());
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String json) {
        try {
            return LibrarySerde.MAPPER.readTree(json);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
