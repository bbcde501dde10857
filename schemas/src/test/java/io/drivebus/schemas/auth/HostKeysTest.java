package io.drivebus.schemas.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class HostKeysTest {

    @Test
    void aHostSecretIsTheOpensslHmacOfItsName() {
        // printf 'drivebus-agent:%s' h1 | openssl dgst -sha256 -hmac master -r   (the line docs/deployment.md gives)
        assertEquals("93b9e0e890c6d30c9ee4b1e1ebd1fa8597eec3cde5472309b78ce492c43c0d67", HostKeys.secret("master", "h1"));
        assertNotEquals(HostKeys.secret("master", "h1"), HostKeys.secret("master", "h2"));
        assertNotEquals(HostKeys.secret("master", "h1"), HostKeys.secret("other", "h1"));
    }

    @Test
    void derivedPrincipalsNameTheirHost() {
        assertEquals("host:tape-01", HostKeys.principal("tape-01"));
        assertEquals("tape-01", HostKeys.hostOf("host:tape-01"));
        assertNull(HostKeys.hostOf("host:"));
        assertNull(HostKeys.hostOf("agent-1"));
        assertNull(HostKeys.hostOf(null));
    }
}
