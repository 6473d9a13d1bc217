package dev.appliance.inference.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Verification of a version folder before the engine sees it: manifest, file hashes, signature. */
class ModelVerifierTest {

    private static final byte[] GRAPH = "pretend graph bytes".getBytes(StandardCharsets.UTF_8);
    private static final byte[] WEIGHTS = "pretend weights".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path root;

    private Path version;
    private KeyPair keys;

    @BeforeEach
    void writeVersion() throws Exception {
        version = Files.createDirectories(root.resolve("risk").resolve("3"));
        Files.write(version.resolve("saved_model.pb"), GRAPH);
        Files.createDirectories(version.resolve("variables"));
        Files.write(version.resolve("variables/variables.index"), WEIGHTS);
        Files.writeString(version.resolve("manifest.json"), manifest("risk", 3, sha256(GRAPH), sha256(WEIGHTS)));
        keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        sign(keys);
    }

    @Test
    void acceptsAnIntactSignedVersion() throws Exception {
        Manifest m = new ModelVerifier(Optional.of(keys.getPublic())).verify(version, "risk", 3);
        assertEquals(6, m.features().size());
        assertEquals(Dtype.INT32, m.features().get(1).type());
    }

    @Test
    void acceptsUnsignedVersionsWhenNoKeyIsConfigured() throws Exception {
        Files.delete(version.resolve("manifest.sig"));
        assertEquals(
                3,
                new ModelVerifier(Optional.empty()).verify(version, "risk", 3).version());
    }

    static Stream<Arguments> damage() {
        return Stream.of(
                Arguments.of(
                        "changed graph byte",
                        (Damage) v -> Files.writeString(v.resolve("saved_model.pb"), "evil"),
                        ModelRejectedException.Reason.INTEGRITY,
                        "SHA-256 of 'saved_model.pb' does not match"),
                Arguments.of(
                        "missing file",
                        (Damage) v -> Files.delete(v.resolve("variables/variables.index")),
                        ModelRejectedException.Reason.INTEGRITY,
                        "'variables/variables.index' listed in manifest.json is missing"),
                Arguments.of(
                        "planted file",
                        (Damage) v -> Files.writeString(v.resolve("variables/x.so"), "x"),
                        ModelRejectedException.Reason.INTEGRITY,
                        "file 'variables/x.so' is not listed"),
                Arguments.of(
                        "missing manifest",
                        (Damage) v -> Files.delete(v.resolve("manifest.json")),
                        ModelRejectedException.Reason.MANIFEST,
                        "manifest.json cannot be read"),
                Arguments.of(
                        "missing signature",
                        (Damage) v -> Files.delete(v.resolve("manifest.sig")),
                        ModelRejectedException.Reason.SIGNATURE,
                        "manifest.sig is missing"),
                Arguments.of(
                        "garbled signature",
                        (Damage) v -> Files.writeString(v.resolve("manifest.sig"), "%%%"),
                        ModelRejectedException.Reason.SIGNATURE,
                        "manifest.sig cannot be checked"),
                Arguments.of(
                        "edited manifest",
                        (Damage) v -> Files.writeString(
                                v.resolve("manifest.json"),
                                Files.readString(v.resolve("manifest.json")).replace("demo", "DEMO")),
                        ModelRejectedException.Reason.SIGNATURE,
                        "not a valid signature"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damage")
    void refusesADamagedVersionSayingWhy(
            String name, Damage damage, ModelRejectedException.Reason reason, String expected) throws Exception {
        damage.apply(version);
        ModelRejectedException e = assertThrows(
                ModelRejectedException.class,
                () -> new ModelVerifier(Optional.of(keys.getPublic())).verify(version, "risk", 3));
        assertEquals(reason, e.reason());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void refusesASignatureByAnotherKey() throws Exception {
        sign(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
        ModelRejectedException e = assertThrows(
                ModelRejectedException.class,
                () -> new ModelVerifier(Optional.of(keys.getPublic())).verify(version, "risk", 3));
        assertEquals(ModelRejectedException.Reason.SIGNATURE, e.reason());
    }

    @Test
    void refusesAManifestThatNamesAnotherModelOrVersion() {
        ModelVerifier verifier = new ModelVerifier(Optional.of(keys.getPublic()));
        assertTrue(assertThrows(ModelRejectedException.class, () -> verifier.verify(version, "risk", 4))
                .getMessage()
                .contains("names version 3 but lives under 4"));
        assertTrue(assertThrows(ModelRejectedException.class, () -> verifier.verify(version, "fraud", 3))
                .getMessage()
                .contains("names model 'risk' but lives under 'fraud'"));
    }

    /** Changes one version folder. */
    @FunctionalInterface
    interface Damage {
        void apply(Path version) throws Exception;
    }

    static String manifest(String model, long version, String graphSha, String weightsSha) {
        return """
                {"schema": 1, "model": "%s", "version": %d, "description": "demo",
                 "signature_name": "serving_default",
                 "input": {"name": "features", "dtype": "float32"},
                 "output": {"name": "probability", "dtype": "float32"},
                 "features": [{"name": "amount", "dtype": "float32"}, {"name": "merchant_category", "dtype": "int32"},
                              {"name": "hour", "dtype": "int32"}, {"name": "account_age_days", "dtype": "float32"},
                              {"name": "recent_amount_mean", "dtype": "float32"},
                              {"name": "recent_amount_zscore", "dtype": "float32"}],
                 "files": {"saved_model.pb": "%s", "variables/variables.index": "%s"}}
                """.formatted(model, version, graphSha, weightsSha);
    }

    private void sign(KeyPair pair) throws Exception {
        Signature signer = Signature.getInstance("Ed25519");
        signer.initSign(pair.getPrivate());
        signer.update(Files.readAllBytes(version.resolve("manifest.json")));
        Files.writeString(version.resolve("manifest.sig"), Base64.getEncoder().encodeToString(signer.sign()));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
