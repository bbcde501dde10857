package io.drivebus.reservation.streams;

import io.drivebus.reservation.core.Drive;
import io.drivebus.reservation.core.Library;
import io.drivebus.reservation.core.Reservation;
import io.drivebus.reservation.core.Slot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The libraries of one task, kept in four stores so that a request writes (to RocksDB and to the changelog) only
 * what it changed, not its library whole: with 128 drives that was ~30 KB a request (docs/known-issues.md).
 * <ul>
 * <li>{@code libraries}: the library's own record, naming its drives in order; written when its bytes differ from
 * those last written (a plain reserve or release leaves it as it was);
 * <li>{@code library-drives}, {@code library-reservations}: one entry each, keyed {@code library/id}, written when it
 * differs, field by field, from the copy last written (kept beside the cached library: finding what changed costs no
 * serialisation) and deleted when it leaves the library. A library's reservations are read by a scan of its keys
 * and put in grant order by their sequence, so the record need not name them;
 * <li>{@code library-slots}: the slots, written only when a status was applied.
 * </ul>
 * The stores commit in one transaction, so a restored task reads them consistent. Decoded libraries are cached: the
 * store stays the truth, and the cache is emptied whenever Streams (re)initialises the task, which restores the
 * stores (after a rebalance or an aborted transaction).
 */
final class LibraryStates {
    private static final StringSerializer KEYS = new StringSerializer();

    /** Library ids have no '/' (schemas' libraryId), so the first one ends the library's part of a key. */
    static String entryKey(String library, String id) {
        return library + "/" + id;
    }

    private final KeyValueStore<String, byte[]> libraries;
    private final KeyValueStore<String, List<Slot>> slots;
    private final KeyValueStore<String, Drive> drives;
    private final KeyValueStore<String, Reservation> reservations;
    private final Serializer<Library> encoder = StateSerde.LIBRARY.serializer();
    private final Deserializer<Library> decoder = StateSerde.LIBRARY.deserializer();
    private final Cache cache;

    /** A library as last read or written: its record's bytes, and copies of its entries as they are in the store. */
    private static final class Cached {
        final Library library;
        final Map<String, Drive> drives = new HashMap<>();
        final Map<String, Reservation> reservations = new HashMap<>();
        /** Null when none is stored yet. */
        byte[] record;

        Cached(Library library, byte[] record) {
            this.library = library;
            this.record = record;
        }
    }

    /** Least recently used libraries leave first; a miss costs one read per part. */
    private static final class Cache extends LinkedHashMap<String, Cached> {
        private final int max;

        Cache(int max) {
            super(256, 0.75f, true);
            this.max = max;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > max;
        }
    }

    LibraryStates(KeyValueStore<String, byte[]> libraries, KeyValueStore<String, List<Slot>> slots, KeyValueStore<String, Drive> drives,
            KeyValueStore<String, Reservation> reservations, int cacheSize) {
        this.libraries = libraries;
        this.slots = slots;
        this.drives = drives;
        this.reservations = reservations;
        this.cache = new Cache(cacheSize);
    }

    /** The stored library, or null if none is. */
    Library load(String id) {
        Cached c = cache.get(id);
        if (c != null) {
            return c.library;
        }
        byte[] record = libraries.get(id);
        if (record == null) {
            return null;
        }
        c = read(id, record);
        cache.put(id, c);
        return c.library;
    }

    /** A library from its record and the rest of its parts, with copies of what the store holds of it. */
    private Cached read(String id, byte[] record) {
        Library lib = decoder.deserialize(LibraryStates.class.getSimpleName(), record);
        List<Slot> stored = slots.get(id);
        if (stored != null) {
            lib.restoreSlots(stored);
        }
        // entries an older record held whole are not in their stores yet, so not copied as written
        Cached c = new Cached(lib, record);
        lib.restoreEntries(driveId -> {
            Drive d = drives.get(entryKey(id, driveId));
            if (d != null) {
                c.drives.put(driveId, d.copy());
            }
            return d;
        }, reservationId -> {
            Reservation r = reservations.get(entryKey(id, reservationId));
            if (r != null) {
                c.reservations.put(reservationId, r.copy());
            }
            return r;
        }, () -> {
            List<Reservation> found = new ArrayList<>();
            try (KeyValueIterator<String, Reservation> it = reservations.prefixScan(entryKey(id, ""), KEYS)) {
                it.forEachRemaining(kv -> {
                    found.add(kv.value);
                    c.reservations.put(kv.value.id(), kv.value.copy());
                });
            }
            return found;
        });
        return c;
    }

    /**
     * Writes what changed of a library read by {@link #load} (or new): its record, each drive and reservation that
     * differs from its stored copy, and the slots if {@code withSlots}.
     */
    void store(Library lib, boolean withSlots) {
        Cached c = cache.get(lib.id());
        if (c == null || c.library != lib) {
            c = new Cached(lib, null); // a library not read before: nothing of it is stored yet
            cache.put(lib.id(), c);
        }
        byte[] record = encoder.serialize(LibraryStates.class.getSimpleName(), lib);
        if (!Arrays.equals(record, c.record)) {
            libraries.put(lib.id(), record);
            c.record = record;
        }
        if (withSlots) {
            slots.put(lib.id(), List.copyOf(lib.slots()));
        }
        for (Drive d : lib.drives()) {
            Drive written = c.drives.get(d.id());
            if (written == null || !written.sameAs(d)) {
                drives.put(entryKey(lib.id(), d.id()), d);
                c.drives.put(d.id(), d.copy());
            }
        }
        for (Reservation r : lib.reservations()) {
            Reservation written = c.reservations.get(r.id());
            if (written == null || !written.sameAs(r)) {
                reservations.put(entryKey(lib.id(), r.id()), r);
                c.reservations.put(r.id(), r.copy());
            }
        }
        if (c.drives.size() > lib.drives().size()) {
            deleteGone(lib.id(), c.drives, id -> lib.drive(id).isEmpty(), drives);
        }
        if (c.reservations.size() > lib.reservations().size()) {
            deleteGone(lib.id(), c.reservations, id -> lib.reservation(id).isEmpty(), reservations);
        }
    }

    private static <V> void deleteGone(String library, Map<String, V> written, Predicate<String> gone,
            KeyValueStore<String, V> store) {
        for (Iterator<String> it = written.keySet().iterator(); it.hasNext();) {
            String id = it.next();
            if (gone.test(id)) {
                // put(null) is the store's delete without reading and decoding the old value for a return we drop
                store.put(entryKey(library, id), null);
                it.remove();
            }
        }
    }

    /** Every stored library, whole: the cached one where there is one (read, or written since, it is the same). */
    void forEach(Consumer<Library> action) {
        try (KeyValueIterator<String, byte[]> it = libraries.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                Cached c = cache.get(kv.key);
                action.accept(c != null ? c.library : read(kv.key, kv.value).library);
            }
        }
    }

    void clear() {
        cache.clear();
    }
}
