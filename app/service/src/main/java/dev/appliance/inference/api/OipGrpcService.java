package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.appliance.inference.proto.oip.GRPCInferenceServiceGrpc;
import dev.appliance.inference.proto.oip.InferParameter;
import dev.appliance.inference.proto.oip.InferTensorContents;
import dev.appliance.inference.proto.oip.ModelConfigRequest;
import dev.appliance.inference.proto.oip.ModelConfigResponse;
import dev.appliance.inference.proto.oip.ModelInferRequest;
import dev.appliance.inference.proto.oip.ModelInferResponse;
import dev.appliance.inference.proto.oip.ModelMetadataRequest;
import dev.appliance.inference.proto.oip.ModelMetadataResponse;
import dev.appliance.inference.proto.oip.ModelReadyRequest;
import dev.appliance.inference.proto.oip.ModelReadyResponse;
import dev.appliance.inference.proto.oip.ModelRepositoryParameter;
import dev.appliance.inference.proto.oip.ModelStatisticsRequest;
import dev.appliance.inference.proto.oip.ModelStatisticsResponse;
import dev.appliance.inference.proto.oip.RepositoryIndexRequest;
import dev.appliance.inference.proto.oip.RepositoryIndexResponse;
import dev.appliance.inference.proto.oip.RepositoryModelLoadRequest;
import dev.appliance.inference.proto.oip.RepositoryModelLoadResponse;
import dev.appliance.inference.proto.oip.RepositoryModelUnloadRequest;
import dev.appliance.inference.proto.oip.RepositoryModelUnloadResponse;
import dev.appliance.inference.proto.oip.ServerLiveRequest;
import dev.appliance.inference.proto.oip.ServerLiveResponse;
import dev.appliance.inference.proto.oip.ServerMetadataRequest;
import dev.appliance.inference.proto.oip.ServerMetadataResponse;
import dev.appliance.inference.proto.oip.ServerReadyRequest;
import dev.appliance.inference.proto.oip.ServerReadyResponse;
import io.grpc.stub.StreamObserver;
import java.util.Map;

/**
 * The Open Inference Protocol over gRPC ({@code inference.GRPCInferenceService}) with Triton's extensions
 * (repository index, load and unload, statistics, model configuration). An infer request is turned into the
 * JSON form of the HTTP API and decoded by the same code, so both accept and refuse the same inputs; the
 * other answers are the HTTP API's JSON answers parsed into the protocol's messages.
 */
