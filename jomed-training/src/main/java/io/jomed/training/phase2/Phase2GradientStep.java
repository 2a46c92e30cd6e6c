package io.jomed.training.phase2;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.jomed.reader.training.AdamW;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.NativeCopies;
import io.jomed.retriever.image.ImageInputSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gradient part of one phase-2 step (method.md §2.5-2.9), as {@link Phase2RetrieverTraining} runs it: the
 * trainable tower {@code theta} embeds the step's {@code B} query images with gradients recorded, the query
 * embedding is the mixture {@code e = alpha theta(x) + (1 - alpha) f0(x)} (the {@code f0} rows are given), the
 * retriever scores are {@code s = keys[b, K, d] . e}, the target {@code Q} and the loss come from a
 * {@link KlRetrieverLoss}; then backward (of the loss times the loss scale), global L2 clipping of the unscaled
 * gradients and an {@link AdamW} update, applied only when the loss and the gradient norm are finite. The
 * gradients are cleared afterwards, whether the step succeeded or not, and every array of the step lives in a
 * sub-manager closed before {@link #apply} returns.
 *
 * <p>The reader's supervision scores {@code g}, the query weights and the candidates' keys are inputs: the caller
 * computes them (the trainer from its search and its reader scores, a benchmark from fixed rows).
 *
 * <p>Not thread-safe: it updates {@code theta}'s parameters and the optimizer's moments; use it from one thread
 * and do not run other forward passes of {@code theta} during {@link #apply}. It owns neither the tower nor the
 * optimizer.
 */
public final class Phase2GradientStep {
    private static final Logger LOG = LoggerFactory.getLogger(Phase2GradientStep.class);

    private final ImageTower theta;
    private final AdamW optimizer;
    private final KlRetrieverLoss loss;
    private final double alpha;
    private final float lossScale;
    private final float gradientClipNorm;
    private final boolean trainingMode;

    /**
     * @param theta the trainable tower; its trainable parameters must already record gradients
     * @param optimizer the optimizer over {@code theta}'s trainable parameters
     * @param loss the step's loss
     * @param alpha weight of the learned term, in (0, 1]
     * @param lossScale factor of the loss before backward (the gradient norm is reported unscaled), positive and
     *     finite
     * @param gradientClipNorm the largest global L2 norm of the unscaled gradients, 0 for no clipping
     * @param trainingMode whether {@code theta} runs in training mode (batch normalisation on batch statistics)
     * @throws NullPointerException if {@code theta}, {@code optimizer} or {@code loss} is null
     * @throws IllegalArgumentException naming the value if {@code alpha}, {@code lossScale} or
     *     {@code gradientClipNorm} is out of range
     */
    public Phase2GradientStep(ImageTower theta, AdamW optimizer, KlRetrieverLoss loss, double alpha, float lossScale,
            float gradientClipNorm, boolean trainingMode) {
        this.theta = Objects.requireNonNull(theta, "theta");
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.loss = Objects.requireNonNull(loss, "loss");
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha (weight of the learned term) must be in (0, 1], got " + alpha);
        }
        if (!(lossScale > 0f) || Float.isInfinite(lossScale)) {
            throw new IllegalArgumentException("loss scale must be positive and finite, got " + lossScale);
        }
        if (!(gradientClipNorm >= 0f) || Float.isInfinite(gradientClipNorm)) {
            throw new IllegalArgumentException("gradient clip norm must be finite and non-negative (0: no clipping), got "
                    + gradientClipNorm);
        }
        this.alpha = alpha;
        this.lossScale = lossScale;
        this.gradientClipNorm = gradientClipNorm;
        this.trainingMode = trainingMode;
    }

    /**
     * The step of a phase-2 configuration: its {@code alpha}, loss scale and clipping norm.
     *
     * @param loss the stage's loss (it may differ from {@link KlRetrieverLoss#of(Phase2Settings)}, see the trainer)
     */
    public static Phase2GradientStep of(ImageTower theta, AdamW optimizer, KlRetrieverLoss loss, Phase2Settings settings,
            boolean trainingMode) {
        Objects.requireNonNull(settings, "settings");
        return new Phase2GradientStep(theta, optimizer, loss, settings.alpha(), settings.lossScale(),
                settings.gradientClipNorm(), trainingMode);
    }

    /**
     * What one {@link #apply} did.
     *
     * @param loss the unscaled loss value (in double arithmetic, from the detached scores)
     * @param gradientNorm the unscaled global gradient norm before clipping
     * @param applied whether the optimizer updated {@code theta} (both values finite)
     */
    public record Outcome(double loss, double gradientNorm, boolean applied) {
    }

    /** The attempts {@link #applyRecomputing} makes at one step. */
    public static final int MAX_ATTEMPTS = 3;

    /**
     * What {@link #applyRecomputing} did.
     *
     * @param loss the unscaled loss value of the applied attempt
     * @param gradientNorm its unscaled global gradient norm before clipping
     * @param recomputations how many attempts before it came back with non-finite gradients
     */
    public record AppliedStep(double loss, double gradientNorm, int recomputations) {
    }

    /**
     * {@link #apply}, computed again (at most {@value #MAX_ATTEMPTS} attempts) while the loss is finite but the
     * gradients come back non-finite; such a step is recomputed, never applied. (They came from scalar factors that DJL
     * kept in freed Java memory, fixed with {@link NativeCopies#multiply}; the check stays as a guard against any other
     * source.)
     *
     * @param step names the step in messages, for example {@code "step 12 of the IMAGE stage"}
     * @throws IllegalStateException naming the step if the loss is not finite or no attempt could be applied
     */
    public AppliedStep applyRecomputing(float[] images, float[] f0Rows, float[] keys, double[][] g, double[] weights,
            float learningRate, String step) {
        Objects.requireNonNull(step, "step");
        for (int attempt = 1; ; attempt++) {
            Outcome outcome = apply(images, f0Rows, keys, g, weights, learningRate);
            if (outcome.applied()) {
                return new AppliedStep(outcome.loss(), outcome.gradientNorm(), attempt - 1);
            }
            if (!Double.isFinite(outcome.loss()) || attempt == MAX_ATTEMPTS) {
                throw new IllegalStateException("phase-2 loss " + outcome.loss() + ", gradient norm " + outcome.gradientNorm()
                        + " at " + step + " after " + attempt + " attempts; lower the learning rate");
            }
            LOG.warn("phase 2: non-finite gradients at {}; recomputing the step", step);
        }
    }

    /**
     * One forward, backward, clipping and (when the loss and gradient norm are finite) optimizer update.
     *
     * @param images the {@code B} query images as {@code theta}'s input {@code [B, C, H, W]}, flattened
     * @param f0Rows the frozen {@code f0} embeddings of the queries {@code [B, d]}, flattened
     * @param keys the candidates' keys {@code [B, K, d]}, flattened
     * @param g the supervision scores {@code [B][K]}
     * @param weights the query weights {@code w(x)}, {@code B} of them
     * @param learningRate this step's learning rate, finite and non-negative
     * @throws IllegalArgumentException naming the input whose size does not match {@code B}, {@code K} and the tower
     */
    public Outcome apply(float[] images, float[] f0Rows, float[] keys, double[][] g, double[] weights, float learningRate) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(f0Rows, "f0Rows");
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(g, "g");
        Objects.requireNonNull(weights, "weights");
        int b = g.length;
        if (b == 0) {
            throw new IllegalArgumentException("a phase-2 step needs at least one query, got 0 rows of supervision scores");
        }
        int k = g[0].length;
        for (int i = 1; i < b; i++) {
            if (g[i].length != k) {
                throw new IllegalArgumentException("supervision scores: row 0 has " + k + " candidates, row " + i + " has "
                        + g[i].length);
            }
        }
        int d = theta.dimension();
        ImageInputSpec spec = theta.config().inputSpec();
        long perImage = (long) spec.channels() * spec.height() * spec.width();
        requireLength("images", images.length, b * perImage, b + " images of " + spec.channels() + "x" + spec.height()
                + "x" + spec.width());
        requireLength("f0Rows", f0Rows.length, (long) b * d, b + " rows of " + d);
        requireLength("keys", keys.length, (long) b * k * d, b + " x " + k + " keys of " + d);
        if (weights.length != b) {
            throw new IllegalArgumentException("weights has " + weights.length + " entries, expected one per query: " + b);
        }
        if (!(learningRate >= 0f) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be finite and non-negative, got " + learningRate);
        }
        double lossValue;
        double gradientNorm;
        boolean applied = false;
        try (NDManager scope = theta.manager().newSubManager()) {
            NDArray imageArray = NativeCopies.floats(scope, images, new Shape(b, spec.channels(), spec.height(), spec.width()));
            NDArray f0Array = NativeCopies.floats(scope, f0Rows, new Shape(b, d));
            NDArray keyArray = NativeCopies.floats(scope, keys, new Shape(b, k, d));
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray learned = theta.forward(imageArray, trainingMode);
                NDArray e = NativeCopies.multiply(learned, alpha).add(NativeCopies.multiply(f0Array, 1 - alpha));
                NDArray scores = keyArray.mul(e.expandDims(1)).sum(new int[] {2});
                double[][] s = toRows(scores.toFloatArray(), b, k);
                double[][] q = loss.target(g, s);
                lossValue = loss.lossValue(s, q, weights);
                NDArray l = loss.loss(scores, q, weights);
                collector.backward(lossScale == 1f ? l : NativeCopies.multiply(l, lossScale));
            }
            gradientNorm = clip(scope);
            if (Double.isFinite(gradientNorm) && Double.isFinite(lossValue)) {
                optimizer.step(learningRate);
                applied = true;
            }
        } finally {
            for (Parameter p : theta.parameters()) {
                if (p.getArray().hasGradient()) {
                    JniUtils.zeroGrad((PtNDArray) p.getArray());
                }
            }
        }
        return new Outcome(lossValue, gradientNorm, applied);
    }

    /**
     * Global L2 clipping of the unscaled gradients (switch 7).
     *
     * @return the unscaled global gradient norm before clipping
     */
    private double clip(NDManager scope) {
        List<NDArray> grads = new ArrayList<>();
        double squares = 0;
        List<String> nonFinite = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : theta.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (p.getArray().hasGradient()) {
                NDArray grad = p.getArray().getGradient();
                grad.attach(scope);
                grads.add(grad);
                NDArray sq = grad.square().sum();
                double v = sq.getFloat();
                sq.close();
                if (!Double.isFinite(v)) {
                    nonFinite.add(e.getKey());
                }
                squares += v;
            }
        }
        if (!nonFinite.isEmpty()) {
            LOG.warn("phase 2: non-finite gradients in {}", nonFinite);
        }
        double norm = Math.sqrt(squares) / lossScale;
        if (gradientClipNorm > 0 && norm > gradientClipNorm) {
            float factor = (float) (gradientClipNorm / (norm + 1e-6));
            for (NDArray grad : grads) {
                grad.muli(factor);
            }
        }
        return norm;
    }

    private static void requireLength(String name, int actual, long expected, String what) {
        if (actual != expected) {
            throw new IllegalArgumentException(name + " has " + actual + " values, expected " + expected + " (" + what + ")");
        }
    }

    private static double[][] toRows(float[] flat, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i][j] = flat[i * cols + j];
            }
        }
        return out;
    }
}
