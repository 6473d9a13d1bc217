package dev.appliance.inference.api;

import dev.appliance.inference.grpc.tf.GetModelStatusRequest;
import dev.appliance.inference.grpc.tf.GetModelStatusResponse;
import dev.appliance.inference.grpc.tf.ModelServiceGrpc;
import dev.appliance.inference.grpc.tf.ModelVersionStatus;
import dev.appliance.inference.grpc.tf.StatusProto;
import dev.appliance.inference.model.ModelState;
import dev.appliance.inference.model.VersionSelector;
import io.grpc.stub.StreamObserver;

/** TF Serving's {@code tensorflow.serving.ModelService.GetModelStatus}: loaded versions and refused ones. */
final class TfModelGrpcService extends ModelServiceGrpc.ModelServiceImplBase {

    /** tensorflow.error.Code FAILED_PRECONDITION, as TF Serving reports a version that failed to load. */
    private static final int FAILED_PRECONDITION = 9;

    private final Models models;
    private final Grpc calls;

    TfModelGrpcService(Models models, Grpc calls) {
        this.models = models;
        this.calls = calls;
    }

    @Override
    public void getModelStatus(GetModelStatusRequest request, StreamObserver<GetModelStatusResponse> observer) {
        calls.unary("grpc_tf_status", observer, (tags, reply) -> {
            ModelPath path = TfServingGrpcService.path(request.getModelSpec(), "status");
            ModelState state = models.state(path, tags);
            Long only = switch (path.selector()) {
                case VersionSelector.Exact exact -> exact.version();
                case VersionSelector.Label label -> {
                    Long v = state.labels().get(label.label());
                    if (v == null) {
                        throw ApiException.notFound("label '" + label.label() + "' is not defined for model '"
                                + state.name() + "' (defined: " + String.join(", ", state.labels().keySet()) + ")");
                    }
                    yield v;
                }
                case VersionSelector.Latest latest -> null;
            };
            GetModelStatusResponse.Builder b = GetModelStatusResponse.newBuilder();
            state.loaded().keySet().stream().filter(v -> only == null || v.equals(only))
                    .forEach(v -> b.addModelVersionStatus(ModelVersionStatus.newBuilder().setVersion(v)
                            .setState(ModelVersionStatus.State.AVAILABLE).setStatus(StatusProto.getDefaultInstance())));
            state.refused().entrySet().stream().filter(e -> only == null || e.getKey().equals(only))
                    .forEach(e -> b.addModelVersionStatus(ModelVersionStatus.newBuilder().setVersion(e.getKey())
                            .setState(ModelVersionStatus.State.END).setStatus(StatusProto.newBuilder()
                                    .setErrorCode(FAILED_PRECONDITION).setErrorMessage(e.getValue()))));
            if (only != null && b.getModelVersionStatusCount() == 0) {
                throw ApiException.notFound("version " + only + " of model '" + state.name()
                        + "' is not loaded (loaded: " + state.loaded().keySet() + ")");
            }
            return b.build();
        });
    }
}
