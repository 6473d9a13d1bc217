"""NVIDIA's tritonclient over HTTP at its default settings (binary tensor data both ways)."""
import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from conftest import ROWS, check_scores


@pytest.fixture(scope="module")
def client(http_url):
    return httpclient.InferenceServerClient(http_url)


def features(rows=ROWS, datatype="FP32"):
    tensor = httpclient.InferInput("features", list(rows.shape), datatype)
    tensor.set_data_from_numpy(rows)
    return tensor


def test_server_metadata_advertises_the_extensions(client):
    extensions = client.get_server_metadata()["extensions"]
    for name in ("binary_tensor_data", "model_repository", "statistics", "model_configuration"):
        assert name in extensions
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready("risk", "2")


def test_infer_with_default_settings_returns_binary_scores_and_echoes_id(client):
    result = client.infer("risk_heavy", [features()], request_id="req-7")
    response = result.get_response()
    assert response["id"] == "req-7"
    assert response["model_version"] == "1"
    assert response["outputs"][0]["parameters"]["binary_data_size"] == 8
    check_scores(result.as_numpy("probability"))


def test_requested_output_as_json_and_inputs_as_json_agree_with_binary(client):
    binary = client.infer("risk", [features()], model_version="2").as_numpy("probability")
    tensor = features()
    tensor.set_data_from_numpy(ROWS, binary_data=False)
    output = httpclient.InferRequestedOutput("probability", binary_data=False)
    result = client.infer("risk", [tensor], model_version="2", outputs=[output])
    assert "data" in result.get_response()["outputs"][0]
    np.testing.assert_allclose(result.as_numpy("probability"), binary, rtol=1e-6)


def test_other_numeric_datatypes_are_converted_to_the_signature(client):
    as_fp64 = client.infer("risk", [features(ROWS.astype(np.float64), "FP64")], model_version="1")
    as_fp32 = client.infer("risk", [features()], model_version="1")
    np.testing.assert_allclose(as_fp64.as_numpy("probability"), as_fp32.as_numpy("probability"), rtol=1e-6)


def test_unsupported_datatype_is_a_400_naming_tensor_and_datatype(client):
    with pytest.raises(InferenceServerException) as failure:
        client.infer("risk", [features(ROWS.astype(np.float16), "FP16")])
    assert "inputs[0] 'features'" in str(failure.value) and "'FP16' is not supported" in str(failure.value)
    assert failure.value.status() == "400"


def test_repository_index_statistics_and_config(client):
    index = {(m["name"], m["version"]): m["state"] for m in client.get_model_repository_index()}
    assert index[("risk", "1")] == index[("risk", "2")] == index[("risk_heavy", "1")] == "READY"

    before = client.get_inference_statistics("risk_heavy")["model_stats"][0]
    client.infer("risk_heavy", [features()])
    after = client.get_inference_statistics("risk_heavy")["model_stats"][0]
    assert after["inference_stats"]["success"]["count"] == before["inference_stats"]["success"]["count"] + 1
    assert after["inference_count"] == before["inference_count"] + 2

    config = client.get_model_config("risk", "2")
    assert config["input"][0] == {"name": "features", "data_type": "TYPE_FP32", "dims": [6]}
    assert config["output"][0]["dims"] == [1]


def test_unknown_model_is_a_404_saying_what_is_served(client):
    with pytest.raises(InferenceServerException) as failure:
        client.infer("nope", [features()])
    assert failure.value.status() == "404" and "served: " in str(failure.value)
