package io.drivebus.schemas.reservation;

import io.drivebus.schemas.Payload;

/**
 * Time passing for a library, as a record on its requests partition: the reservation-service publishes one when a
 * lease or a wait of the library falls due, and expires what is due at the record's (broker-assigned) timestamp. A
 * timer in the log rather than in the service's clock, so a replay of the partition expires exactly what the first
 * run expired, between the same requests.
 */
public record Tick(String library) implements Payload {
}
