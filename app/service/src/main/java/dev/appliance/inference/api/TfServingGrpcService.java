package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.Int64Value;
import dev.appliance.inference.model.Manifest;
import dev.appliance.inference.model.ServedVersion;
import dev.appliance.inference.model.VersionSelector;
import dev.appliance.inference.proto.tf.GetModelMetadataRequest;
import dev.appliance.inference.proto.tf.GetModelMetadataResponse;
import dev.appliance.inference.proto.tf.ModelSpec;
import dev.appliance.inference.proto.tf.PredictRequest;
import dev.appliance.inference.proto.tf.PredictResponse;
import dev.appliance.inference.proto.tf.PredictionServiceGrpc;
import dev.appliance.inference.proto.tf.SignatureDef;
import dev.appliance.inference.proto.tf.SignatureDefMap;
import dev.appliance.inference.proto.tf.TensorInfo;
import dev.appliance.inference.proto.tf.TensorProto;
import dev.appliance.inference.proto.tf.TensorShapeProto;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * TF Serving's {@code tensorflow.serving.PredictionService}: Predict and GetModelMetadata. Predict's input
 * map is turned into the REST API's columnar form ({@code {"inputs": {...}}}) and decoded by the same code:
 * either the model's input tensor {@code [n, features]}, or one tensor per feature {@code [n]}, with a
 * DT_STRING tensor named after the manifest's entity key for looked-up features.
 */
final class TfServingGrpcService extends PredictionServiceGrpc.PredictionServiceImplBase {

    static final String SIGNATURE_DEF = "signature_def";

    private final Models models;
    private final GrpcCalls calls;

    TfServingGrpcService(Models models, GrpcCalls calls) {
        this.models = models;
        this.calls = calls;
    }

    @Override
    public void predict(PredictRequest request, StreamObserver<PredictResponse> observer) {
        calls.unary("grpc_tf_predict", observer, (tags, reply) -> {
            ModelPath path = path(request.getModelSpec(), "predict");
            ObjectNode body = Json.MAPPER.createObjectNode();
            if (!request.getModelSpec().getSignatureName().isEmpty()) {
                body.put("signature_name", request.getModelSpec().getSignatureName());
            }
            ObjectNode inputs = body.putObject("inputs");
            for (Map.Entry<String, TensorProto> e : request.getInputsMap().entrySet()) {
                inputs.set(e.getKey(), values(e.getKey(), e.getValue()));
            }
            Models.Inference<TfServingInput> inference = models.infer(
                    path, GrpcCalls.pin(), models.deadline(RequestTimeout.grpc()), body, tags, (m, maxRows) -> {
                        for (String wanted : request.getOutputFilterList()) {
                            if (!wanted.equals(m.output().name())) {
                                throw ApiException.badRequest(
                                        "output_filter '" + wanted + "' is not an output of" + " model '" + m.model()
                                                + "' (outputs: " + m.output().name() + ")");
                            }
                        }
                        return TfServingInput.decode(body, m, maxRows);
                    });
            float[][] output = inference.outputs();
            TensorProto.Builder tensor = TensorProto.newBuilder()
                    .setDtype(TfDataTypes.of(inference.manifest().output().type()))
                    .setTensorShape(shape(output.length, output[0].length));
            for (float[] row : output) {
                for (float v : row) {
                    tensor.addFloatVal(v);
                }
            }
            GrpcCalls.facts(reply, inference.facts());
            Manifest m = inference.manifest();
            return PredictResponse.newBuilder()
                    .setModelSpec(spec(m))
                    .putOutputs(m.output().name(), tensor.build())
                    .build();
        });
    }

    @Override
    public void getModelMetadata(GetModelMetadataRequest request, StreamObserver<GetModelMetadataResponse> observer) {
        calls.unary("grpc_tf_metadata", observer, (tags, reply) -> {
            if (!request.getMetadataFieldList().equals(List.of(SIGNATURE_DEF))) {
                throw ApiException.badRequest("metadata_field must be exactly [\"" + SIGNATURE_DEF + "\"], got "
                        + request.getMetadataFieldList());
            }
            ServedVersion version = models.peek(path(request.getModelSpec(), "metadata"), tags);
            Manifest m = version.manifest();
            SignatureDef signature = SignatureDef.newBuilder()
                    .putInputs(m.input().name(), info(m.input(), m.features().size()))
                    .putOutputs(m.output().name(), info(m.output(), version.outputWidth()))
                    .setMethodName("tensorflow/serving/predict")
                    .build();
            SignatureDefMap map = SignatureDefMap.newBuilder()
                    .putSignatureDef(m.signatureName(), signature)
                    .build();
            return GetModelMetadataResponse.newBuilder()
                    .setModelSpec(spec(m))
                    .putMetadata(SIGNATURE_DEF, Any.pack(map))
                    .build();
        });
    }

