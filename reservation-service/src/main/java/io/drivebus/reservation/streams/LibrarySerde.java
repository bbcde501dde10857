package io.drivebus.reservation.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.reservation.core.Library;
import io.drivebus.schemas.MessageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A library's state in the local store and its changelog: JSON of the core's plain fields, without its slots —
 * those only change with the agent's status and live in their own store ({@link SlotsSerde}), so that a request
 * does not rewrite a library of thousands of slots. (A library stored whole by an older version still reads.)
 */
public final class LibrarySerde implements Serde<Library> {

    static final ObjectMapper MAPPER = MessageCodec.newObjectMapper()
            .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .addMixIn(Library.class, WithoutSlots.class);

    /** Read, never written. */
    private abstract static class WithoutSlots {
        @com.fasterxml.jackson.annotation.JsonProperty(access = com.fasterxml.jackson.annotation.JsonProperty.Access.WRITE_ONLY)
        Object slots;
    }

    @Override
    public Serializer<Library> serializer() {
        return (topic, lib) -> {
            try {
                return lib == null ? null : MAPPER.writeValueAsBytes(lib);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    @Override
    public Deserializer<Library> deserializer() {
        return (topic, bytes) -> {
            try {
                return bytes == null ? null : MAPPER.readValue(bytes, Library.class);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
