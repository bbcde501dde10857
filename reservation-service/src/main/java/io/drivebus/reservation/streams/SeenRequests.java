package io.drivebus.reservation.streams;

import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The request ids a task has decided, remembered for at least {@link #REMEMBERED} so that a request sent again is not
 * decided twice. Kept in a changelogged window store, so the memory survives a restart and a move to another instance.
 *
 * <p>An id is stored at the start of its half-hour ({@link #SLICE}), not at its own time, so asking for it is a point
 * read at each slice start of the last hour (three RocksDB gets, which the Bloom filters mostly answer), not a range
 * scan of every segment, which must read every file: with an hour of ids in the store, 12.5 µs of CPU a check against
 * 60 ({@code bench/processor-cost.sh seen-requests}, docs/design-notes.md). The store keeps one slice longer than
 * {@link #REMEMBERED}: Kafka's window store hides an entry once it is {@link #STORE_RETENTION} older than the newest
 * one stored, and the oldest slice still asked for must not be hidden yet.
 */
final class SeenRequests {

    static final Duration REMEMBERED = Duration.ofHours(1);
    static final Duration SLICE = Duration.ofMinutes(30);
    static final Duration STORE_RETENTION = REMEMBERED.plus(SLICE);

    private static final long SLICE_MS = SLICE.toMillis();
    private static final long REMEMBERED_MS = REMEMBERED.toMillis();

    private final WindowStore<String, Long> store;

    SeenRequests(WindowStore<String, Long> store) {
        this.store = store;
    }

    /**
     * Whether {@code requestId} was decided within the last {@link #REMEMBERED} before {@code at}; if not, it is
     * remembered from now on. {@code at} is the record's time, so a replay finds what the first run found.
     */
    boolean seenBefore(String requestId, Instant at) {
        long t = at.toEpochMilli();
        long current = sliceStart(t);
        // REMEMBERED is a whole number of slices, so a request within it is stored at one of these starts
        for (long start = current; start >= current - REMEMBERED_MS; start -= SLICE_MS) {
            if (store.fetch(requestId, start) != null) {
                return true;
            }
        }
        store.put(requestId, t, current);
        return false;
    }

    static long sliceStart(long epochMilli) {
        return epochMilli - Math.floorMod(epochMilli, SLICE_MS);
    }
}
