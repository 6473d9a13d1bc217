package dev.appliance.inference.manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.EdECPublicKey;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignedManifestTest {

    @TempDir
    Path dir;

    private Path key;
    private Path version;

    @BeforeEach
    void manifest() throws Exception {
        key = dir.resolve("keys/model-signing.key");
        version = Files.createDirectories(dir.resolve("risk/1"));
        Files.writeString(version.resolve("manifest.json"), "{\n  \"schema\" : 1\n}\n", StandardCharsets.UTF_8);
    }

    @Test
    void generatesAnOwnerOnlyPkcs8PrivateKeyAndAnX509PublicKeyBesideIt() throws Exception {
        SigningKeys.loadOrCreateKeyPair(key);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key.getParent())));
        String privatePem = Files.readString(key);
        assertTrue(
                privatePem.startsWith("-----BEGIN " + "PRIVATE KEY-----\n"),
                privatePem.lines().findFirst().get());
        assertTrue(privatePem.endsWith("-----END " + "PRIVATE KEY-----\n"));
        String publicPem = Files.readString(dir.resolve("keys/model-signing.key.pub"));
        assertTrue(publicPem.startsWith("-----BEGIN PUBLIC KEY-----\n"));
        EdECPublicKey publicKey = (EdECPublicKey) SigningKeys.readPublicKey(SigningKeys.publicKeyFile(key));
        assertEquals("Ed25519", publicKey.getParams().getName());
    }

    @Test
    void reusesAnExistingKeyPair() {
        KeyPair first = SigningKeys.loadOrCreateKeyPair(key);
        KeyPair second = SigningKeys.loadOrCreateKeyPair(key);
        assertEquals(first.getPublic(), second.getPublic());
        assertEquals(first.getPrivate(), second.getPrivate());
    }

    @Test
    void refusesHalfAKeyPairInsteadOfReplacingIt() throws Exception {
        SigningKeys.loadOrCreateKeyPair(key);
        Files.delete(SigningKeys.publicKeyFile(key));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SigningKeys.loadOrCreateKeyPair(key));
        assertTrue(e.getMessage().contains("delete both"), e.getMessage());
    }

    @Test
    void signatureIsOneLineOfBase64OverTheExactManifestBytes() throws Exception {
        KeyPair pair = SigningKeys.loadOrCreateKeyPair(key);
        SignedManifest.sign(version, pair.getPrivate());

        String sig = Files.readString(version.resolve("manifest.sig"));
        assertEquals(1, sig.lines().count());
        Signature verifier = Signature.getInstance("Ed25519");
        verifier.initVerify(SigningKeys.readPublicKey(SigningKeys.publicKeyFile(key)));
        verifier.update(Files.readAllBytes(version.resolve("manifest.json")));
        assertTrue(verifier.verify(Base64.getDecoder().decode(sig.trim())));
    }

    @Test
    void signatureNoLongerVerifiesAfterOneManifestByteChanges() throws Exception {
        KeyPair pair = SigningKeys.loadOrCreateKeyPair(key);
        SignedManifest.sign(version, pair.getPrivate());
        assertTrue(verifies(pair.getPublic()));

        byte[] manifest = Files.readAllBytes(version.resolve("manifest.json"));
        manifest[manifest.length / 2] ^= 1;
        Files.write(version.resolve("manifest.json"), manifest);
        assertFalse(verifies(pair.getPublic()));
    }

    @Test
    void signatureByAnotherKeyDoesNotVerify() throws Exception {
        KeyPair pair = SigningKeys.loadOrCreateKeyPair(key);
        KeyPair other = SigningKeys.loadOrCreateKeyPair(dir.resolve("other.key"));
        SignedManifest.sign(version, other.getPrivate());
        assertFalse(verifies(pair.getPublic()));
    }

    private boolean verifies(PublicKey key) throws Exception {
        try {
            SignedManifest.verifySignature(version, Files.readAllBytes(version.resolve("manifest.json")), key);
            return true;
        } catch (ManifestException e) {
            return false;
        }
    }
}
