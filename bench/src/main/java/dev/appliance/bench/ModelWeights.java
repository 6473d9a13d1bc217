package dev.appliance.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.tensorflow.proto.framework.GraphDef;
import org.tensorflow.proto.framework.NodeDef;
import org.tensorflow.proto.framework.SavedModel;
import org.tensorflow.proto.framework.TensorProto;

/**
 * Reads a demo risk model's logistic-regression weights out of its SavedModel graph, so the peers
 * (MLServer, KServe) can serve the same function in scikit-learn: the constant multiplied with the
 * encoded columns ({@code MatMul}) and the constant added to that product ({@code Add}). Writes
 * {@code {"weights": [...], "bias": b}} as JSON. Options: {@code --model DIR --output FILE}.
 */
final class ModelWeights {

    private ModelWeights() {}

    static void run(Args args) throws Exception {
        Path model = Path.of(args.string("model"));
        SavedModel saved = SavedModel.parseFrom(Files.readAllBytes(model.resolve("saved_model.pb")));
        GraphDef graph = saved.getMetaGraphs(0).getGraphDef();
        Map<String, NodeDef> nodes =
                graph.getNodeList().stream().collect(Collectors.toMap(NodeDef::getName, Function.identity()));
        List<NodeDef> matMuls = graph.getNodeList().stream()
                .filter(n -> n.getOp().equals("MatMul"))
                .toList();
        if (matMuls.size() != 1) {
            throw new IllegalStateException(
                    model + ": expected one MatMul (a plain logistic model), found " + matMuls.size());
        }
        NodeDef matMul = matMuls.get(0);
        NodeDef add = graph.getNodeList().stream()
                .filter(n -> n.getOp().equals("Add") || n.getOp().equals("AddV2"))
                .filter(n -> n.getInput(0).equals(matMul.getName()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(model + ": no bias after the MatMul"));
        float[] weights = floats(nodes.get(matMul.getInput(1)));
        float[] bias = floats(nodes.get(add.getInput(1)));
        List<Double> w = new ArrayList<>();
        for (float f : weights) {
            w.add((double) f);
        }
        new ObjectMapper()
                .writerWithDefaultPrettyPrinter()
                .writeValue(Path.of(args.string("output")).toFile(), Map.of("weights", w, "bias", (double) bias[0]));
    }

    private static float[] floats(NodeDef constant) {
        TensorProto tensor = constant.getAttrOrThrow("value").getTensor();
        if (tensor.getFloatValCount() > 0) {
            float[] out = new float[tensor.getFloatValCount()];
            for (int i = 0; i < out.length; i++) {
                out[i] = tensor.getFloatVal(i);
            }
            return out;
        }
        java.nio.FloatBuffer buffer = tensor.getTensorContent()
                .asReadOnlyByteBuffer()
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .asFloatBuffer();
        float[] out = new float[buffer.remaining()];
        buffer.get(out);
        return out;
    }
}
