"""The `risk` pipeline (risk_pipeline.py) served by KServe's Python model server on OIP v2.

A custom kserve.Model, as KServe documents for a Python model: loads the pickled pipeline and answers
`probability` [n, 1] FP32, the service's output. Usage:
python kserve_risk.py --model_dir DIR --http_port P --grpc_port G (plus any kserve.ModelServer option)
"""
import argparse
import os
import uuid

import joblib
import numpy as np
from kserve import InferOutput, InferRequest, InferResponse, Model, ModelServer, model_server


class RiskModel(Model):
    def __init__(self, name, model_dir):
        super().__init__(name)
        self.model_dir = model_dir
        self.pipeline = None

    def load(self):
        self.pipeline = joblib.load(os.path.join(self.model_dir, "model.joblib"))
        self.ready = True
        return self.ready

    async def predict(self, payload: InferRequest, headers=None, response_headers=None):
        rows = payload.inputs[0].as_numpy()
        probability = self.pipeline.predict_proba(rows)[:, 1:].astype(np.float32)
        output = InferOutput(name="probability", shape=list(probability.shape), datatype="FP32")
        output.set_data_from_numpy(probability)
        return InferResponse(model_name=self.name, infer_outputs=[output], response_id=payload.id or str(uuid.uuid4()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(parents=[model_server.parser])
    parser.add_argument("--model_dir", required=True)
    args, _ = parser.parse_known_args()
    model = RiskModel("risk", args.model_dir)
    model.load()
    ModelServer().start([model])
