package io.drivebus.reservation.streams;

import com.fasterxml.jackson.core.type.TypeReference;
import io.drivebus.reservation.core.Slot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A library's slots, as the agent last reported them: written only when a status is applied. */
public final class SlotsSerde implements Serde<List<Slot>> {
    private static final TypeReference<List<Slot>> TYPE = new TypeReference<>() {
    };

    @Override
    public Serializer<List<Slot>> serializer() {
        return (topic, slots) -> {
            try {
                return slots == null ? null : LibrarySerde.MAPPER.writeValueAsBytes(slots);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    @Override
    public Deserializer<List<Slot>> deserializer() {
        return (topic, bytes) -> {
            try {
                return bytes == null ? null : LibrarySerde.MAPPER.readValue(bytes, TYPE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
