package dev.appliance.inference.manifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Set;

/**
 * The Ed25519 key files of model signing. The private key is PEM PKCS#8 ("PRIVATE KEY") with mode 0600; the
 * public key sits beside it at the same path plus {@code .pub}, PEM X.509 SubjectPublicKeyInfo
 * ("PUBLIC KEY"). The PEM header lines are built from the type string, so no literal private-key header
 * sits in the source. Key material is never logged.
 */
public final class SigningKeys {

    static final String ALGORITHM = "Ed25519";
    private static final String PRIVATE_TYPE = "PRIVATE KEY";
    private static final String PUBLIC_TYPE = "PUBLIC KEY";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private SigningKeys() {}

    /** Where the public key of {@code privateKeyFile} lives: the same path plus {@code .pub}. */
    public static Path publicKeyFile(Path privateKeyFile) {
        return privateKeyFile.resolveSibling(privateKeyFile.getFileName() + ".pub");
    }

    /** Reads a PEM file ({@code -----BEGIN PUBLIC KEY-----}, X.509 SubjectPublicKeyInfo) holding an Ed25519 key. */
    public static PublicKey readPublicKey(Path pem) throws IOException {
        byte[] der = decode(PUBLIC_TYPE, Files.readString(pem, StandardCharsets.US_ASCII), pem.toString());
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IOException(pem + " does not hold an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    /**
     * Reads the key pair at {@code privateKeyFile} and its {@code .pub}, or generates and writes a new pair
     * when neither exists (creating the parent folder with mode 0700). One file without the other is an
     * error rather than a silent new key, because a server may already trust the existing half.
     */
    public static KeyPair loadOrCreateKeyPair(Path privateKeyFile) {
        Path publicKeyFile = publicKeyFile(privateKeyFile);
        boolean privateExists = Files.exists(privateKeyFile);
        boolean publicExists = Files.exists(publicKeyFile);
        try {
            if (privateExists && publicExists) {
                return new KeyPair(readPublicKey(publicKeyFile), readPrivateKey(privateKeyFile));
            }
            if (privateExists || publicExists) {
                throw new IllegalStateException("found " + (privateExists ? privateKeyFile : publicKeyFile)
                        + " but not " + (privateExists ? publicKeyFile : privateKeyFile)
                        + "; restore it, or delete both to generate a new signing key pair");
            }
            KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
            writeNew(privateKeyFile, encode(PRIVATE_TYPE, pair.getPrivate().getEncoded()), true);
            writeNew(publicKeyFile, encode(PUBLIC_TYPE, pair.getPublic().getEncoded()), false);
            return pair;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the signing key " + privateKeyFile, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot use Ed25519 keys", e);
        }
    }

    private static PrivateKey readPrivateKey(Path file) throws IOException {
        byte[] der = decode(PRIVATE_TYPE, Files.readString(file, StandardCharsets.US_ASCII), file.toString());
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " does not hold an Ed25519 private key", e);
        }
    }

    /** Creates {@code file}, failing if it exists; a secret file is created with mode 0600 before any byte is written. */
    private static void writeNew(Path file, String text, boolean secret) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            Files.createDirectories(parent, secret ? posix(OWNER_ONLY_DIR) : new FileAttribute<?>[0]);
        }
        if (secret) {
            try {
                Files.createFile(file, posix(OWNER_ONLY));
            } catch (FileAlreadyExistsException e) {
                throw new IOException(file + " appeared while the key pair was being written", e);
            }
            Files.setPosixFilePermissions(file, OWNER_ONLY);
            Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
        } else {
            Files.writeString(file, text, StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW);
        }
    }

    private static FileAttribute<?>[] posix(Set<PosixFilePermission> permissions) {
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
    }

    private static String encode(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return boundary("BEGIN", type) + "\n" + body + "\n" + boundary("END", type) + "\n";
    }

    /** The DER bytes of the first block of {@code type}; {@code source} names the text in errors. */
    private static byte[] decode(String type, String text, String source) throws IOException {
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
