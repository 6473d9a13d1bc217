package dev.appliance.inference.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.appliance.inference.grpc.oip.GRPCInferenceServiceGrpc;
import dev.appliance.inference.grpc.oip.InferParameter;
import dev.appliance.inference.grpc.oip.InferStatistics;
import dev.appliance.inference.grpc.oip.InferTensorContents;
import dev.appliance.inference.grpc.oip.ModelInferRequest;
import dev.appliance.inference.grpc.oip.ModelInferResponse;
import dev.appliance.inference.grpc.oip.ModelMetadataRequest;
import dev.appliance.inference.grpc.oip.ModelMetadataResponse;
import dev.appliance.inference.grpc.oip.ModelReadyRequest;
import dev.appliance.inference.grpc.oip.ModelReadyResponse;
import dev.appliance.inference.grpc.oip.ModelStatistics;
import dev.appliance.inference.grpc.oip.ModelStatisticsRequest;
import dev.appliance.inference.grpc.oip.ModelStatisticsResponse;
import dev.appliance.inference.grpc.oip.RepositoryIndexRequest;
import dev.appliance.inference.grpc.oip.RepositoryIndexResponse;
import dev.appliance.inference.grpc.oip.ServerLiveRequest;
import dev.appliance.inference.grpc.oip.ServerLiveResponse;
import dev.appliance.inference.grpc.oip.ServerMetadataRequest;
import dev.appliance.inference.grpc.oip.ServerMetadataResponse;
import dev.appliance.inference.grpc.oip.ServerReadyRequest;
import dev.appliance.inference.grpc.oip.ServerReadyResponse;
import dev.appliance.inference.grpc.oip.StatisticDuration;
import dev.appliance.inference.model.Manifest;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.ServedVersion;
import dev.appliance.inference.model.VersionSelector;
import io.grpc.stub.StreamObserver;

/**
 * The Open Inference Protocol over gRPC ({@code inference.GRPCInferenceService}). An infer request is turned
 * into the JSON form of the HTTP API and decoded by the same code, so both accept and refuse the same inputs.
 */
