package io.drivebus.schemas;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for drivebus messages. The serializer refuses to send an invalid message; the deserializer
 * throws {@link InvalidMessageException} for anything that does not validate. Consumers that must route bad
 * records to a dead-letter topic read bytes and call {@link MessageCodec#decode(byte[])} themselves.
 */
public final class MessageSerde implements Serde<Envelope<? extends Payload>> {

    public static final class MessageSerializer implements Serializer<Envelope<? extends Payload>> {
        @Override
        public byte[] serialize(String topic, Envelope<? extends Payload> data) {
            return data == null ? null : MessageCodec.get().encode(data);
        }
    }

    public static final class MessageDeserializer implements Deserializer<Envelope<? extends Payload>> {
        @Override
        public Envelope<? extends Payload> deserialize(String topic, byte[] data) {
            return data == null ? null : MessageCodec.get().decode(data);
        }
    }

    @Override
    public Serializer<Envelope<? extends Payload>> serializer() {
        return new MessageSerializer();
    }

    @Override
    public Deserializer<Envelope<? extends Payload>> deserializer() {
        return new MessageDeserializer();
    }
}
