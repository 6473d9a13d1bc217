package dev.appliance.inference.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A bearer token an API requires: only its SHA-256 digest is kept, and a presented token is compared digest
 * to digest in constant time, so neither its length nor its content leaks. Never printed.
 */
final class BearerToken {

    private static final String SCHEME = "Bearer ";

    private final byte[] digest;

    BearerToken(String token) {
        this.digest = sha256(token);
    }

    /** Whether an {@code Authorization} header value carries this token. */
    boolean authorizes(String authorization) {
        String given = authorization.startsWith(SCHEME)
                ? authorization.substring(SCHEME.length()).strip()
                : "";
        return MessageDigest.isEqual(digest, sha256(given));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "BearerToken[redacted]";
    }
}
