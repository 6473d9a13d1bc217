"""NVIDIA's tritonclient over gRPC (GRPCInferenceService, raw tensor contents)."""
import grpc
import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException

from conftest import ROWS, check_scores


@pytest.fixture(scope="module")
def client(grpc_url):
    return grpcclient.InferenceServerClient(grpc_url)


def features(rows=ROWS, datatype="FP32"):
    tensor = grpcclient.InferInput("features", list(rows.shape), datatype)
    tensor.set_data_from_numpy(rows)
    return tensor


def test_health_and_metadata(client):
    assert client.is_server_live() and client.is_server_ready() and client.is_model_ready("risk")
    assert "binary_tensor_data" in client.get_server_metadata().extensions
    metadata = client.get_model_metadata("risk")
    assert sorted(metadata.versions) == ["1", "2"]
    assert metadata.inputs[0].name == "features" and list(metadata.inputs[0].shape) == [-1, 6]


def test_infer_names_the_version_and_echoes_id(client):
    result = client.infer("risk", [features()], model_version="2", request_id="g-1")
    response = result.get_response()
    assert response.model_version == "2" and response.id == "g-1"
    check_scores(result.as_numpy("probability"))


def test_grpc_and_http_give_the_same_scores(client, http_url):
    import json
    import urllib.request
    body = json.dumps({"inputs": [{"name": "features", "shape": [2, 6], "datatype": "FP32",
                                   "data": ROWS.reshape(-1).tolist()}]}).encode()
    request = urllib.request.Request(f"http://{http_url}/v2/models/risk/versions/1/infer", body)
    over_http = json.load(urllib.request.urlopen(request))["outputs"][0]["data"]
    over_grpc = client.infer("risk", [features()], model_version="1").as_numpy("probability")
    np.testing.assert_allclose(over_grpc.reshape(-1), over_http, rtol=1e-6)


def test_errors_map_to_grpc_status_codes(client):
    with pytest.raises(InferenceServerException) as unknown:
        client.infer("nope", [features()])
    assert unknown.value.status() == str(grpc.StatusCode.NOT_FOUND)
    with pytest.raises(InferenceServerException) as bad_type:
        client.infer("risk", [features(ROWS.astype(np.float16), "FP16")])
    assert bad_type.value.status() == str(grpc.StatusCode.INVALID_ARGUMENT)
    assert "inputs[0] 'features'" in bad_type.value.message() and "FP16" in bad_type.value.message()
    with pytest.raises(InferenceServerException) as bad_shape:
        client.infer("risk", [features(ROWS[:, :5])])
    assert "shape must be [rows, 6]" in bad_shape.value.message()


def test_repository_index_and_statistics(client):
    names = {(m.name, m.version) for m in client.get_model_repository_index().models}
    assert {("risk", "1"), ("risk", "2"), ("risk_heavy", "1")} <= names
    client.infer("risk_heavy", [features()])
    stats = client.get_inference_statistics("risk_heavy").model_stats[0]
    assert stats.inference_stats.success.count >= 1 and stats.inference_count >= 2


def test_model_config_and_statistics(client):
    config = client.get_model_config("risk", "2").config
    assert config.name == "risk" and config.platform == "tensorflow_savedmodel" and config.max_batch_size > 0
    assert config.input[0].name == "features" and list(config.input[0].dims) == [6]
    assert grpcclient.model_config_pb2.DataType.Name(config.input[0].data_type) == "TYPE_FP32"
    assert config.output[0].name == "probability" and list(config.output[0].dims) == [1]
    assert "amount:float32" in config.parameters["features"].string_value
    stats = client.get_inference_statistics("risk", "2").model_stats
    assert len(stats) == 1 and stats[0].version == "2" and stats[0].inference_stats.success.count > 0
    index = {(m.name, m.version): m.state for m in client.get_model_repository_index().models}
    assert index[("risk", "2")] == "READY"