    /** The model path a ModelSpec names: a version, a label, or neither (steered). */
    static ModelPath path(ModelSpec spec, String action) throws ApiException {
        if (spec.getName().isEmpty()) {
            throw ApiException.badRequest("model_spec.name is required");
        }
        VersionSelector selector = switch (spec.getVersionChoiceCase()) {
            case VERSION -> new VersionSelector.Exact(spec.getVersion().getValue());
            case VERSION_LABEL -> new VersionSelector.Label(spec.getVersionLabel());
            default -> VersionSelector.LATEST;
        };
        return new ModelPath(spec.getName(), selector, action);
    }

    static ModelSpec spec(Manifest m) {
        return ModelSpec.newBuilder()
                .setName(m.model())
                .setVersion(Int64Value.of(m.version()))
                .setSignatureName(m.signatureName())
                .build();
    }

    private static TensorInfo info(Manifest.Tensor tensor, int width) {
        return TensorInfo.newBuilder()
                .setName(tensor.name())
                .setDtype(TfDataTypes.of(tensor.type()))
                .setTensorShape(shape(-1, width))
                .build();
    }

    private static TensorShapeProto shape(long... dims) {
        TensorShapeProto.Builder b = TensorShapeProto.newBuilder();
        for (long d : dims) {
            b.addDimBuilder().setSize(d);
        }
        return b.build();
    }

    /** One input tensor as JSON: rank 0 or 1 (also [n, 1]) a flat column, rank 2 a list of rows. */
    private static JsonNode values(String name, TensorProto t) throws ApiException {
        String where = "inputs['" + name + "']";
        List<TensorShapeProto.Dim> dims = t.getTensorShape().getDimList();
        ArrayNode flat = flat(
                where, t, dims.stream().mapToLong(TensorShapeProto.Dim::getSize).reduce(1, (a, b) -> a * b));
        if (dims.size() <= 1 || (dims.size() == 2 && dims.get(1).getSize() == 1)) {
            return flat;
        }
        if (dims.size() != 2) {
            throw ApiException.badRequest(where + " must have rank 1 or 2, got shape " + sizes(dims));
        }
        int width = (int) dims.get(1).getSize();
        ArrayNode rows = Json.MAPPER.createArrayNode();
        for (int i = 0; i < flat.size(); i += width) {
            ArrayNode row = rows.addArray();
            for (int j = 0; j < width; j++) {
                row.add(flat.get(i + j));
            }
        }
        return rows;
    }

    private static ArrayNode flat(String where, TensorProto t, long count) throws ApiException {
        ArrayNode out = Json.MAPPER.createArrayNode();
        ByteBuffer content = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean packed = !t.getTensorContent().isEmpty();
        switch (t.getDtype()) {
            case DT_FLOAT -> {
                if (packed) {
                    while (content.remaining() >= 4) {
                        out.add(content.getFloat());
                    }
                } else {
                    t.getFloatValList().forEach(out::add);
                }
            }
            case DT_DOUBLE -> {
                if (packed) {
                    while (content.remaining() >= 8) {
                        out.add(content.getDouble());
                    }
                } else {
                    t.getDoubleValList().forEach(out::add);
                }
            }
            case DT_INT32 -> {
                if (packed) {
                    while (content.remaining() >= 4) {
                        out.add(content.getInt());
                    }
                } else {
                    t.getIntValList().forEach(out::add);
                }
            }
            case DT_INT64 -> {
                if (packed) {
                    while (content.remaining() >= 8) {
                        out.add(content.getLong());
                    }
                } else {
                    t.getInt64ValList().forEach(out::add);
                }
            }
            case DT_STRING -> t.getStringValList().forEach(s -> out.add(s.toStringUtf8()));
            default ->
                throw ApiException.badRequest(where + ": dtype " + t.getDtype() + " is not supported"
                        + " (supported: DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64, and DT_STRING for the entity id)");
        }
        // TensorFlow's convention: one value given for a larger shape fills the whole tensor.
        if (out.size() == 1 && count > 1) {
            JsonNode only = out.get(0);
            for (long k = 1; k < count; k++) {
                out.add(only);
            }
        }
        if (out.size() != count) {
            throw ApiException.badRequest(where + " holds " + out.size() + " values but its shape "
                    + sizes(t.getTensorShape().getDimList()) + " needs " + count);
        }
        return out;
    }

    private static List<Long> sizes(List<TensorShapeProto.Dim> dims) {
        return dims.stream().map(TensorShapeProto.Dim::getSize).toList();
    }
}
