"""Shared settings of the client tests: where scripts/test-clients.sh started the service."""
import os

import numpy as np
import pytest

# Two demo transactions in the models' feature order (amount, merchant_category, hour, account_age_days,
# recent_amount_mean, recent_amount_zscore): a risky one and a harmless one.
ROWS = np.array([[950, 7, 3, 2, 25, 8.5], [10, 1, 12, 900, 40, 0]], dtype=np.float32)


@pytest.fixture(scope="session")
def http_url():
    return os.environ["SERVICE_HTTP"]


@pytest.fixture(scope="session")
def grpc_url():
    return os.environ["SERVICE_GRPC"]


def check_scores(scores):
    """Probabilities of the two rows: one per row, the risky one high, the harmless one low."""
    scores = np.asarray(scores).reshape(-1)
    assert scores.shape == (2,)
    assert scores[0] > 0.5 > scores[1], scores
