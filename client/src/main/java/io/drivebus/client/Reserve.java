package io.drivebus.client;

import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.AccessMode;
import io.drivebus.schemas.reservation.Relative;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.time.Duration;
import java.util.List;

/**
 * Builds every form of {@link ReserveRequest}: by slot, by label, Amanda's relative {@code current}/{@code next}
 * (with {@code exceptSlots}, {@code setCurrent}), or Bareos' read/append by media type and pool; with candidate
 * libraries, queue priority and a wait timeout.
 *
 * <pre>{@code
 * client.hold(Reserve.next("lib1").except(3, 4).setCurrent(true).waitUpTo(Duration.ofMinutes(10)).request(), timeout)
 * }</pre>
 */
public final class Reserve {

    private final ReserveRequest r;

    private Reserve(ReserveRequest r) {
        this.r = r;
    }

    public static Reserve slot(String library, int slot) {
        return new Reserve(ReserveRequest.bySlot(library, null, slot));
    }

    public static Reserve label(String library, String label) {
        return new Reserve(ReserveRequest.byLabel(library, null, label));
    }

    /** Amanda's {@code current}: the library's current slot. */
    public static Reserve current(String library) {
        return relative(library, Relative.current);
    }

    /** Amanda's {@code next}: the slot after the current one (wrapping), skipping {@link #except} slots. */
    public static Reserve next(String library) {
        return relative(library, Relative.next);
    }

    public static Reserve relative(String library, Relative relative) {
        return new Reserve(new ReserveRequest(library, null, null, null, null, relative, null, null, null, null, null, null, null,
                null, null));
    }

    /** Bareos-style: any drive of the library, chosen by {@link #mode}, {@link #mediaType} and {@link #pool}. */
    public static Reserve any(String library) {
        return new Reserve(new ReserveRequest(library, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null));
    }

    public static Reserve of(ReserveRequest request) {
        return new Reserve(request);
    }

    public Reserve owner(Owner owner) {
        return new Reserve(new ReserveRequest(r.library(), owner, r.job(), r.slot(), r.label(), r.relative(), r.exceptSlots(),
                r.setCurrent(), r.mode(), r.mediaType(), r.pool(), r.candidates(), r.priority(), r.waitTimeoutMs(), r.leaseMs()));
    }

    public Reserve job(String job) {
        return new Reserve(r.withJob(job));
    }

    public Reserve except(Integer... slots) {
        return except(List.of(slots));
    }

    public Reserve except(List<Integer> slots) {
        return new Reserve(new ReserveRequest(r.library(), r.owner(), r.job(), r.slot(), r.label(), r.relative(),
                slots == null || slots.isEmpty() ? null : List.copyOf(slots), r.setCurrent(), r.mode(), r.mediaType(), r.pool(),
                r.candidates(), r.priority(), r.waitTimeoutMs(), r.leaseMs()));
    }

    /** Whether the library's current slot becomes the one loaded (Amanda's {@code set_current}). */
    public Reserve setCurrent(Boolean setCurrent) {
        return new Reserve(new ReserveRequest(r.library(), r.owner(), r.job(), r.slot(), r.label(), r.relative(), r.exceptSlots(),
                setCurrent, r.mode(), r.mediaType(), r.pool(), r.candidates(), r.priority(), r.waitTimeoutMs(), r.leaseMs()));
    }

    public Reserve mode(AccessMode mode) {
        return new Reserve(new ReserveRequest(r.library(), r.owner(), r.job(), r.slot(), r.label(), r.relative(), r.exceptSlots(),
                r.setCurrent(), mode, r.mediaType(), r.pool(), r.candidates(), r.priority(), r.waitTimeoutMs(), r.leaseMs()));
    }

    public Reserve mediaType(String mediaType) {
        return new Reserve(new ReserveRequest(r.library(), r.owner(), r.job(), r.slot(), r.label(), r.relative(), r.exceptSlots(),
                r.setCurrent(), r.mode(), mediaType, r.pool(), r.candidates(), r.priority(), r.waitTimeoutMs(), r.leaseMs()));
    }

    public Reserve pool(String pool) {
        return new Reserve(new ReserveRequest(r.library(), r.owner(), r.job(), r.slot(), r.label(), r.relative(), r.exceptSlots(),
                r.setCurrent(), r.mode(), r.mediaType(), pool, r.candidates(), r.priority(), r.waitTimeoutMs(), r.leaseMs()));
    }

    /** Further libraries to try, in order, when this one cannot serve the request. */
    public Reserve candidates(String... libraries) {
        return candidates(List.of(libraries));
    }

    public Reserve candidates(List<String> libraries) {
        return new Reserve(new ReserveRequest(r.library(), r.owner(), r.job(), r.slot(), r.label(), r.relative(), r.exceptSlots(),
                r.setCurrent(), r.mode(), r.mediaType(), r.pool(), libraries == null || libraries.isEmpty() ? null : List.copyOf(libraries),
                r.priority(), r.waitTimeoutMs(), r.leaseMs()));
    }

    /** Queue priority: lower is served first (default 10). */
    public Reserve priority(Integer priority) {
        return new Reserve(new ReserveRequest(r.library(), r.owner(), r.job(), r.slot(), r.label(), r.relative(), r.exceptSlots(),
                r.setCurrent(), r.mode(), r.mediaType(), r.pool(), r.candidates(), priority, r.waitTimeoutMs(), r.leaseMs()));
    }

    /** Wait in the library's queue up to {@code wait} while the volume or every drive is busy (else: answered at once). */
    public Reserve waitUpTo(Duration wait) {
        return new Reserve(new ReserveRequest(r.library(), r.owner(), r.job(), r.slot(), r.label(), r.relative(), r.exceptSlots(),
                r.setCurrent(), r.mode(), r.mediaType(), r.pool(), r.candidates(), r.priority(), wait == null ? null : wait.toMillis(),
                r.leaseMs()));
    }

    public Reserve lease(Duration lease) {
        return new Reserve(r.withLeaseMs(lease == null ? null : lease.toMillis()));
    }

    public ReserveRequest request() {
        return r;
    }
}
