package dev.appliance.inference.api;

import dev.appliance.inference.proto.tf.GetModelStatusRequest;
import dev.appliance.inference.proto.tf.GetModelStatusResponse;
import dev.appliance.inference.proto.tf.ModelServiceGrpc;
import dev.appliance.inference.proto.tf.ModelVersionStatus;
import dev.appliance.inference.proto.tf.StatusProto;
import io.grpc.stub.StreamObserver;

/** TF Serving's {@code tensorflow.serving.ModelService.GetModelStatus}: loaded versions and refused ones. */
final class TfModelGrpcService extends ModelServiceGrpc.ModelServiceImplBase {

    /** tensorflow.error.Code FAILED_PRECONDITION, as TF Serving reports a version that failed to load. */
    private static final int FAILED_PRECONDITION = 9;

    private final Models models;
    private final GrpcCalls calls;

    TfModelGrpcService(Models models, GrpcCalls calls) {
        this.models = models;
        this.calls = calls;
    }

    @Override
    public void getModelStatus(GetModelStatusRequest request, StreamObserver<GetModelStatusResponse> observer) {
        calls.unary("grpc_tf_status", observer, (tags, reply) -> {
            ModelPath path = TfServingGrpcService.path(request.getModelSpec(), "status");
            GetModelStatusResponse.Builder b = GetModelStatusResponse.newBuilder();
            for (Models.VersionStatus v : models.statuses(path, tags)) {
                b.addModelVersionStatus(
                        v.refusal() == null
                                ? ModelVersionStatus.newBuilder()
                                        .setVersion(v.version())
                                        .setState(ModelVersionStatus.State.AVAILABLE)
                                        .setStatus(StatusProto.getDefaultInstance())
                                : ModelVersionStatus.newBuilder()
                                        .setVersion(v.version())
                                        .setState(ModelVersionStatus.State.END)
                                        .setStatus(StatusProto.newBuilder()
                                                .setErrorCode(FAILED_PRECONDITION)
                                                .setErrorMessage(v.refusal())));
            }
            return b.build();
        });
    }
}
