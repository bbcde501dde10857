package io.drivebus.inventory;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

/**
 * The operators' identity provider in the tests: an RSA key pair made for this test JVM. The service is given the
 * public key ({@code mp.jwt.verify.publickey}); tests sign real RS256 tokens with the private one.
 */
public class Tokens implements QuarkusTestResourceLifecycleManager {

    static final String ISSUER = "drivebus";
    private static final KeyPair KEYS = newKeyPair();
    /** Another identity provider's key: its tokens must be refused. */
    static final KeyPair FOREIGN = newKeyPair();

    @Override
    public Map<String, String> start() {
        return Map.of("mp.jwt.verify.publickey", Base64.getEncoder().encodeToString(KEYS.getPublic().getEncoded()),
                "mp.jwt.verify.issuer", ISSUER);
    }

    @Override
    public void stop() {
    }

    /** A token for {@code upn} with these roles; {@code site} may be null (the operator is then at site "ops"). */
    static String token(String upn, String site, String... roles) {
        return sign(KEYS.getPrivate(), upn, site, roles);
    }

    static String sign(PrivateKey key, String upn, String site, String... roles) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setSubject(upn);
        claims.setClaim("upn", upn);
        claims.setStringListClaim("groups", List.of(roles));
        if (site != null) {
            claims.setClaim("site", site);
        }
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(10);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