final class OipGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    private final Models models;
    private final Grpc calls;
    private final String serverVersion;

    OipGrpcService(Models models, Grpc calls, String serverVersion) {
        this.models = models;
        this.calls = calls;
        this.serverVersion = serverVersion;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> observer) {
        calls.unary("grpc_v2_live", observer, (tags, reply) -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> observer) {
        calls.unary("grpc_v2_ready", observer, (tags, reply) ->
                ServerReadyResponse.newBuilder().setReady(models.ready()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> observer) {
        calls.unary("grpc_v2_models", observer, (tags, reply) -> {
            models.peek(path(request.getName(), request.getVersion(), "ready"), tags);
            return ModelReadyResponse.newBuilder().setReady(true).build();
        });
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> observer) {
        calls.unary("grpc_v2_server", observer, (tags, reply) -> ServerMetadataResponse.newBuilder()
                .setName("inference-service").setVersion(serverVersion).addAllExtensions(Extensions.NAMES).build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> observer) {
        calls.unary("grpc_v2_models", observer, (tags, reply) -> {
            ModelPath path = path(request.getName(), request.getVersion(), "metadata");
            ServedVersion version = models.peek(path, tags);
            ModelState state = models.state(path, tags);
            Manifest m = version.manifest();
            ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(m.model())
                    .setPlatform("tensorflow_savedmodel");
            state.loaded().keySet().forEach(v -> b.addVersions(Long.toString(v)));
            b.addInputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName(m.input().name())
                    .setDatatype("FP32").addShape(-1).addShape(m.features().size()));
            b.addOutputs(ModelMetadataResponse.TensorMetadata.newBuilder().setName(m.output().name())
                    .setDatatype("FP32").addShape(-1).addShape(version.outputWidth()));
            return b.build();
        });
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> observer) {
        calls.unary("grpc_v2_infer", observer, (tags, reply) -> {
            ModelPath path = path(request.getModelName(), request.getModelVersion(), "infer");
            JsonNode body = json(request);
            ServedVersion version = models.acquire(path, Grpc.pin(), tags);
            try {
                OipInput input = OipInput.decode(body, version.manifest(), models.maxRows());
                Models.Answer answer = models.answer(version, input.rows());
                float[][] output = answer.prediction().outputs();
                ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
                        .setModelName(version.manifest().model())
                        .setModelVersion(Long.toString(version.version())).setId(request.getId());
                ModelInferResponse.InferOutputTensor.Builder tensor = b.addOutputsBuilder()
                        .setName(version.manifest().output().name()).setDatatype("FP32")
                        .addShape(output.length).addShape(output[0].length);
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
                if (!answer.features().isEmpty()) {
                    ObjectNode status = Json.MAPPER.createObjectNode();
                    answer.reportFeatures(status);
                    b.putParameters("feature_status", InferParameter.newBuilder()
                            .setStringParam(status.get("feature_status").toString()).build());
                }
                reply.put(Grpc.ascii("x-model-version"), Long.toString(version.version()));
                reply.put(Grpc.ascii("x-cache"), answer.prediction().outcome().header());
                return b.build();
            } finally {
                version.release();
            }
        });
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> observer) {
        calls.unary("grpc_v2_repository", observer, (tags, reply) -> {
            RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
            for (JsonNode entry : Extensions.repositoryIndex(models.registry())) {
                if (!request.getReady() || entry.path("state").asText().equals("READY")) {
                    b.addModelsBuilder().setName(entry.path("name").asText()).setVersion(entry.path("version").asText())
                            .setState(entry.path("state").asText()).setReason(entry.path("reason").asText());
                }
            }
            return b.build();
        });
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> observer) {
        calls.unary("grpc_v2_models", observer, (tags, reply) -> {
            String model = request.getName().isEmpty() ? null : request.getName();
            Long version = null;
            if (model != null) {
                ModelPath path = path(model, request.getVersion(), "stats");
                ServedVersion served = models.peek(path, tags);
                version = path.selector() instanceof VersionSelector.Exact ? served.version() : null;
            }
            ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
            for (JsonNode s : Extensions.statistics(models, model, version).path("model_stats")) {
                JsonNode infer = s.path("inference_stats");
                b.addModelStats(ModelStatistics.newBuilder().setName(s.path("name").asText())
                        .setVersion(s.path("version").asText()).setLastInference(s.path("last_inference").asLong())
                        .setInferenceCount(s.path("inference_count").asLong())
                        .setExecutionCount(s.path("execution_count").asLong())
                        .setInferenceStats(InferStatistics.newBuilder().setSuccess(duration(infer.path("success")))
                                .setFail(duration(infer.path("fail"))).setCacheHit(duration(infer.path("cache_hit")))
                                .setCacheMiss(duration(infer.path("cache_miss")))));
            }
            return b.build();
        });
    }

    private static StatisticDuration duration(JsonNode node) {
        return StatisticDuration.newBuilder().setCount(node.path("count").asLong()).setNs(node.path("ns").asLong())
                .build();
    }

    private static ModelPath path(String model, String version, String action) throws ApiException {
        if (model.isEmpty()) {
            throw ApiException.badRequest("a model name is required");
        }
        if (version.isEmpty()) {
            return new ModelPath(model, VersionSelector.LATEST, action);
        }
        if (!version.matches("\\d{1,18}")) {
            throw ApiException.badRequest("version must be a non-negative integer, got '" + version + "'");
        }
        return new ModelPath(model, new VersionSelector.Exact(Long.parseLong(version)), action);
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
            input.set("data", raw
                    ? TensorBytes.decode(in.getDatatype(), request.getRawInputContents(k).toByteArray(), tensor)
                    : contents(in.getDatatype(), in.getContents(), tensor));
        }
        ArrayNode outputs = body.putArray("outputs");
        request.getOutputsList().forEach(o -> outputs.addObject().put("name", o.getName()));
        if (outputs.isEmpty()) {
            body.remove("outputs");
        }
        return body;
    }

    private static ArrayNode contents(String datatype, InferTensorContents c, String tensor) throws ApiException {
        ArrayNode data = Json.MAPPER.createArrayNode();
        switch (datatype) {
            case "FP32" -> c.getFp32ContentsList().forEach(data::add);
            case "FP64" -> c.getFp64ContentsList().forEach(data::add);
            case "INT8", "INT16", "INT32" -> c.getIntContentsList().forEach(data::add);
            case "INT64" -> c.getInt64ContentsList().forEach(data::add);
            case "UINT8", "UINT16", "UINT32" -> c.getUintContentsList().forEach(v -> data.add(Integer.toUnsignedLong(v)));
            case "UINT64" -> c.getUint64ContentsList().forEach(v ->
                    data.add(new java.math.BigInteger(Long.toUnsignedString(v))));
            case "BYTES" -> c.getBytesContentsList().forEach(v -> data.add(v.toStringUtf8()));
            default -> throw ApiException.badRequest(tensor + ": datatype '" + datatype + "' is not supported"
                    + " (supported: " + String.join(", ", new java.util.TreeSet<>(TensorBytes.READABLE)) + ")");
        }
        return data;
    }
}
