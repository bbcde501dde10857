package io.drivebus.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class TopicsTest {

    private final MessageCodec codec = MessageCodec.get();

    @Test
    void eachHostHasItsOwnCommandTopicAndAllShareOneDeadLetterTopic() {
        assertEquals("drivebus.device.commands.tape-01.example", Topics.deviceCommands("tape-01.example"));
        assertEquals("tape-01.example", Topics.hostOfCommands("drivebus.device.commands.tape-01.example"));
        assertEquals("drivebus.device.commands.dlq", Topics.dlq(Topics.deviceCommands("h1")));
        assertEquals("drivebus.device.commands.dlq", Topics.dlq(Topics.DEVICE_COMMANDS));
        assertEquals("drivebus.device.status.dlq", Topics.dlq(Topics.DEVICE_STATUS));
        assertNull(Topics.hostOfCommands(Topics.dlq(Topics.DEVICE_COMMANDS)), "the dead-letter topic is no host's");
        assertNull(Topics.hostOfCommands(Topics.DEVICE_STATUS));
        for (String bad : new String[] {"dlq", "", "-x", "a/b", "a b", "x".repeat(65)}) {
            assertThrows(IllegalArgumentException.class, () -> Topics.deviceCommands(bad), bad);
        }
    }

    @Test
    void theJavaHostIdPatternIsTheSchemasOne() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/schemas/common.schema.json")) {
            JsonNode common = codec.mapper().readTree(in);
            assertEquals(common.at("/$defs/hostId/pattern").asText(), Topics.HOST_ID.pattern());
        }
    }

    @Test
    void aStatusFromHostDlqIsRefused() throws Exception {
        ObjectNode tree = (ObjectNode) codec.mapper().readTree(codec.encode(Examples.envelope(MessageType.LIBRARY_STATUS)));
        ((ObjectNode) tree.get("payload")).put("host", "dlq");
        InvalidMessageException ex = assertThrows(InvalidMessageException.class, () -> codec.decode(codec.mapper().writeValueAsBytes(tree)));
        assertTrue(ex.getMessage().contains("host"), ex.getMessage());
        ((ObjectNode) tree.get("payload")).put("host", "dlq2");
        codec.decode(codec.mapper().writeValueAsBytes(tree));
    }
}
