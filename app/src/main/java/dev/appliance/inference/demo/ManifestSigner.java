package dev.appliance.inference.demo;

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
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Set;

import dev.appliance.inference.model.SigningKeys;

/**
 * Ed25519 signing of model manifests. {@code manifest.sig} is the standard Base64, on one line, of the
 * signature over the exact bytes of {@code manifest.json}; since the manifest carries the SHA-256 of every
 * other file, the signature covers the whole version.
 *
 * <p>Key files: the private key is PEM PKCS#8 ("PRIVATE KEY") with mode 0600; the public key sits beside
 * it at the same path plus {@code .pub}, PEM X.509 SubjectPublicKeyInfo ("PUBLIC KEY"). Key material is
 * never logged.
 */
public final class ManifestSigner {

    private static final String ALGORITHM = "Ed25519";
    private static final String PRIVATE_TYPE = "PRIVATE KEY";
    private static final String PUBLIC_TYPE = "PUBLIC KEY";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    private ManifestSigner() {
    }

    /** Where the public key of {@code privateKeyFile} lives: the same path plus {@code .pub}. */
    public static Path publicKeyFile(Path privateKeyFile) {
        return privateKeyFile.resolveSibling(privateKeyFile.getFileName() + ".pub");
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
                return new KeyPair(SigningKeys.readPublicKey(publicKeyFile), readPrivateKey(privateKeyFile));
            }
            if (privateExists || publicExists) {
                throw new IllegalStateException("found " + (privateExists ? privateKeyFile : publicKeyFile)
                        + " but not " + (privateExists ? publicKeyFile : privateKeyFile)
                        + "; restore it, or delete both to generate a new signing key pair");
            }
            KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
            writeNew(privateKeyFile, Pem.encode(PRIVATE_TYPE, pair.getPrivate().getEncoded()), true);
            writeNew(publicKeyFile, Pem.encode(PUBLIC_TYPE, pair.getPublic().getEncoded()), false);
            return pair;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the signing key " + privateKeyFile, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot use Ed25519 keys", e);
        }
    }

    /** Signs {@code versionDir/manifest.json} and writes {@code versionDir/manifest.sig}. */
    public static void sign(Path versionDir, PrivateKey key) {
        try {
            byte[] manifest = Files.readAllBytes(versionDir.resolve(ManifestFile.NAME));
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(key);
            signer.update(manifest);
            String line = Base64.getEncoder().encodeToString(signer.sign()) + "\n";
            Files.writeString(versionDir.resolve(ManifestFile.SIGNATURE_NAME), line, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot sign the manifest in " + versionDir, e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with an Ed25519 key: " + e.getMessage(), e);
        }
    }

    /** True when {@code versionDir/manifest.sig} is a valid signature of its manifest.json by {@code key}. */
    public static boolean verify(Path versionDir, PublicKey key) {
        try {
            byte[] manifest = Files.readAllBytes(versionDir.resolve(ManifestFile.NAME));
            byte[] signature = Base64.getDecoder().decode(
                    Files.readString(versionDir.resolve(ManifestFile.SIGNATURE_NAME), StandardCharsets.US_ASCII).trim());
            Signature verifier = Signature.getInstance(ALGORITHM);
            verifier.initVerify(key);
            verifier.update(manifest);
            return verifier.verify(signature);
        } catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
            return false;
        }
    }

    private static PrivateKey readPrivateKey(Path file) throws IOException {
        byte[] der = Pem.decode(PRIVATE_TYPE, Files.readString(file, StandardCharsets.US_ASCII), file.toString());
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
}
