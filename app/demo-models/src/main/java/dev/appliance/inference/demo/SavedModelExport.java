package dev.appliance.inference.demo;

import ai.djl.engine.Engine;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.framework.SavedModel;
import org.tensorflow.types.TFloat32;

/**
 * Builds the inference graph of a trained {@link LogisticModel} with TensorFlow ops, the weights as
 * constants, and exports it as a SavedModel with the TensorFlow that DJL runs: tag {@code serve},
 * signature {@code serving_default}, input {@code features} float32 {@code [-1, 6]}, output
 * {@code probability} float32 {@code [-1, 1]}.
 */
final class SavedModelExport {

    static final String TAG = "serve";
    static final String SIGNATURE = "serving_default";
    static final String INPUT = "features";
    static final String OUTPUT = "probability";
    private static final String PROTO_FILE = "saved_model.pb";

    private SavedModelExport() {}

    /** Writes the SavedModel into {@code dir} (absent or empty). */
    static void export(Path dir, LogisticModel model, Optional<HeavyBranch> heavy) throws IOException {
        // Loads the TF natives the DJL way (TENSORFLOW_LIBRARY_PATH), which the TF Java API then uses.
        Engine.getEngine("TensorFlow");
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> features =
                    tf.withName(INPUT).placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, Transaction.WIDTH)));
            Operand<TFloat32> encoded = model.encoding().encode(tf, features);
            Operand<TFloat32> logit = tf.math.add(
                    tf.linalg.matMul(encoded, tf.constant(model.foldedWeights())), tf.constant(model.foldedBias()));
            if (heavy.isPresent()) {
                logit = tf.math.add(logit, heavy.get().nudge(tf, standardised(tf, encoded, model)));
            }
            Operand<TFloat32> probability = tf.withName(OUTPUT).math.sigmoid(logit);
            try (Session session = new Session(graph)) {
                Signature signature = Signature.builder()
                        .key(SIGNATURE)
                        .input(INPUT, features)
                        .output(OUTPUT, probability)
                        .build();
                SavedModelBundle.exporter(dir.toString())
                        .withTags(TAG)
                        .withSession(session)
                        .withSignature(signature)
                        .export();
            }
        }
        rewriteDeterministically(dir.resolve(PROTO_FILE));
    }

    /**
     * The exporter writes protobuf maps (node attributes) in hash order, so two builds of the same graph
     * differ in bytes. Rewriting with deterministic serialization makes the file, its hash in the
     * manifest and the (deterministic) Ed25519 signature the same on every build.
     */
    private static void rewriteDeterministically(Path file) throws IOException {
        SavedModel model = SavedModel.parseFrom(Files.readAllBytes(file));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(model.getSerializedSize());
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.useDeterministicSerialization();
        model.writeTo(out);
        out.flush();
        Files.write(file, bytes.toByteArray());
    }

    private static Operand<TFloat32> standardised(Ops tf, Operand<TFloat32> encoded, LogisticModel model) {
        int d = model.mean().length;
        float[] mean = new float[d];
        float[] inverseStd = new float[d];
        for (int j = 0; j < d; j++) {
            mean[j] = (float) model.mean()[j];
            inverseStd[j] = (float) (1 / model.std()[j]);
        }
        return tf.math.mul(tf.math.sub(encoded, tf.constant(mean)), tf.constant(inverseStd));
    }
}
