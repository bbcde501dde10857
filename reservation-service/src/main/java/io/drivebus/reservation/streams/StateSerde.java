package io.drivebus.reservation.streams;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.drivebus.reservation.core.Drive;
import io.drivebus.reservation.core.Library;
import io.drivebus.reservation.core.Reservation;
import io.drivebus.reservation.core.Slot;
import io.drivebus.schemas.MessageCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A part of a library's state in the local stores and their changelogs: JSON of the core's plain fields. A library
 * is kept in parts so that a request rewrites only what it changed ({@link LibraryStates}): its own record names
 * its drives, in order, and leaves out its reservations and slots; each drive and reservation is an entry of its
 * own, and the slots one more. A library stored by an older version (whole, or naming its reservations) still reads.
 */
final class StateSerde<T> implements Serde<T> {

    static final ObjectMapper MAPPER = MessageCodec.newObjectMapper()
            .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .addMixIn(Library.class, LibraryRecord.class);

    static final StateSerde<Library> LIBRARY = new StateSerde<>(MAPPER.constructType(Library.class));
    static final StateSerde<List<Slot>> SLOTS = new StateSerde<>(MAPPER.getTypeFactory().constructType(new TypeReference<List<Slot>>() {
    }));
    static final StateSerde<Drive> DRIVE = new StateSerde<>(MAPPER.constructType(Drive.class));
    static final StateSerde<Reservation> RESERVATION = new StateSerde<>(MAPPER.constructType(Reservation.class));

    /** How the library's own record differs from its fields. */
    private abstract static class LibraryRecord {
        /** Read (from a whole record), never written. */
        @JsonProperty(access = JsonProperty.Access.WRITE_ONLY)
        Object slots;
        @JsonSerialize(using = IdsOnly.class)
        @JsonDeserialize(using = Drives.class)
        Object drives;
        /** Read (from an older record: whole, or naming them), never written: their keys and sequences say it all. */
        @JsonProperty(access = JsonProperty.Access.WRITE_ONLY)
        @JsonDeserialize(using = Reservations.class)
        Object reservations;
    }

    /** A map written as its keys, in order: the entries live in their own store. */
    static final class IdsOnly extends JsonSerializer<Map<String, ?>> {
        @Override
        public void serialize(Map<String, ?> value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeStartArray();
            for (String id : value.keySet()) {
                gen.writeString(id);
            }
            gen.writeEndArray();
        }
    }

    /**
     * The ids in order, each mapped to null until {@link Library#restoreEntries} fills it from its store; or, from
     * an older whole record, the map of entries itself.
     */
    private abstract static class IdsOrEntries<V> extends JsonDeserializer<Map<String, V>> {
        private final Class<V> type;

        IdsOrEntries(Class<V> type) {
            this.type = type;
        }

        @Override
        public Map<String, V> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.START_OBJECT) {
                JavaType whole = ctxt.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, type);
                return ctxt.readValue(p, whole);
            }
            Map<String, V> ids = new LinkedHashMap<>();
            for (String id : ctxt.readValue(p, String[].class)) {
                ids.put(id, null);
            }
            return ids;
        }
    }

    static final class Drives extends IdsOrEntries<Drive> {
        Drives() {
            super(Drive.class);
        }
    }

    static final class Reservations extends IdsOrEntries<Reservation> {
        Reservations() {
            super(Reservation.class);
        }
    }

    private final ObjectWriter writer;
    private final ObjectReader reader;

    private StateSerde(JavaType type) {
        this.writer = MAPPER.writerFor(type);
        this.reader = MAPPER.readerFor(type);
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            try {
                return value == null ? null : writer.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            try {
                return bytes == null ? null : reader.readValue(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
