"""Canary steering of risk (tests/clients/service.yaml: 30 % canary, sticky by entity id)."""
import json
import math
import urllib.request

import grpc
import pytest
import tritonclient.grpc as grpcclient

from conftest import ROWS

N = 400
WEIGHT = 0.30


def predict(http_url, headers=None):
    body = json.dumps({"instances": ROWS.tolist()}).encode()
    request = urllib.request.Request(f"http://{http_url}/v1/models/risk:predict", body, headers or {})
    with urllib.request.urlopen(request) as response:
        return response.headers["X-Model-Version"]


def within_tolerance(canary, n):
    """Within four standard deviations of the configured share: a false alarm about once in 15,000 runs."""
    sigma = math.sqrt(n * WEIGHT * (1 - WEIGHT))
    return abs(canary - n * WEIGHT) <= 4 * sigma


def metric(http_url, version):
    text = urllib.request.urlopen(f"http://{http_url}/observe/metrics").read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("inference_requests_total{") and 'model="risk"' in line
               and f'version="{version}"' in line and 'route="v1"' in line)


def test_unpinned_requests_split_by_the_canary_weight(http_url):
    before = metric(http_url, "2")
    versions = [predict(http_url) for _ in range(N)]
    canary = versions.count("2")
    assert versions.count("1") + canary == N
    assert within_tolerance(canary, N), f"{canary} of {N} went to the canary"
    assert metric(http_url, "2") - before == canary


def test_sticky_assignment_keeps_an_entity_on_one_side(http_url):
    sides = {f"u-{i}": predict(http_url, {"X-Entity-Id": f"u-{i}"}) for i in range(N)}
    assert all(predict(http_url, {"X-Entity-Id": entity}) == side for entity, side in list(sides.items())[:40])
    assert within_tolerance(list(sides.values()).count("2"), N)


def test_a_header_pins_a_version_or_a_label(http_url):
    assert {predict(http_url, {"X-Model-Version": "2"}) for _ in range(20)} == {"2"}
    assert {predict(http_url, {"X-Model-Label": "stable"}) for _ in range(20)} == {"1"}


def test_grpc_calls_are_steered_and_pinned_the_same_way(grpc_url):
    client = grpcclient.InferenceServerClient(grpc_url)
    tensor = grpcclient.InferInput("features", list(ROWS.shape), "FP32")
    tensor.set_data_from_numpy(ROWS)
    versions = [client.infer("risk", [tensor]).get_response().model_version for _ in range(N)]
    assert within_tolerance(versions.count("2"), N)
    pinned = {client.infer("risk", [tensor], headers={"x-model-label": "canary"}).get_response().model_version
              for _ in range(20)}
    assert pinned == {"2"}
    side = {client.infer("risk", [tensor], headers={"x-entity-id": "u-17"}).get_response().model_version
            for _ in range(20)}
    assert len(side) == 1


def test_sticky_assignment_by_the_entity_id_in_the_body(http_url):
    """The entity key as a BYTES input (per-feature form) places a request as X-Entity-Id does."""
    import numpy as np
    import tritonclient.http as httpclient
    client = httpclient.InferenceServerClient(http_url)
    names = ["amount", "merchant_category", "hour", "account_age_days", "recent_amount_mean", "recent_amount_zscore"]

    def by_body(entity):
        inputs = [httpclient.InferInput("user_id", [1], "BYTES")]
        inputs[0].set_data_from_numpy(np.array([entity.encode()], dtype=np.object_))
        for name, value in zip(names, ROWS[0]):
            tensor = httpclient.InferInput(name, [1], "FP32")
            tensor.set_data_from_numpy(np.array([value], dtype=np.float32))
            inputs.append(tensor)
        return client.infer("risk", inputs).get_response()["model_version"]

    sides = {f"u-{i}": by_body(f"u-{i}") for i in range(60)}
    assert all(predict(http_url, {"X-Entity-Id": entity}) == side for entity, side in sides.items())
    assert set(sides.values()) == {"1", "2"}
