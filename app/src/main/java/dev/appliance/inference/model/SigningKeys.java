package dev.appliance.inference.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Reads the Ed25519 public key that must have signed every served manifest. */
public final class SigningKeys {

    private static final String TYPE = "PUBLIC KEY";

    private SigningKeys() {
    }

    /** Reads a PEM file ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo) holding an Ed25519 key. */
    public static PublicKey readPublicKey(Path pem) throws IOException {
        String text = Files.readString(pem);
        String begin = "-----BEGIN " + TYPE + "-----";
        String end = "-----END " + TYPE + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IOException(pem + " is not a PEM '" + TYPE + "' file");
        }
        String body = text.substring(from + begin.length(), to).replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("Ed25519")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IOException(pem + " does not hold an Ed25519 public key: " + e.getMessage(), e);
        }
    }
}
