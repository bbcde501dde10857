package io.drivebus.schemas.device;

import java.util.List;

/**
 * The full state of one library from its agent: drives, slots, and a heartbeat. Keyed by library id on a
 * compacted topic, so the latest one is the library's truth. {@code sequence} increases with every status the
 * agent publishes so readers can drop a stale one; {@code heartbeatIntervalMs} tells readers when to
 * consider the agent gone.
 */
public record LibraryStatus(
        String library,
        String host,
        String driver,
        String vendor,
        boolean fastSearch,
        List<DriveStatus> drives,
        List<SlotStatus> slots,
        long sequence,
        long heartbeatIntervalMs) implements DeviceMessage {
}
