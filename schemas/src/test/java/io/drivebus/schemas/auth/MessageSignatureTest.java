package io.drivebus.schemas.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class MessageSignatureTest {
    static final Map<String, byte[]> SECRETS = Map.of("backup1", "s3cret-1".getBytes(StandardCharsets.UTF_8),
            "backup2", "s3cret-2".getBytes(StandardCharsets.UTF_8));
    static final byte[] VALUE = "{\"type\":\"release\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void aSignedRecordNamesItsProducer() {
        RecordHeaders h = new RecordHeaders();
        MessageSignature.sign(h, VALUE, "backup1", SECRETS.get("backup1"));
        assertEquals("backup1", MessageSignature.verify(h, VALUE, SECRETS::get));
    }

    @Test
    void tamperingForgingAndMissingSignaturesAreRefusedWithTheReason() {
        RecordHeaders h = new RecordHeaders();
        MessageSignature.sign(h, VALUE, "backup1", SECRETS.get("backup1"));
        byte[] changed = "{\"type\":\"break\"}".getBytes(StandardCharsets.UTF_8);
        assertTrue(assertThrows(MessageSignature.SignatureException.class, () -> MessageSignature.verify(h, changed, SECRETS::get))
                .getMessage().contains("does not match"));

        // backup2 claims to be backup1 but signs with its own secret
        RecordHeaders forged = new RecordHeaders();
        MessageSignature.sign(forged, VALUE, "backup1", SECRETS.get("backup2"));
        assertThrows(MessageSignature.SignatureException.class, () -> MessageSignature.verify(forged, VALUE, SECRETS::get));

        RecordHeaders stranger = new RecordHeaders();
        MessageSignature.sign(stranger, VALUE, "mallory", "x".getBytes(StandardCharsets.UTF_8));
        assertTrue(assertThrows(MessageSignature.SignatureException.class, () -> MessageSignature.verify(stranger, VALUE, SECRETS::get))
                .getMessage().contains("unknown principal"));
        assertTrue(assertThrows(MessageSignature.SignatureException.class,
                () -> MessageSignature.verify(new RecordHeaders(), VALUE, SECRETS::get)).getMessage().contains("unsigned"));
    }
}