final class OipGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    private final Models models;
    private final ModelControl control;
    private final GrpcCalls calls;
    private final String serverVersion;

    OipGrpcService(Models models, ModelControl control, GrpcCalls calls, String serverVersion) {
        this.models = models;
        this.control = control;
        this.calls = calls;
        this.serverVersion = serverVersion;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> observer) {
        calls.unary(
                "grpc_v2_live",
                observer,
                (tags, reply) -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> observer) {
        calls.unary(
                "grpc_v2_ready",
                observer,
                (tags, reply) -> ServerReadyResponse.newBuilder()
                        .setReady(models.ready())
                        .build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> observer) {
        calls.unary("grpc_v2_models", observer, (tags, reply) -> {
            ModelPath path = ModelPath.of(request.getName(), request.getVersion(), "ready");
            if (models.registry().unloaded().contains(path.model())) {
                return ModelReadyResponse.newBuilder().setReady(false).build();
            }
            models.peek(path, tags);
            return ModelReadyResponse.newBuilder().setReady(true).build();
        });
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> observer) {
        calls.unary(
                "grpc_v2_server",
                observer,
                (tags, reply) -> ServerMetadataResponse.newBuilder()
                        .setName("inference-service")
                        .setVersion(serverVersion)
                        .addAllExtensions(Extensions.names(control.enabled()))
                        .build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> observer) {
        calls.unary(
                "grpc_v2_models",
                observer,
                (tags, reply) -> GrpcCalls.parse(
                        Extensions.metadata(
                                models, ModelPath.of(request.getName(), request.getVersion(), "metadata"), tags),
                        ModelMetadataResponse.newBuilder()));
    }

    @Override
    public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> observer) {
        calls.unary(
                "grpc_v2_models",
                observer,
                (tags, reply) -> GrpcCalls.parse(
                        Json.MAPPER
                                .createObjectNode()
                                .set(
                                        "config",
                                        Extensions.config(
                                                models,
                                                ModelPath.of(request.getName(), request.getVersion(), "config"),
                                                tags)),
                        ModelConfigResponse.newBuilder()));
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> observer) {
        calls.unary("grpc_v2_infer", observer, (tags, reply) -> {
            ModelPath path = ModelPath.of(request.getModelName(), request.getModelVersion(), "infer");
            JsonNode body = json(request);
            Models.Inference<OipInput> inference = models.infer(
                    path,
                    GrpcCalls.pin(),
                    models.deadline(RequestTimeout.grpc()),
                    body,
                    tags,
                    (manifest, maxRows) -> OipInput.decode(body, manifest, maxRows));
            float[][] output = inference.outputs();
            ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
                    .setModelName(inference.manifest().model())
                    .setModelVersion(Long.toString(inference.version()))
                    .setId(request.getId());
            ModelInferResponse.InferOutputTensor.Builder tensor = b.addOutputsBuilder()
                    .setName(inference.manifest().output().name())
                    .setDatatype(
                            OipDatatype.of(inference.manifest().output().type()).name())
                    .addShape(output.length)
                    .addShape(output[0].length);
            if (request.getRawInputContentsCount() > 0) {
                b.addRawOutputContents(ByteString.copyFrom(TensorBytes.fp32(output)));
            } else {
                InferTensorContents.Builder contents = tensor.getContentsBuilder();
                for (float[] row : output) {
                    for (float v : row) {
                        contents.addFp32Contents(v);
                    }
                }
            }
            if (!inference.answer().features().isEmpty()) {
                ObjectNode status = Json.MAPPER.createObjectNode();
                inference.answer().reportFeatures(status);
                b.putParameters(
                        "feature_status",
                        InferParameter.newBuilder()
                                .setStringParam(status.get("feature_status").toString())
                                .build());
            }
            GrpcCalls.facts(reply, inference.facts());
            return b.build();
        });
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> observer) {
        calls.unary("grpc_v2_repository", observer, (tags, reply) -> {
            ArrayNode index = Json.MAPPER.createArrayNode();
            Extensions.repositoryIndex(models.registry()).forEach(entry -> {
                if (!request.getReady() || entry.path("state").asText().equals("READY")) {
                    index.add(entry);
                }
            });
            return GrpcCalls.parse(
                    Json.MAPPER.createObjectNode().set("models", index), RepositoryIndexResponse.newBuilder());
        });
    }

    @Override
    public void repositoryModelLoad(
            RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> observer) {
        control(
                "load",
                request.getModelName(),
                request.getParametersMap(),
                RepositoryModelLoadResponse.getDefaultInstance(),
                observer);
    }

    @Override
    public void repositoryModelUnload(
            RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> observer) {
        control(
                "unload",
                request.getModelName(),
                request.getParametersMap(),
                RepositoryModelUnloadResponse.getDefaultInstance(),
                observer);
    }

    private <T> void control(
            String action,
            String model,
            Map<String, ModelRepositoryParameter> parameters,
            T done,
            StreamObserver<T> observer) {
        calls.unary("grpc_v2_repository_control", observer, (tags, reply) -> {
            control.run(action, model, GrpcCalls.header("authorization"), parameters(parameters), tags);
            return done;
        });
    }

    /** Repository parameters as the JSON object the HTTP API reads (names only matter). */
    private static JsonNode parameters(Map<String, ModelRepositoryParameter> parameters) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        parameters.keySet().forEach(name -> json.put(name, true));
        return json;
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> observer) {
        calls.unary(
                "grpc_v2_models",
                observer,
                (tags, reply) -> GrpcCalls.parse(
                        Extensions.statistics(
                                models,
                                request.getName().isEmpty()
                                        ? null
                                        : ModelPath.of(request.getName(), request.getVersion(), "stats"),
                                tags),
                        ModelStatisticsResponse.newBuilder()));
    }

    /** The request in the HTTP API's JSON form; raw contents are decoded by datatype. */
    private static JsonNode json(ModelInferRequest request) throws ApiException {
        ObjectNode body = Json.MAPPER.createObjectNode();
        if (!request.getId().isEmpty()) {
            body.put("id", request.getId());
        }
        ArrayNode inputs = body.putArray("inputs");
        boolean raw = request.getRawInputContentsCount() > 0;
        if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
            throw ApiException.badRequest("raw_input_contents has " + request.getRawInputContentsCount()
                    + " entries but inputs has " + request.getInputsCount());
        }
        for (int k = 0; k < request.getInputsCount(); k++) {
            ModelInferRequest.InferInputTensor in = request.getInputs(k);
            ObjectNode input = inputs.addObject().put("name", in.getName()).put("datatype", in.getDatatype());
            ArrayNode shape = input.putArray("shape");
            in.getShapeList().forEach(shape::add);
            String tensor = "inputs[" + k + "] '" + in.getName() + "'";
            OipDatatype datatype = OipDatatype.readable(in.getDatatype(), tensor);
            input.set(
                    "data",
                    raw
                            ? TensorBytes.decode(
                                    datatype, request.getRawInputContents(k).toByteArray(), tensor)
                            : contents(datatype, in.getContents()));
        }
        ArrayNode outputs = body.putArray("outputs");
        request.getOutputsList().forEach(o -> outputs.addObject().put("name", o.getName()));
        if (outputs.isEmpty()) {
            body.remove("outputs");
        }
        return body;
    }

    private static ArrayNode contents(OipDatatype datatype, InferTensorContents c) {
        ArrayNode data = Json.MAPPER.createArrayNode();
        switch (datatype) {
            case FP32 -> c.getFp32ContentsList().forEach(data::add);
            case FP64 -> c.getFp64ContentsList().forEach(data::add);
            case INT8, INT16, INT32 -> c.getIntContentsList().forEach(data::add);
            case INT64 -> c.getInt64ContentsList().forEach(data::add);
            case UINT8, UINT16, UINT32 -> c.getUintContentsList().forEach(v -> data.add(Integer.toUnsignedLong(v)));
            case UINT64 ->
                c.getUint64ContentsList().forEach(v -> data.add(new java.math.BigInteger(Long.toUnsignedString(v))));
            case BYTES -> c.getBytesContentsList().forEach(v -> data.add(v.toStringUtf8()));
        }
        return data;
    }
}
