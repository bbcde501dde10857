package io.drivebus.reservation.streams;

import io.drivebus.reservation.core.Drive;
import io.drivebus.reservation.core.Library;
import io.drivebus.reservation.core.Reservation;
import io.drivebus.reservation.core.Slot;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The libraries of one task, kept in four stores so that a request writes (to RocksDB and to the changelog) only
 * what it changed, not its library whole: with 128 drives that was ~30 KB a request (docs/known-issues.md).
 * <ul>
 * <li>{@code libraries}: the library's own record, naming its drives and reservations in order;
 * <li>{@code library-drives}, {@code library-reservations}: one entry each, keyed {@code library/id}, written when it
 * differs, field by field, from the copy last written (kept beside the cached library: finding what changed costs no
 * serialisation) and deleted when it leaves the library;
 * <li>{@code library-slots}: the slots, written only when a status was applied.
 * </ul>
 * The stores commit in one transaction, so a restored task reads them consistent. Decoded libraries are cached: the
 * store stays the truth, and the cache is emptied whenever Streams (re)initialises the task, which restores the
 * stores (after a rebalance or an aborted transaction).
 */
final class LibraryStates {
    /** Library ids have no '/' (schemas' libraryId), so the first one ends the library's part of a key. */
    static String entryKey(String library, String id) {
        return library + "/" + id;
    }

    private final KeyValueStore<String, Library> libraries;
    private final KeyValueStore<String, List<Slot>> slots;
    private final KeyValueStore<String, Drive> drives;
    private final KeyValueStore<String, Reservation> reservations;
    private final Cache cache;

    /** A library as last read or written, and copies of its entries as they are in the store. */
    private record Cached(Library library, Map<String, Drive> drives, Map<String, Reservation> reservations) {
        Cached(Library library) {
            this(library, new HashMap<>(), new HashMap<>());
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

    LibraryStates(KeyValueStore<String, Library> libraries, KeyValueStore<String, List<Slot>> slots, KeyValueStore<String, Drive> drives,
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
            return c.library();
        }
        Library lib = libraries.get(id);
        if (lib == null) {
            return null;
        }
        c = read(lib);
        cache.put(id, c);
        return lib;
    }

    /** The rest of a library whose own record was read, and copies of what the store holds of it. */
    private Cached read(Library lib) {
        List<Slot> stored = slots.get(lib.id());
        if (stored != null) {
            lib.restoreSlots(stored);
        }
        // entries already there came with an older whole record: not in their stores yet, so not copied as written
        Cached c = new Cached(lib);
        lib.restoreEntries(id -> {
            Drive d = drives.get(entryKey(lib.id(), id));
            if (d != null) {
                c.drives().put(id, d.copy());
            }
            return d;
        }, id -> {
            Reservation r = reservations.get(entryKey(lib.id(), id));
            if (r != null) {
                c.reservations().put(id, r.copy());
            }
            return r;
        });
        return c;
    }

    /**
     * Writes what changed of a library read by {@link #load} (or new): its record always, each drive and
     * reservation that differs from its stored copy, and the slots if {@code withSlots}.
     */
    void store(Library lib, boolean withSlots) {
        Cached c = cache.get(lib.id());
        if (c == null || c.library() != lib) {
            c = new Cached(lib); // a library not read before: nothing of it is stored yet
            cache.put(lib.id(), c);
        }
        libraries.put(lib.id(), lib);
        if (withSlots) {
            slots.put(lib.id(), List.copyOf(lib.slots()));
        }
        for (Drive d : lib.drives()) {
            Drive written = c.drives().get(d.id());
            if (written == null || !written.sameAs(d)) {
                drives.put(entryKey(lib.id(), d.id()), d);
                c.drives().put(d.id(), d.copy());
            }
        }
        for (Reservation r : lib.reservations()) {
            Reservation written = c.reservations().get(r.id());
            if (written == null || !written.sameAs(r)) {
                reservations.put(entryKey(lib.id(), r.id()), r);
                c.reservations().put(r.id(), r.copy());
            }
        }
        if (c.drives().size() > lib.drives().size()) {
            deleteGone(lib.id(), c.drives(), id -> lib.drive(id).isEmpty(), drives);
        }
        if (c.reservations().size() > lib.reservations().size()) {
            deleteGone(lib.id(), c.reservations(), id -> lib.reservation(id).isEmpty(), reservations);
        }
    }

    private static <V> void deleteGone(String library, Map<String, V> written, Predicate<String> gone,
            KeyValueStore<String, V> store) {
        for (Iterator<String> it = written.keySet().iterator(); it.hasNext();) {
            String id = it.next();
            if (gone.test(id)) {
                store.delete(entryKey(library, id));
                it.remove();
            }
        }
    }

    /** Every stored library, whole: the cached one where there is one (read, or written since, it is the same). */
    void forEach(Consumer<Library> action) {
        try (KeyValueIterator<String, Library> it = libraries.all()) {
            while (it.hasNext()) {
                KeyValue<String, Library> kv = it.next();
                Cached c = cache.get(kv.key);
                action.accept(c != null ? c.library() : read(kv.value).library());
            }
        }
    }

    void clear() {
        cache.clear();
    }
}
