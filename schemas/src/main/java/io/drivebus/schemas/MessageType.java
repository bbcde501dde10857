package io.drivebus.schemas;

import io.drivebus.schemas.device.DeviceCommand;
import io.drivebus.schemas.device.DeviceCommandResult;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.reservation.BreakRequest;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.ReservationSetReady;
import io.drivebus.schemas.reservation.ReserveSetRequest;
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
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every message type: its {@code type} name, the topic it travels on, its payload record and its schema
 * file ({@code schemas/<type>.schema.json}).
 */
public enum MessageType {
    RESERVE("reserve", Topics.RESERVATION_REQUESTS, ReserveRequest.class),
    RELEASE("release", Topics.RESERVATION_REQUESTS, ReleaseRequest.class),
    RENEW("renew", Topics.RESERVATION_REQUESTS, RenewRequest.class),
    CANCEL("cancel", Topics.RESERVATION_REQUESTS, CancelRequest.class),
    BREAK("break", Topics.RESERVATION_REQUESTS, BreakRequest.class),
    CHANGER("changer", Topics.RESERVATION_REQUESTS, ChangerRequest.class),
    RESERVE_SET("reserve-set", Topics.RESERVATION_REQUESTS, ReserveSetRequest.class),
    /** The reservation-service's own timer record (not a client's request). */
    TICK("tick", Topics.RESERVATION_REQUESTS, io.drivebus.schemas.reservation.Tick.class),

    QUEUED("queued", Topics.RESERVATION_EVENTS, ReservationQueued.class),
    GRANTED("granted", Topics.RESERVATION_EVENTS, ReservationGranted.class),
    READY("ready", Topics.RESERVATION_EVENTS, ReservationReady.class),
    DENIED("denied", Topics.RESERVATION_EVENTS, ReservationDenied.class),
    RELEASED("released", Topics.RESERVATION_EVENTS, ReservationReleased.class),
    EXPIRED("expired", Topics.RESERVATION_EVENTS, ReservationExpired.class),
    BROKEN("broken", Topics.RESERVATION_EVENTS, ReservationBroken.class),
    CANCELLED("cancelled", Topics.RESERVATION_EVENTS, ReservationCancelled.class),
    RENEWED("renewed", Topics.RESERVATION_EVENTS, LeaseRenewed.class),
    CHANGER_RESULT("changer-result", Topics.RESERVATION_EVENTS, ChangerResult.class),
    SET_READY("set-ready", Topics.RESERVATION_EVENTS, ReservationSetReady.class),

    DEVICE_COMMAND("device-command", Topics.DEVICE_COMMANDS, DeviceCommand.class),
    DEVICE_RESULT("device-result", Topics.DEVICE_EVENTS, DeviceCommandResult.class),
    LIBRARY_STATUS("library-status", Topics.DEVICE_STATUS, LibraryStatus.class);

    /** Bumped when a type's schema changes incompatibly; readers check it. */
    public static final int CURRENT_SCHEMA_VERSION = 1;

    private static final Map<String, MessageType> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toMap(MessageType::typeName, Function.identity()));
    private static final Map<Class<?>, MessageType> BY_CLASS = Arrays.stream(values())
            .collect(Collectors.toMap(MessageType::payloadClass, Function.identity()));

    private final String typeName;
    private final String topic;
    private final Class<? extends Payload> payloadClass;

    MessageType(String typeName, String topic, Class<? extends Payload> payloadClass) {
        this.typeName = typeName;
        this.topic = topic;
        this.payloadClass = payloadClass;
    }

    public String typeName() {
        return typeName;
    }

    public String topic() {
        return topic;
    }

    public Class<? extends Payload> payloadClass() {
        return payloadClass;
    }

    public int schemaVersion() {
        return CURRENT_SCHEMA_VERSION;
    }

    public String schemaFile() {
        return "schemas/" + typeName + ".schema.json";
    }

    public static MessageType byName(String name) {
        return BY_NAME.get(name);
    }

    public static MessageType of(Class<?> payloadClass) {
        MessageType t = BY_CLASS.get(payloadClass);
        if (t == null) {
            throw new IllegalArgumentException("not a message payload: " + payloadClass);
        }
        return t;
    }
}
