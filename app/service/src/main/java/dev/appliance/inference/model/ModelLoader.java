package dev.appliance.inference.model;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.util.PairList;
import dev.appliance.inference.lifecycle.Scheduler;
import dev.appliance.inference.model.ModelRejectedException.Reason;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.tensorflow.proto.framework.ConfigProto;

/** Turns a version folder into a {@link ServedVersion}: verify, load into TensorFlow, check, warm up. */
final class ModelLoader {

    private final ModelVerifier verifier;
    private final ModelSettings settings;
    private final ModelEvents events;
    private final Scheduler scheduler;

    ModelLoader(ModelSettings settings, ModelEvents events, Scheduler scheduler) {
        this.verifier = new ModelVerifier(settings.signingKey());
        this.settings = settings;
        this.events = events;
        this.scheduler = scheduler;
    }

    ServedVersion load(Path versionDir, String name, long version) throws ModelRejectedException {
        Manifest manifest = verifier.verify(versionDir, name, version);
        ZooModel<NDList, NDList> model = loadSavedModel(versionDir, manifest, settings.engineThreads());
        List<Predictor<NDList, NDList>> predictors = new ArrayList<>();
        try {
            checkSignature(model, manifest);
            for (int i = 0; i < settings.predictorsPerVersion(); i++) {
                predictors.add(model.newPredictor());
            }
            ServedVersion served = new ServedVersion(
                    manifest, model, predictors, settings.batching(), settings.queue(), events, scheduler);
            try {
                served.warmUp();
            } catch (TranslateException | RuntimeException e) {
                throw new ModelRejectedException(Reason.WARMUP, "warm-up inference failed: " + e.getMessage(), e);
            }
            return served;
        } catch (ModelRejectedException | RuntimeException e) {
            predictors.forEach(Predictor::close);
            model.close();
            throw e;
        }
    }

    private static ZooModel<NDList, NDList> loadSavedModel(Path versionDir, Manifest manifest, int engineThreads)
            throws ModelRejectedException {
        // TensorFlow's own pools default to a thread per core each; for small models on few cores their
        // hand-offs and spinning cost more than the parallelism gains.
        ConfigProto session = ConfigProto.newBuilder()
                .setInterOpParallelismThreads(engineThreads)
                .setIntraOpParallelismThreads(engineThreads)
                .build();
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(versionDir)
                .optEngine("TensorFlow")
                .optOption("Tags", "serve")
                .optOption("SignatureDefKey", manifest.signatureName())
                .optOption("ConfigProto", Base64.getEncoder().encodeToString(session.toByteArray()))
                .build();
        try {
            return criteria.loadModel();
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw new ModelRejectedException(
                    Reason.LOAD, "TensorFlow cannot load the SavedModel: " + e.getMessage(), e);
        }
    }

    /** The SavedModel's signature must take one input of the manifest's name and width. */
    private static void checkSignature(ZooModel<NDList, NDList> model, Manifest manifest)
            throws ModelRejectedException {
        PairList<String, Shape> inputs = model.getBlock().describeInput();
        if (inputs.size() != 1
                || !inputs.get(0).getKey().equals(manifest.input().name())) {
            throw new ModelRejectedException(
                    Reason.LOAD,
                    "signature '" + manifest.signatureName() + "' has inputs " + inputs.keys()
                            + ", manifest.json expects ['" + manifest.input().name() + "']");
        }
        Shape shape = inputs.get(0).getValue();
        long width = shape.dimension() == 2 ? shape.get(1) : -2;
        if (width != manifest.features().size()) {
            throw new ModelRejectedException(
                    Reason.LOAD,
                    "input '" + manifest.input().name() + "' has shape " + shape + ", manifest.json lists "
                            + manifest.features().size() + " features");
        }
    }

    static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
