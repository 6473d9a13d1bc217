package dev.appliance.bench;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The model-call limit: a bare loop of DJL predictor calls on one SavedModel, one {@code [1, 6]} row per
 * call (the shape of one request), loaded and called the way the service's ServedVersion does, one
 * predictor per thread. Options: {@code --model DIR --threads N --warmup S --seconds S}.
 */
final class DjlLoop {

    private static final int WIDTH = 6;

    private DjlLoop() {}

    static void run(Args args) throws Exception {
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(Path.of(args.string("model")))
                .optEngine("TensorFlow")
                .optOption("Tags", "serve")
                .optOption("SignatureDefKey", "serving_default")
                .build();
        int threads = args.integer("threads", 2);
        try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
            List<Predictor<NDList, NDList>> predictors = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                predictors.add(model.newPredictor());
            }
            Latencies.Operation call = (thread, counter) -> {
                float[] row = {100 + counter % 100_000, 7, 3, 2, 25, 8.5f};
                try (NDManager manager = model.getNDManager().newSubManager()) {
                    NDArray input = manager.create(row, new Shape(1, WIDTH));
                    input.setName("features");
                    NDList output = predictors.get(thread).predict(new NDList(input));
                    if (output.singletonOrThrow().toFloatArray().length != 1) {
                        throw new IllegalStateException("expected one probability");
                    }
                }
            };
            Latencies.measure(threads, args.decimal("warmup", 2), call);
            System.out.println(Latencies.measure(threads, args.decimal("seconds", 10), call)
                    .json());
            predictors.forEach(Predictor::close);
        }
    }
}
