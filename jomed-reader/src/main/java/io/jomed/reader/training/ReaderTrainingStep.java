package io.jomed.reader.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.reading.ReaderInput;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.reader.classifier.ParameterSnapshot;
import io.jomed.reader.input.EncodedReaderInputs;
import io.jomed.reader.input.ReaderInputEncoder;
import io.jomed.retriever.image.ImageAugmentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link ClassifierReaderModel} one batch at a time: given (reader input, gold label index) pairs
 * it runs the model in training mode (dropout on), computes the mean cross-entropy of the label logits,
 * back-propagates with DJL's {@link GradientCollector} and updates every parameter with {@link AdamW}.
 * Each step runs in its own sub-manager, closed before the step returns, and clears the gradients
 * afterwards. The learning rate is given per step so the caller owns the schedule. A step whose loss or gradients
 * are not finite is never applied: the batch is computed again, up to 3 times, before the step fails. (Such steps
 * came from scalar factors that DJL kept in freed Java memory, fixed with
 * {@link io.jomed.retriever.encoding.NativeCopies#multiply}; the check stays as a guard against any other source.)
 *
 * <p>Parameter snapshots ({@link #snapshotParameters()}, {@link #restoreParameters(ParameterSnapshot)})
 * serve best-on-validation selection; {@link #optimizerState()} and {@link #restoreOptimizerState} serve
 * checkpoint and resume. Readers over the same model may score between steps (they run in inference mode),
 * not during one.
 *
 * <p>Not thread-safe. Owns the optimizer (closed with it), not the model or the text encoder.
 */
public final class ReaderTrainingStep implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReaderTrainingStep.class);
    /** Forward and backward passes tried per batch before a non-finite gradient fails the step. */
    private static final int MAX_ATTEMPTS = 3;
    private final ClassifierReaderModel model;
    private final ReaderInputEncoder inputEncoder;
    private final AdamW optimizer;
    private final ImageAugmentation augmentation;
    private final Random random;

    private ReaderTrainingStep(Builder b) {
        this.model = b.model;
        this.augmentation = b.augmentation;
        this.random = new Random(b.seed);
        this.inputEncoder = model.newInputEncoder(b.textEncoder, b.textCacheSize);
        for (Parameter p : model.parameters()) {
            p.getArray().setRequiresGradient(true);
        }
        this.optimizer = AdamW.builder().setParameters(model.parameters()).optBetas(b.beta1, b.beta2)
                .optEpsilon(b.epsilon).optWeightDecay(b.weightDecay).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public ClassifierReaderModel model() {
        return model;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /**
     * One training step.
     *
     * @param inputs the batch (closed-book and with-context rows may mix)
     * @param goldLabels the gold class index of each input, in the model's label space
     * @param learningRate this step's learning rate
     * @return the batch's mean cross-entropy before the update
     * @throws IllegalArgumentException if the sizes differ, the batch is empty or a label is outside the label space
     * @throws IllegalStateException if the loss or a gradient is non-finite in each of 3 forward and backward passes
     *     (the parameters and the optimizer are then unchanged)
     */
    public float step(List<ReaderInput> inputs, int[] goldLabels, float learningRate) {
        Objects.requireNonNull(inputs, "inputs");
        Objects.requireNonNull(goldLabels, "goldLabels");
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("training batch is empty");
        }
        if (inputs.size() != goldLabels.length) {
            throw new IllegalArgumentException("training batch has " + inputs.size() + " inputs but " + goldLabels.length
                    + " gold labels");
        }
        int classes = model.labelSpace().size();
        float[] oneHot = new float[inputs.size() * classes];
        for (int i = 0; i < goldLabels.length; i++) {
            if (goldLabels[i] < 0 || goldLabels[i] >= classes) {
                throw new IllegalArgumentException("gold label " + goldLabels[i] + " of training row " + i
                        + " is outside the label space of task " + model.labelSpace().name() + " (0.." + (classes - 1) + ": "
                        + model.labelSpace().labels() + ")");
            }
            oneHot[i * classes + goldLabels[i]] = 1f;
        }
        EncodedReaderInputs encoded = inputEncoder.encode(inputs).augmented(augmentation, random);
        for (int attempt = 1; ; attempt++) {
            float lossValue;
            List<String> nonFinite;
            try (NDManager scope = model.manager().newSubManager()) {
                NDList x = encoded.toCompactNDList(scope);
                NDArray target = scope.create(oneHot, new Shape(inputs.size(), classes));
                try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray logits = model.forward(x, true);
                    NDArray loss = logits.logSoftmax(-1).mul(target).sum(new int[] {1}).neg().mean();
                    collector.backward(loss);
                    lossValue = loss.getFloat();
                }
                nonFinite = nonFiniteGradients(scope);
                if (nonFinite.isEmpty() && Float.isFinite(lossValue)) {
                    optimizer.step(learningRate);
                    return lossValue;
                }
            } finally {
                for (Parameter p : model.parameters()) {
                    if (p.getArray().hasGradient()) {
                        JniUtils.zeroGrad((PtNDArray) p.getArray());
                    }
                }
            }
            if (attempt >= MAX_ATTEMPTS) {
                throw new IllegalStateException("training loss " + lossValue + ", non-finite gradients in " + nonFinite
                        + " at optimizer step " + (optimizer.stepCount() + 1) + " in " + MAX_ATTEMPTS
                        + " attempts; the parameters were left unchanged; lower the learning rate");
            }
            LOG.warn("reader training: loss {} and non-finite gradients in {} at optimizer step {}; skipped the update and "
                    + "recomputing the batch (attempt {} of {})", lossValue, nonFinite, optimizer.stepCount() + 1,
                    attempt + 1, MAX_ATTEMPTS);
        }
    }

    /**
     * The names of the parameters whose gradient holds a NaN, an infinity or a value whose square overflows float32
     * (an AdamW update from it would poison the weights for good).
     */
    private List<String> nonFiniteGradients(NDManager scope) {
        List<Parameter> params = model.parameters();
        NDList squares = new NDList(params.size());
        List<String> names = new ArrayList<>(params.size());
        for (Parameter p : params) {
            if (p.getArray().hasGradient()) {
                NDArray g = p.getArray().getGradient();
                g.attach(scope);
                squares.add(g.square().sum());
                names.add(p.getName());
            }
        }
        List<String> out = new ArrayList<>();
        if (squares.isEmpty()) {
            return out;
        }
        float[] values = NDArrays.stack(squares).toFloatArray();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                out.add(names.get(i));
            }
        }
        return out;
    }

    /** A copy of the current parameters (for best-on-validation selection). */
    public ParameterSnapshot snapshotParameters() {
        return model.snapshotParameters();
    }

    /** Puts parameters from a snapshot back. */
    public void restoreParameters(ParameterSnapshot snapshot) {
        model.restoreParameters(snapshot);
    }

    public AdamWState optimizerState() {
        return optimizer.state();
    }

    public void restoreOptimizerState(AdamWState state) {
        optimizer.restore(state);
    }

    @Override
    public void close() {
        optimizer.close();
    }

    /**
     * Builder for {@link ReaderTrainingStep}; not thread-safe. Model and text encoder are required; AdamW
     * defaults are {@code betas = (0.9, 0.999)}, {@code epsilon = 1e-8}, {@code weightDecay = 0.01}.
     */
    public static final class Builder {
        private ClassifierReaderModel model;
        private TextEncoder textEncoder;
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private float weightDecay = 0.01f;
        private long textCacheSize = 4096;
        private ImageAugmentation augmentation = ImageAugmentation.NONE;
        private long seed = 1;

        private Builder() {
        }

        public Builder setModel(ClassifierReaderModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        public Builder setTextEncoder(TextEncoder textEncoder) {
            this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
            return this;
        }

        public Builder optBetas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        public Builder optEpsilon(float epsilon) {
            this.epsilon = epsilon;
            return this;
        }

        public Builder optWeightDecay(float weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder optTextCacheSize(long size) {
            this.textCacheSize = size;
            return this;
        }

        /**
         * Random transformations of the query and case images of every training batch (each image independently,
         * after preprocessing); default {@link ImageAugmentation#NONE}.
         */
        public Builder optAugmentation(ImageAugmentation augmentation) {
            this.augmentation = Objects.requireNonNull(augmentation, "augmentation");
            return this;
        }

        /** Seed of the augmentation's random draws, default 1. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public ReaderTrainingStep build() {
            if (model == null) {
                throw new IllegalStateException("a model is required: call setModel");
            }
            if (textEncoder == null) {
                throw new IllegalStateException("a text encoder is required: call setTextEncoder");
            }
            return new ReaderTrainingStep(this);
        }
    }
}
