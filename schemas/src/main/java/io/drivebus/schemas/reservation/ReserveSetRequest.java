package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Owner;
import java.util.List;

/**
 * A copy or migrate job's devices, all or none (read one volume, write another pool): granted together, so two
 * such jobs can never each hold half of what the other needs. Answered by one {@code set-ready} or {@code denied};
 * each member is its own reservation ({@code <request id>/<index>}); releasing the request id releases them all.
 */
public record ReserveSetRequest(String library, Owner owner, String job, List<DeviceWant> devices, Integer priority, Long waitTimeoutMs,
        Long leaseMs) implements ReservationRequest {
}
