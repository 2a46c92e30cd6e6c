package io.jomed.retriever.encoding;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A loaded {@code NDList -> NDList} model with a pool of predictors, one per concurrent call, since a DJL
 * {@link Predictor} is not thread-safe. Owns the model and its predictors: close it.
 *
 * <p>Instances are thread-safe, except that {@link #close()} must not run concurrently with a call.
 */
final class PredictorPool implements AutoCloseable {
    private final ZooModel<NDList, NDList> model;
    private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> idle = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> all = new ConcurrentLinkedQueue<>();

    PredictorPool(ZooModel<NDList, NDList> model) {
        this.model = Objects.requireNonNull(model, "model");
    }

    /**
     * Loads a TorchScript file on the PyTorch engine's default device.
     *
     * @throws IllegalArgumentException naming the file if it cannot be loaded
     * @throws UncheckedIOException naming the file if it cannot be read
     */
    static PredictorPool loadTorchScript(Path file) {
        try {
            Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                    .optModelPath(file.toAbsolutePath()).optEngine("PyTorch").build();
            return new PredictorPool(criteria.loadModel());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read TorchScript model: " + e.getMessage(), e);
        } catch (ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": cannot load TorchScript model: " + e.getMessage(), e);
        }
    }

    /** A new sub-manager of the model's manager, for one call's arrays; the caller closes it. */
    NDManager newSubManager() {
        return model.getNDManager().newSubManager();
    }

    /** Runs the model on a pooled predictor. */
    NDList predict(NDList inputs) throws TranslateException {
        Predictor<NDList, NDList> predictor = idle.poll();
        if (predictor == null) {
            predictor = model.newPredictor();
            all.add(predictor);
        }
        try {
            return predictor.predict(inputs);
        } finally {
            idle.offer(predictor);
        }
    }

    @Override
    public void close() {
        for (Predictor<NDList, NDList> p : all) {
            p.close();
        }
        all.clear();
        idle.clear();
        model.close();
    }
}
