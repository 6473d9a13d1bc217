"""Load and unload (the repository extension) with tritonclient over HTTP and gRPC, behind the admin token
that scripts/test-clients.sh wrote to a 0600 file and enabled in tests/clients/service.yaml."""
import os

import grpc
import pytest
import tritonclient.grpc as grpcclient
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from conftest import ROWS, check_scores

MODEL = "risk_heavy"


@pytest.fixture(scope="module")
def token():
    with open(os.environ["SERVICE_ADMIN_TOKEN_FILE"]) as f:
        return f.read().strip()


def infer_http(client):
    tensor = httpclient.InferInput("features", list(ROWS.shape), "FP32")
    tensor.set_data_from_numpy(ROWS)
    return client.infer(MODEL, [tensor]).as_numpy("probability")


def test_http_load_and_unload_with_the_admin_token(http_url, token):
    client = httpclient.InferenceServerClient(http_url)
    assert "model_repository(load_unload)" in client.get_server_metadata()["extensions"]
    admin = {"Authorization": f"Bearer {token}"}

    client.unload_model(MODEL, headers=admin)
    assert not client.is_model_ready(MODEL)
    with pytest.raises(InferenceServerException) as gone:
        infer_http(client)
    assert gone.value.status() == "404" and "unloaded" in str(gone.value)
    index = {m["name"]: m for m in client.get_model_repository_index() if m["name"] == MODEL}
    assert index[MODEL]["state"] == "UNAVAILABLE" and index[MODEL]["reason"] == "unloaded"
    assert client.is_server_ready()

    client.load_model(MODEL, headers=admin)
    assert client.is_model_ready(MODEL)
    check_scores(infer_http(client))


def test_http_calls_without_the_right_token_are_refused(http_url, token):
    client = httpclient.InferenceServerClient(http_url)
    with pytest.raises(InferenceServerException) as missing:
        client.unload_model(MODEL)
    assert missing.value.status() == "401"
    with pytest.raises(InferenceServerException) as wrong:
        client.unload_model(MODEL, headers={"Authorization": "Bearer not-" + token})
    assert wrong.value.status() == "403"
    assert client.is_model_ready(MODEL)


def test_grpc_load_and_unload_with_the_admin_token(grpc_url, token):
    client = grpcclient.InferenceServerClient(grpc_url)
    with pytest.raises(InferenceServerException) as missing:
        client.unload_model(MODEL)
    assert missing.value.status() == str(grpc.StatusCode.UNAUTHENTICATED)
    with pytest.raises(InferenceServerException) as wrong:
        client.unload_model(MODEL, headers={"authorization": "Bearer not-" + token})
    assert wrong.value.status() == str(grpc.StatusCode.PERMISSION_DENIED)
    assert client.is_model_ready(MODEL)

    admin = {"authorization": f"Bearer {token}"}
    client.unload_model(MODEL, headers=admin)
    assert not client.is_model_ready(MODEL)
    tensor = grpcclient.InferInput("features", list(ROWS.shape), "FP32")
    tensor.set_data_from_numpy(ROWS)
    with pytest.raises(InferenceServerException) as gone:
        client.infer(MODEL, [tensor])
    assert gone.value.status() == str(grpc.StatusCode.NOT_FOUND)
    client.load_model(MODEL, headers=admin)
    assert client.is_model_ready(MODEL)
    check_scores(client.infer(MODEL, [tensor]).as_numpy("probability"))
