package io.drivebus.reservation.streams;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Command, event and reservation ids derived from the input record being decided (its partition, offset and
 * broker timestamp) and a counter within it, never drawn at random: a replay of the record after an aborted
 * transaction makes the same ids, so an answer a client read before the abort names what the committed one names.
 */
final class RecordIds implements Supplier<String> {
    private String seed;
    private int next;

    void begin(String topic, int partition, long offset, long timestamp) {
        seed = topic + "/" + partition + "/" + offset + "/" + timestamp + "/";
        next = 0;
    }

    @Override
    public String get() {
        if (seed == null) {
            throw new IllegalStateException("an id asked for outside a record's decision");
        }
        return UUID.nameUUIDFromBytes((seed + next++).getBytes(StandardCharsets.UTF_8)).toString();
    }
}
