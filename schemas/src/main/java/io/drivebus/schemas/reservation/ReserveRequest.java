package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;
import java.util.List;

/**
 * Reserve a drive with a volume in it. Exactly one way of naming the volume may be given: {@code slot},
 * {@code label}, {@code relative} (Amanda's current/next), or none (any drive; Bareos selection by
 * mode, media type and pool). {@code candidates} are further libraries to try in order.
 */
public record ReserveRequest(
        String library,
        Owner owner,
        String job,
        Integer slot,
        String label,
        Relative relative,
        List<Integer> exceptSlots,
        Boolean setCurrent,
        AccessMode mode,
        String mediaType,
        String pool,
        List<String> candidates,
        Integer priority,
        Long waitTimeoutMs,
        Long leaseMs) implements ReservationRequest {

    public static ReserveRequest bySlot(String library, Owner owner, int slot) {
        return new ReserveRequest(library, owner, null, slot, null, null, null, null, null, null, null, null, null, null, null);
    }

    public static ReserveRequest byLabel(String library, Owner owner, String label) {
        return new ReserveRequest(library, owner, null, null, label, null, null, null, null, null, null, null, null, null, null);
    }

    public ReserveRequest withLeaseMs(Long ms) {
        return new ReserveRequest(library, owner, job, slot, label, relative, exceptSlots, setCurrent, mode, mediaType, pool,
                candidates, priority, waitTimeoutMs, ms);
    }

    public ReserveRequest withJob(String j) {
        return new ReserveRequest(library, owner, j, slot, label, relative, exceptSlots, setCurrent, mode, mediaType, pool,
                candidates, priority, waitTimeoutMs, leaseMs);
    }
}
