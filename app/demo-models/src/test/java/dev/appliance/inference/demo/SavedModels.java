package dev.appliance.inference.demo;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/** Loads a version folder through DJL exactly as the service does and runs it. */
final class SavedModels implements AutoCloseable {

    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;

    private SavedModels(ZooModel<NDList, NDList> model) {
        this.model = model;
        this.predictor = model.newPredictor();
    }

    static SavedModels load(Path versionDir) throws IOException, ModelNotFoundException, MalformedModelException {
        return new SavedModels(Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(versionDir)
                .optEngine("TensorFlow")
                .optOption("Tags", "serve")
                .optOption("SignatureDefKey", "serving_default")
                .build()
                .loadModel());
    }

    /** One probability per row; fails unless the output is float32 {@code [n, 1]}. */
    float[] predict(float[]... rows) throws TranslateException {
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDList out = predictor.predict(new NDList(manager.create(rows)));
            NDArray probability = out.singletonOrThrow();
            long[] shape = probability.getShape().getShape();
            if (!Arrays.equals(shape, new long[] {rows.length, 1})
                    || probability.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32) {
                throw new AssertionError("expected float32 [" + rows.length + ", 1], got " + probability.getDataType()
                        + " " + probability.getShape());
            }
            return probability.toFloatArray();
        }
    }

    @Override
    public void close() {
        predictor.close();
        model.close();
    }
}
