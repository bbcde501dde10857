package io.drivebus.inventory.security;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

/**
 * Verifies operators' bearer tokens: RS256/ES256 JWTs signed by the identity provider whose public key is
 * configured with MicroProfile JWT's property names ({@code mp.jwt.verify.publickey} as PEM or base64 DER,
 * or {@code mp.jwt.verify.publickey.location} as a file or {@code classpath:} resource; {@code mp.jwt.verify.issuer}).
 * Roles are the {@code groups} claim; the operator is {@code upn}, else {@code preferred_username}, else {@code sub};
 * the {@code site} claim names the operator's site. Without a key every token is refused.
 */
@ApplicationScoped
public class BearerTokens {

    private static final Logger LOG = Logger.getLogger(BearerTokens.class);

    @ConfigProperty(name = "mp.jwt.verify.publickey")
    Optional<String> publicKey;

    @ConfigProperty(name = "mp.jwt.verify.publickey.location")
    Optional<String> publicKeyLocation;

    @ConfigProperty(name = "mp.jwt.verify.issuer")
    Optional<String> issuer;

    private volatile JwtConsumer consumer;

    /** Who a valid token names, with the roles it grants. */
    public record Verified(String name, String site, List<String> roles) {
    }

    /** The token is not one we accept (bad signature, expired, wrong issuer, no key configured); the reason says why. */
    public static final class RejectedTokenException extends Exception {
        RejectedTokenException(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    void start(@Observes StartupEvent ev) {
        try {
            consumer();
        } catch (RuntimeException e) {
            LOG.warnf("operator tokens cannot be verified, operator actions will answer 401: %s", e.getMessage());
        }
    }

    public Verified verify(String token) throws RejectedTokenException {
        JwtConsumer c;
        try {
            c = consumer();
        } catch (RuntimeException e) {
            throw new RejectedTokenException("no token verification key is configured", e);
        }
        try {
            JwtClaims claims = c.processToClaims(token);
            String name = firstString(claims, "upn", "preferred_username", "sub");
            if (name == null || name.isBlank()) {
                throw new RejectedTokenException("the token names nobody (no upn, preferred_username or sub)", null);
            }
            List<String> groups = claims.hasClaim("groups") ? claims.getStringListClaimValue("groups") : List.of();
            return new Verified(name, claims.getClaimValueAsString("site"), groups);
        } catch (InvalidJwtException | MalformedClaimException e) {
            throw new RejectedTokenException(e.getMessage(), e);
        }
    }

    private static String firstString(JwtClaims claims, String... names) throws MalformedClaimException {
        for (String n : names) {
            if (claims.hasClaim(n)) {
                return claims.getStringClaimValue(n);
            }
        }
        return null;
    }

    private JwtConsumer consumer() {
        JwtConsumer c = consumer;
        if (c == null) {
            synchronized (this) {
                if (consumer == null) {
                    JwtConsumerBuilder b = new JwtConsumerBuilder()
                            .setVerificationKey(loadKey())
                            .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT,
                                    AlgorithmIdentifiers.RSA_USING_SHA256, AlgorithmIdentifiers.RSA_USING_SHA384,
                                    AlgorithmIdentifiers.RSA_USING_SHA512, AlgorithmIdentifiers.ECDSA_USING_P256_CURVE_AND_SHA256)
                            .setRequireExpirationTime()
                            .setAllowedClockSkewInSeconds(30)
                            .setSkipDefaultAudienceValidation();
                    issuer.filter(i -> !i.isBlank()).ifPresent(b::setExpectedIssuer);
                    consumer = b.build();
                }
                c = consumer;
            }
        }
        return c;
    }

    private PublicKey loadKey() {
        String text = publicKey.filter(k -> !k.isBlank()).orElseGet(() -> publicKeyLocation.map(BearerTokens::read)
                .orElseThrow(() -> new IllegalStateException("set mp.jwt.verify.publickey or mp.jwt.verify.publickey.location")));
        String base64 = text.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(base64);
        for (String algorithm : List.of("RSA", "EC")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (java.security.GeneralSecurityException e) {
                // try the next kind of key
            }
        }
        throw new IllegalStateException("the configured public key is neither an RSA nor an EC key (X.509 SubjectPublicKeyInfo)");
    }

    private static String read(String location) {
        try {
            if (location.startsWith("classpath:")) {
                try (InputStream in = Thread.currentThread().getContextClassLoader()
                        .getResourceAsStream(location.substring("classpath:".length()).replaceFirst("^/", ""))) {
                    if (in == null) {
                        throw new IllegalStateException("no resource " + location);
                    }
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
            return Files.readString(Path.of(location.startsWith("file:") ? location.substring(5) : location));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the token verification key " + location + ": " + e.getMessage(), e);
        }
    }
}
