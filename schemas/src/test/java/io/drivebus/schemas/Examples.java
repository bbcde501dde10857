package io.drivebus.schemas;

import io.drivebus.schemas.device.CommandOutcome;
import io.drivebus.schemas.device.DeviceAction;
import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.DriveState;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotState;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.schemas.reservation.AccessMode;
import io.drivebus.schemas.reservation.BreakRequest;
import io.drivebus.schemas.reservation.BreakScope;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.ExpiryKind;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.RenewRequest;
import io.drivebus.schemas.reservation.ReservationBroken;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationExpired;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.time.Instant;
import java.util.List;

/** One valid, fully populated example per message type. */
final class Examples {
    static final Owner OWNER = new Owner("job-42", "backup1.example");
    static final Owner OPERATOR = new Owner("alice", "ops.example");
    static final Instant AT = Instant.parse("2026-11-21T10:15:30.123Z");

    static Payload of(MessageType t) {
        return switch (t) {
            case RESERVE -> new ReserveRequest("lib1", OWNER, "nightly", 3, null, null, List.of(1, 2), true, AccessMode.append,
                    "LTO-8", "Full", List.of("lib2"), 10, 60_000L, 300_000L);
            case RELEASE -> new ReleaseRequest("lib1", "r-1", OWNER, true);
            case RENEW -> new RenewRequest("lib1", "r-1", OWNER, 300_000L);
            case CANCEL -> new CancelRequest("lib1", "req-1", OWNER);
            case BREAK -> new BreakRequest("lib1", "r-1", OPERATOR, BreakScope.any, "job hung");
            case RESERVE_SET -> new io.drivebus.schemas.reservation.ReserveSetRequest("lib1", OWNER, "copy-7", List.of(
                    new io.drivebus.schemas.reservation.DeviceWant(null, "VOL003", AccessMode.read, "LTO-8", null),
                    new io.drivebus.schemas.reservation.DeviceWant(null, null, AccessMode.append, "LTO-8", "Copy")), 10, 60_000L, 300_000L);
            case CHANGER -> new io.drivebus.schemas.reservation.ChangerRequest("lib1", OPERATOR,
                    io.drivebus.schemas.reservation.ChangerOp.move, "d0", "3=VOL003", 3, 4);
            case TICK -> new io.drivebus.schemas.reservation.Tick("lib1");
            case QUEUED -> new ReservationQueued("lib1", OWNER, 2);
            case GRANTED -> new ReservationGranted("lib1", "r-1", OWNER, "nightly", "d0", "host1", "/dev/nst0", 3, "VOL003", 7, AT, true);
            case READY -> new ReservationReady("lib1", "r-1", OWNER, "d0", "/dev/nst0", 3, "VOL003", "VOL003L8", 7, AT);
            case DENIED -> new ReservationDenied("lib1", null, OWNER,
                    DrivebusError.volumeInUse(3, "d0", OPERATOR, "r-0", "slot 3 is in use by alice@ops.example"));
            case RELEASED -> new ReservationReleased("lib1", "r-1", OWNER, "d0", 7);
            case EXPIRED -> new ReservationExpired("lib1", "r-1", OWNER, "d0", 7L, ExpiryKind.lease);
            case BROKEN -> new ReservationBroken("lib1", "r-1", OWNER, OPERATOR, BreakScope.site, "stuck", "d0", 7);
            case CANCELLED -> new ReservationCancelled("lib1", OWNER);
            case RENEWED -> new LeaseRenewed("lib1", "r-1", OWNER, AT);
            case SET_READY -> new io.drivebus.schemas.reservation.ReservationSetReady("lib1", "req-1", OWNER, List.of(
                    new io.drivebus.schemas.reservation.SetMember("req-1/0", "d0", "/dev/nst0", 3, "VOL003", 7, AccessMode.read)), AT);
            case CHANGER_RESULT -> new io.drivebus.schemas.reservation.ChangerResult("lib1", OPERATOR,
                    io.drivebus.schemas.reservation.ChangerOp.info, 1, 10, "drivebus vtape", true, List.of(3, 4), "d0");
            case DEVICE_COMMAND -> new DeviceCommand("lib1", "host1", "d0", DeviceAction.load, 7, 3, null, "VOL003", null, false, "r-1");
            case DEVICE_RESULT -> new DeviceCommandResult("lib1", "c-1", "host1", "d0", DeviceAction.load, 7, CommandOutcome.failed,
                    DrivebusError.failed(ErrorReason.device, "Storage Element 3 is Empty"), 3, "VOL003", "VOL003L8", "r-1");
            case LIBRARY_STATUS -> new LibraryStatus("lib1", "host1", "vtape", "drivebus vtape", true,
                    List.of(new DriveStatus("d0", "/dev/nst0", DriveState.loaded, "LTO-8", "VOL003", "VOL003L8", 3, null, 7, true, 2, "Full",
                            true)),
                    List.of(new SlotStatus(3, SlotState.EMPTY, null, null, false),
                            new SlotStatus(4, SlotState.FULL, "VOL004", "VOL004L8", true, "Full", false)),
                    12, 5000);
        };
    }

    static Envelope<Payload> envelope(MessageType t) {
        return new Envelope<>("00000000-0000-0000-0000-00000000000" + (t.ordinal() % 10), t.typeName(), 1, AT, "test", "req-1",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", of(t));
    }

    private Examples() {
    }
}
