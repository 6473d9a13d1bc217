"""TensorFlow Serving's own Python API (tensorflow-serving-api) over gRPC."""
import grpc
import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import (get_model_metadata_pb2, get_model_status_pb2, model_service_pb2_grpc,
                                     predict_pb2, prediction_service_pb2_grpc)

from conftest import ROWS, check_scores

FEATURES = ["amount", "merchant_category", "hour", "account_age_days", "recent_amount_mean", "recent_amount_zscore"]


@pytest.fixture(scope="module")
def channel(grpc_url):
    with grpc.insecure_channel(grpc_url) as channel:
        yield channel


def predict(channel, inputs, version=None, label=None):
    request = predict_pb2.PredictRequest()
    request.model_spec.name = "risk"
    if version is not None:
        request.model_spec.version.value = version
    if label is not None:
        request.model_spec.version_label = label
    for name, value in inputs.items():
        request.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    return prediction_service_pb2_grpc.PredictionServiceStub(channel).Predict(request, timeout=10)


def test_predict_with_the_input_tensor(channel):
    response = predict(channel, {"features": ROWS}, version=2)
    assert response.model_spec.version.value == 2
    check_scores(tf.make_ndarray(response.outputs["probability"]))


def test_predict_with_one_tensor_per_feature_and_a_label(channel):
    columns = {name: ROWS[:, j] for j, name in enumerate(FEATURES)}
    by_label = predict(channel, columns, label="stable")
    assert by_label.model_spec.version.value == 1
    by_tensor = predict(channel, {"features": ROWS}, version=1)
    np.testing.assert_allclose(tf.make_ndarray(by_label.outputs["probability"]),
                               tf.make_ndarray(by_tensor.outputs["probability"]), rtol=1e-6)


def test_metadata_and_status(channel):
    request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
    request.model_spec.name = "risk"
    response = prediction_service_pb2_grpc.PredictionServiceStub(channel).GetModelMetadata(request, timeout=10)
    signatures = get_model_metadata_pb2.SignatureDefMap()
    response.metadata["signature_def"].Unpack(signatures)
    signature = next(iter(signatures.signature_def.values()))
    assert signature.inputs["features"].dtype == tf.float32.as_datatype_enum
    assert [d.size for d in signature.inputs["features"].tensor_shape.dim] == [-1, 6]

    status = get_model_status_pb2.GetModelStatusRequest()
    status.model_spec.name = "risk"
    versions = model_service_pb2_grpc.ModelServiceStub(channel).GetModelStatus(status, timeout=10)
    assert {(v.version, v.state) for v in versions.model_version_status} == {(1, 30), (2, 30)}


def test_errors_map_to_grpc_status_codes(channel):
    with pytest.raises(grpc.RpcError) as unknown_version:
        predict(channel, {"features": ROWS}, version=9)
    assert unknown_version.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as missing_feature:
        predict(channel, {"amount": ROWS[:, 0]}, version=1)
    assert missing_feature.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "merchant_category" in missing_feature.value.details()
    with pytest.raises(grpc.RpcError) as wrong_dtype:
        predict(channel, {"features": ROWS.astype(np.float16)}, version=1)
    assert wrong_dtype.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "DT_HALF" in wrong_dtype.value.details()
