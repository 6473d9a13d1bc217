"""KServe's Python clients: InferenceRESTClient (v2 JSON) and InferenceGRPCClient."""
import asyncio

import pytest
from kserve import InferenceGRPCClient, InferenceRESTClient, InferInput, InferRequest
from kserve.inference_client import RESTConfig

from conftest import ROWS, check_scores


def request(model="risk_heavy"):
    tensor = InferInput(name="features", shape=list(ROWS.shape), datatype="FP32")
    tensor.set_data_from_numpy(ROWS, binary_data=False)
    return InferRequest(model_name=model, infer_inputs=[tensor], request_id="ks-1")


def test_rest_client_infers_over_v2(http_url):
    async def call():
        client = InferenceRESTClient(RESTConfig(protocol="v2"))
        try:
            return await client.infer(f"http://{http_url}", request(), model_name="risk_heavy")
        finally:
            await client.close()
    response = asyncio.run(call())
    assert response.model_name == "risk_heavy" and response.id == "ks-1"
    check_scores(response.outputs[0].as_numpy())


def test_grpc_client_infers_and_checks_readiness(grpc_url):
    async def call():
        client = InferenceGRPCClient(grpc_url)
        try:
            live = await client.is_server_live()
            ready = await client.is_model_ready("risk_heavy")
            response = await client.infer(request())
            return live, ready, response
        finally:
            await client.close()
    live, ready, response = asyncio.run(call())
    assert live and ready
    assert response.model_version == "1" and response.id == "ks-1"
    check_scores(response.outputs[0].as_numpy())
