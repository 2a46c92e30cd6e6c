package io.jomed.training.alignment;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.NativeCopies;
import io.jomed.retriever.image.ImageAugmentation;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.image.ImagePreprocessor;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aligns a new {@link ImageTower} to frozen text keys with a locked-text contrastive objective (LiT): the text
 * keys never change, only the image tower learns.
 *
 * <p><b>Loss.</b> For a batch of B pairs let {@code T} be the U <em>distinct</em> (normalised) text keys among
 * them and {@code E} the B unit image embeddings; {@code logits = scale * E T^T} ({@code [B, U]}) and the loss
 * is the cross-entropy of each row against the index of its own key. Deduplication matters when many cases
 * share a report (MedMNIST reports are generated from the label): the loss then is a classification over the
 * distinct reports rather than a contrast between copies of one text. With unique captions it is the usual
 * image-to-text contrastive loss. The scale is fixed (default {@value #DEFAULT_LOGIT_SCALE}, about 1/0.07 as in
 * CLIP's initial temperature; 1/0.07 = 14.3). A tower with several {@linkplain ImageTowerConfig#members() members}
 * is trained as a deep ensemble: each member's own embedding gets this loss and the step minimises their mean,
 * so no member leans on the others; validation evaluates the ensemble's averaged embedding.
 *
 * <p><b>Optimiser.</b> AdamW (decoupled weight decay on convolution and projection weights only, none on biases
 * and normalisation parameters), computed in Java on float arrays, with a learning rate that rises linearly
 * over the first {@code warmupFraction} of the steps and then follows a cosine down to zero.
 *
 * <p><b>Model selection.</b> After each epoch the tower is evaluated (inference mode) on the validation pairs:
 * top-1 is the fraction whose embedding is closest to its own key among the distinct validation keys, the loss the
 * mean cross-entropy over them. The parameters of the epoch that {@link AlignmentSelection} prefers are kept (default:
 * the best validation top-1, ties: the lower validation loss). With {@linkplain Builder#optWeightAveraging weight
 * averaging} the evaluated and kept parameters are the running average of the weights rather than the last
 * step's.
 *
 * <p>One seed drives the initial weights, the shuffling and the augmentation, so a run is reproducible. Per-batch
 * arrays live in a sub-manager closed after each step. Progress goes to the listener as job {@code align}
 * (one event per step with {@code loss}, one per epoch with the epoch figures); cancellation is checked
 * between steps and throws {@link io.jomed.api.progress.JobCancelledException} after closing the tower.
 *
 * <p>Instances are immutable and thread-safe, but the PyTorch engine allows only one gradient collection at a
 * time per JVM, so run one alignment at a time.
 */
public final class ImageTowerAlignment {
    /** Default logit scale, about 1/0.07. */
    public static final double DEFAULT_LOGIT_SCALE = 14.3;

    private static final Logger LOG = LoggerFactory.getLogger(ImageTowerAlignment.class);
    private static final String JOB = "align";
    private static final int EVAL_BATCH = 256;
    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final ImageTowerConfig towerConfig;
    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final double weightDecay;
    private final double warmupFraction;
    private final double logitScale;
    private final long seed;
    private final ImageAugmentation augmentation;
    private final double mixup;
    private final double averagingDecay;
    private final AlignmentSelection selection;

    private ImageTowerAlignment(Builder b) {
        this.towerConfig = b.towerConfig;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.weightDecay = b.weightDecay;
        this.warmupFraction = b.warmupFraction;
        this.logitScale = b.logitScale;
        this.seed = b.seed;
        this.augmentation = b.augmentation;
        this.mixup = b.mixup;
        this.averagingDecay = b.averagingDecay;
        this.selection = b.selection;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ImageTowerConfig towerConfig() {
        return towerConfig;
    }

    /**
     * Trains a new tower on the training pairs and keeps the parameters of the epoch that did best on the
     * validation pairs.
     *
     * @param train pairs to learn from, at least 2
     * @param validation pairs for model selection, at least 1
     * @param listener receives progress and may cancel
     * @throws IllegalArgumentException if a key's dimension differs from the tower's embedding dimension
     */
    public AlignmentResult align(List<AlignmentPair> train, List<AlignmentPair> validation, ProgressListener listener) {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(validation, "validation");
        Objects.requireNonNull(listener, "listener");
        if (train.size() < 2) {
            throw new IllegalArgumentException("alignment needs at least 2 training pairs, got " + train.size());
        }
        if (validation.isEmpty()) {
            throw new IllegalArgumentException("alignment needs at least 1 validation pair");
        }
        long started = System.nanoTime();
        KeyedImages trainSet = KeyedImages.of(train, towerConfig, "training");
        KeyedImages valSet = KeyedImages.of(validation, towerConfig, "validation");
        int stepsPerEpoch = (train.size() + batchSize - 1) / batchSize;
        long totalSteps = (long) stepsPerEpoch * epochs;
        LOG.info("aligning image tower: {} training pairs ({} distinct keys), {} validation pairs ({} distinct keys), "
                + "{} epochs of {} steps", train.size(), trainSet.keys.length, validation.size(), valSet.keys.length,
                epochs, stepsPerEpoch);

        ImageTower tower = ImageTower.create(towerConfig, seed);
        try {
            List<Parameter> params = tower.parameters();
            AdamW optimiser = new AdamW(params, weightDecay);
            Random random = new Random(seed * 0x9E3779B97F4A7C15L + 1);
            ImageInputSpec spec = towerConfig.inputSpec();
            int imageSize = spec.size();
            List<AlignmentEpoch> figures = new ArrayList<>();
            float[][] best = null;
            int bestEpoch = 0;
            double bestTop1 = -1;
            double bestLoss = Double.POSITIVE_INFINITY;
            long step = 0;
            float[][] averaged = averagingDecay > 0 ? tower.parameterValues() : null;
            setTrainable(params, true);
            try {
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    int[] order = permutation(train.size(), random);
                    double lossSum = 0;
                    int lossCount = 0;
                    double lr = 0;
                    for (int start = 0; start < order.length; start += batchSize) {
                        listener.checkCancelled(JOB);
                        int end = Math.min(order.length, start + batchSize);
                        if (end - start < 2) {
                            continue; // batch normalisation needs two samples
                        }
                        step++;
                        lr = learningRateAt(step, totalSteps);
                        float[] pixels = new float[(end - start) * imageSize];
                        int[] keyOf = new int[end - start];
                        for (int i = start; i < end; i++) {
                            int idx = order[i];
                            keyOf[i - start] = trainSet.keyIndex[idx];
                            if (augmentation.isNone()) {
                                System.arraycopy(trainSet.pixels, idx * imageSize, pixels, (i - start) * imageSize, imageSize);
                            } else {
                                float[] one = Arrays.copyOfRange(trainSet.pixels, idx * imageSize, (idx + 1) * imageSize);
                                float[] shifted = new float[imageSize];
                                augmentation.apply(one, shifted, 0, spec.channels(), spec.height(), spec.width(), random);
                                System.arraycopy(shifted, 0, pixels, (i - start) * imageSize, imageSize);
                            }
                        }
                        int[] partner = identity(end - start);
                        double lambda = 1;
                        if (mixup > 0) {
                            partner = permutation(end - start, random);
                            lambda = BetaSampler.symmetric(mixup, random);
                            pixels = mixed(pixels, partner, lambda, imageSize);
                        }
                        double loss = trainStep(tower, optimiser, pixels, keyOf, partner, lambda, trainSet.keys, lr);
                        if (averaged != null) {
                            average(averaged, tower.parameterValues(), averagingDecay, step);
                        }
                        lossSum += loss;
                        lossCount++;
                        Map<String, Double> m = new LinkedHashMap<>();
                        m.put("epoch", (double) epoch);
                        m.put("loss", loss);
                        m.put("learning_rate", lr);
                        listener.onProgress(new ProgressEvent(JOB, "epoch " + epoch, step, totalSteps,
                                Duration.ofNanos(System.nanoTime() - started), m));
                    }
                    float[][] live = null;
                    if (averaged != null) {
                        live = tower.parameterValues();
                        tower.setParameterValues(averaged);
                    }
                    Evaluation trainEval = evaluate(tower, trainSet);
                    Evaluation valEval = evaluate(tower, valSet);
                    AlignmentEpoch e = new AlignmentEpoch(epoch, lossCount == 0 ? Double.NaN : lossSum / lossCount,
                            trainEval.top1, valEval.loss, valEval.top1, lr);
                    figures.add(e);
                    if (selection.prefers(valEval.top1, valEval.loss, bestTop1, bestLoss)) {
                        bestTop1 = valEval.top1;
                        bestLoss = valEval.loss;
                        bestEpoch = epoch;
                        best = tower.parameterValues();
                    }
                    if (live != null) {
                        tower.setParameterValues(live);
                    }
                    Map<String, Double> m = new LinkedHashMap<>();
                    m.put("epoch", (double) epoch);
                    m.put("train_loss", e.trainLoss());
                    m.put("train_accuracy", e.trainTop1());
                    m.put("val_loss", e.validationLoss());
                    m.put("val_accuracy", e.validationTop1());
                    listener.onProgress(new ProgressEvent(JOB, "epoch " + epoch + " done", step, totalSteps,
                            Duration.ofNanos(System.nanoTime() - started), m));
                    LOG.info("align epoch {}/{}: train loss {}, train top-1 {}, val loss {}, val top-1 {}", epoch, epochs,
                            fmt(e.trainLoss()), fmt(e.trainTop1()), fmt(e.validationLoss()), fmt(e.validationTop1()));
                }
            } finally {
                setTrainable(params, false);
            }
            tower.setParameterValues(best);
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            LOG.info("alignment kept epoch {} (val top-1 {}), took {} ms", bestEpoch, fmt(bestTop1), elapsed.toMillis());
            return new AlignmentResult(tower, figures, bestEpoch, elapsed);
        } catch (RuntimeException | Error e) {
            tower.close();
            throw e;
        }
    }

    /**
     * One optimiser step on a batch whose image {@code i} is {@code lambda x_i + (1 - lambda) x_partner[i]} (mixup;
     * {@code lambda = 1} without), so its target puts {@code lambda} on its own key and the rest on the partner's.
     */
    private double trainStep(ImageTower tower, AdamW optimiser, float[] pixels, int[] keyOf, int[] partner, double lambda,
            float[][] keys, double lr) {
        ImageInputSpec spec = towerConfig.inputSpec();
        int b = keyOf.length;
        // distinct keys of this batch, in first-seen order
        Map<Integer, Integer> local = new LinkedHashMap<>();
        int[] target = new int[b];
        for (int i = 0; i < b; i++) {
            target[i] = local.computeIfAbsent(keyOf[i], k -> local.size());
        }
        int u = local.size();
        int d = towerConfig.embeddingDimension();
        float[] keyMatrix = new float[u * d];
        for (Map.Entry<Integer, Integer> e : local.entrySet()) {
            System.arraycopy(keys[e.getKey()], 0, keyMatrix, e.getValue() * d, d);
        }
        float[] oneHot = new float[b * u];
        for (int i = 0; i < b; i++) {
            oneHot[i * u + target[i]] += (float) lambda;
            oneHot[i * u + target[partner[i]]] += (float) (1 - lambda);
        }
        double loss;
        try (NDManager sub = tower.manager().newSubManager()) {
            NDArray x = sub.create(pixels, new Shape(b, spec.channels(), spec.height(), spec.width()));
            NDArray t = sub.create(keyMatrix, new Shape(u, d));
            NDArray y = sub.create(oneHot, new Shape(b, u));
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                // each ensemble member learns on its own loss (a deep ensemble); the mean is reported
                NDList members = tower.forwardMembers(x, true);
                NDArray lossSum = null;
                for (NDArray emb : members) {
                    NDArray logits = NativeCopies.multiply(emb.matMul(t.transpose()), logitScale);
                    NDArray memberLoss = logits.logSoftmax(1).mul(y).sum(new int[] {1}).mean().neg();
                    lossSum = lossSum == null ? memberLoss : lossSum.add(memberLoss);
                }
                NDArray lossArray = members.size() == 1 ? lossSum : NativeCopies.divide(lossSum, members.size());
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            optimiser.step(lr, sub);
        }
        return loss;
    }

    private Evaluation evaluate(ImageTower tower, KeyedImages set) {
        ImageInputSpec spec = towerConfig.inputSpec();
        int n = set.keyIndex.length;
        int size = spec.size();
        int d = towerConfig.embeddingDimension();
        int correct = 0;
        double lossSum = 0;
        for (int start = 0; start < n; start += EVAL_BATCH) {
            int end = Math.min(n, start + EVAL_BATCH);
            float[] emb;
            try (NDManager sub = tower.manager().newSubManager()) {
                NDArray x = sub.create(Arrays.copyOfRange(set.pixels, start * size, end * size),
                        new Shape(end - start, spec.channels(), spec.height(), spec.width()));
                emb = tower.forward(x, false).toFloatArray();
            }
            for (int i = start; i < end; i++) {
                int base = (i - start) * d;
                double[] logits = new double[set.keys.length];
                int argmax = 0;
                for (int k = 0; k < logits.length; k++) {
                    double dot = 0;
                    float[] key = set.keys[k];
                    for (int j = 0; j < d; j++) {
                        dot += emb[base + j] * key[j];
                    }
                    logits[k] = logitScale * dot;
                    if (logits[k] > logits[argmax]) {
                        argmax = k;
                    }
                }
                double max = logits[argmax];
                double sum = 0;
                for (double l : logits) {
                    sum += Math.exp(l - max);
                }
                lossSum += -(logits[set.keyIndex[i]] - max - Math.log(sum));
                if (argmax == set.keyIndex[i]) {
                    correct++;
                }
            }
        }
        return new Evaluation((double) correct / n, lossSum / n);
    }

    private double learningRateAt(long step, long totalSteps) {
        long warmup = Math.max(1, Math.round(warmupFraction * totalSteps));
        if (step <= warmup) {
            return learningRate * step / warmup;
        }
        double progress = (double) (step - warmup) / Math.max(1, totalSteps - warmup);
        return learningRate * 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
    }

    private static void setTrainable(List<Parameter> params, boolean trainable) {
        for (Parameter p : params) {
            if (p.requiresGradient()) {
                p.getArray().setRequiresGradient(trainable);
            }
        }
    }

    /**
     * Exponential moving average of the parameters (and batch-normalisation statistics):
     * {@code avg = d avg + (1 - d) current} with {@code d = min(decay, (1 + step) / (10 + step))}, the usual warm
     * start so that the first steps' weights do not dominate.
     */
    private static void average(float[][] averaged, float[][] current, double decay, long step) {
        float d = (float) Math.min(decay, (1.0 + step) / (10.0 + step));
        float c = 1 - d;
        for (int i = 0; i < averaged.length; i++) {
            float[] a = averaged[i];
            float[] x = current[i];
            for (int j = 0; j < a.length; j++) {
                a[j] = d * a[j] + c * x[j];
            }
        }
    }

    /** Row {@code i} of the result is {@code lambda x_i + (1 - lambda) x_partner[i]}. */
    private static float[] mixed(float[] pixels, int[] partner, double lambda, int imageSize) {
        float[] out = new float[pixels.length];
        float a = (float) lambda;
        float b = (float) (1 - lambda);
        for (int i = 0; i < partner.length; i++) {
            int own = i * imageSize;
            int other = partner[i] * imageSize;
            for (int j = 0; j < imageSize; j++) {
                out[own + j] = a * pixels[own + j] + b * pixels[other + j];
            }
        }
        return out;
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    private static int[] permutation(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return order;
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4f", v);
    }

    private record Evaluation(double top1, double loss) {
    }

    /** Preprocessed images with the index of their distinct, normalised key. */
    private record KeyedImages(float[] pixels, int[] keyIndex, float[][] keys) {

        static KeyedImages of(List<AlignmentPair> pairs, ImageTowerConfig config, String name) {
            ImagePreprocessor pre = new ImagePreprocessor(config.inputSpec());
            int size = config.inputSpec().size();
            int d = config.embeddingDimension();
            float[] pixels = new float[Math.multiplyExact(pairs.size(), size)];
            int[] keyIndex = new int[pairs.size()];
            Map<KeyBits, Integer> distinct = new HashMap<>();
            List<float[]> keys = new ArrayList<>();
            for (int i = 0; i < pairs.size(); i++) {
                AlignmentPair p = Objects.requireNonNull(pairs.get(i), () -> name + " pair is null");
                float[] key = p.textKeyView();
                if (key.length != d) {
                    throw new IllegalArgumentException(name + " pair " + i + ": text key has " + key.length
                            + " dimensions, the tower embeds into " + d);
                }
                try {
                    pre.fill(p.image(), pixels, i * size);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name + " pair " + i + ": " + e.getMessage(), e);
                }
                keyIndex[i] = distinct.computeIfAbsent(new KeyBits(key), k -> {
                    keys.add(normalised(key));
                    return keys.size() - 1;
                });
            }
            return new KeyedImages(pixels, keyIndex, keys.toArray(new float[0][]));
        }

        private static float[] normalised(float[] key) {
            double norm = 0;
            for (float v : key) {
                norm += (double) v * v;
            }
            float inv = (float) (1 / Math.sqrt(norm));
            float[] out = new float[key.length];
            for (int i = 0; i < key.length; i++) {
                out[i] = key[i] * inv;
            }
            return out;
        }
    }

    /** A key compared by content. */
    private record KeyBits(float[] key) {
        @Override
        public boolean equals(Object o) {
            return o instanceof KeyBits k && Arrays.equals(k.key, key);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(key);
        }
    }

    /** AdamW in Java over the trainable parameters; gradients are read, used and zeroed each step. */
    private static final class AdamW {
        private final List<Parameter> params = new ArrayList<>();
        private final List<float[]> m = new ArrayList<>();
        private final List<float[]> v = new ArrayList<>();
        private final List<Boolean> decay = new ArrayList<>();
        private final double weightDecay;
        private long t;

        AdamW(List<Parameter> all, double weightDecay) {
            this.weightDecay = weightDecay;
            for (Parameter p : all) {
                if (p.requiresGradient()) {
                    int n = Math.toIntExact(p.getArray().size());
                    params.add(p);
                    m.add(new float[n]);
                    v.add(new float[n]);
                    decay.add(p.getType() == Parameter.Type.WEIGHT);
                }
            }
        }

        void step(double lr, NDManager scope) {
            t++;
            double c1 = 1 - Math.pow(BETA1, t);
            double c2 = 1 - Math.pow(BETA2, t);
            for (int i = 0; i < params.size(); i++) {
                NDArray array = params.get(i).getArray();
                NDArray grad = array.getGradient();
                grad.attach(scope);
                float[] g = grad.toFloatArray();
                grad.subi(grad);
                float[] w = array.toFloatArray();
                float[] mi = m.get(i);
                float[] vi = v.get(i);
                boolean wd = decay.get(i);
                for (int j = 0; j < w.length; j++) {
                    mi[j] = (float) (BETA1 * mi[j] + (1 - BETA1) * g[j]);
                    vi[j] = (float) (BETA2 * vi[j] + (1 - BETA2) * g[j] * g[j]);
                    double update = (mi[j] / c1) / (Math.sqrt(vi[j] / c2) + EPSILON);
                    if (wd) {
                        update += weightDecay * w[j];
                    }
                    w[j] = (float) (w[j] - lr * update);
                }
                array.set(FloatBuffer.wrap(w));
            }
        }
    }

    /**
     * Builds an {@link ImageTowerAlignment}; the tower configuration is required.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private ImageTowerConfig towerConfig;
        private int epochs = 30;
        private int batchSize = 64;
        private double learningRate = 2e-3;
        private double weightDecay = 0.05;
        private double warmupFraction = 0.1;
        private double logitScale = DEFAULT_LOGIT_SCALE;
        private long seed = 42;
        private ImageAugmentation augmentation = ImageAugmentation.shifts(2);
        private double mixup;
        private double averagingDecay;
        private AlignmentSelection selection = AlignmentSelection.VALIDATION_TOP1;

        private Builder() {
        }

        /** The shape of the tower to train. */
        public Builder setTowerConfig(ImageTowerConfig towerConfig) {
            this.towerConfig = Objects.requireNonNull(towerConfig, "towerConfig");
            return this;
        }

        /** Passes over the training pairs, default 30. */
        public Builder optEpochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /** Pairs per step, default 64. */
        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Peak learning rate, default 2e-3. */
        public Builder optLearningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /** Decoupled weight decay on weights, default 0.05. */
        public Builder optWeightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /** Fraction of the steps spent warming the learning rate up, default 0.1. */
        public Builder optWarmupFraction(double warmupFraction) {
            this.warmupFraction = warmupFraction;
            return this;
        }

        /** The fixed scale on cosine logits, default 14.3 (about 1/0.07). */
        public Builder optLogitScale(double logitScale) {
            this.logitScale = logitScale;
            return this;
        }

        /** The one seed of initial weights, shuffling and augmentation, default 42. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Training-time augmentation, default shifts of up to 2 pixels. */
        public Builder optAugmentation(ImageAugmentation augmentation) {
            this.augmentation = Objects.requireNonNull(augmentation, "augmentation");
            return this;
        }

        /**
         * Mixup (Zhang et al., 2018): each training batch is blended with a shuffled copy of itself, weight
         * {@code lambda ~ Beta(alpha, alpha)}, and each image's target splits the same way between its own key and
         * its partner's. Default 0 (off); 0.2 to 0.4 are usual.
         */
        public Builder optMixup(double alpha) {
            if (!(alpha >= 0) || !Double.isFinite(alpha)) {
                throw new IllegalArgumentException("mixup alpha must be non-negative and finite, got " + alpha);
            }
            this.mixup = alpha;
            return this;
        }

        /**
         * Evaluates and keeps an exponential moving average of the weights (and batch-normalisation statistics)
         * instead of the raw weights (Polyak averaging, as in timm's model EMA): {@code avg = d avg + (1 - d) w}
         * after every step, with {@code d = min(decay, (1 + step) / (10 + step))} so that the early weights fade
         * (0.95 at step 170; {@code d} reaches 0.98 at step 440). Default 0 (off); 0.95 to 0.99 suit runs of a few
         * hundred steps.
         */
        public Builder optWeightAveraging(double decay) {
            if (!(decay >= 0 && decay < 1)) {
                throw new IllegalArgumentException("weight-averaging decay must be in [0, 1), got " + decay);
            }
            this.averagingDecay = decay;
            return this;
        }

        /** Which epoch's parameters are kept, default {@link AlignmentSelection#VALIDATION_TOP1}. */
        public Builder optSelection(AlignmentSelection selection) {
            this.selection = Objects.requireNonNull(selection, "selection");
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that is missing or out of range */
        public ImageTowerAlignment build() {
            if (towerConfig == null) {
                throw new IllegalArgumentException("image tower alignment needs setTowerConfig(...)");
            }
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
            }
            if (batchSize < 2) {
                throw new IllegalArgumentException("batch size must be at least 2, got " + batchSize);
            }
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
            }
            if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
                throw new IllegalArgumentException("weight decay must be non-negative and finite, got " + weightDecay);
            }
            if (!(warmupFraction >= 0 && warmupFraction < 1)) {
                throw new IllegalArgumentException("warm-up fraction must be in [0, 1), got " + warmupFraction);
            }
            if (!(logitScale > 0) || !Double.isFinite(logitScale)) {
                throw new IllegalArgumentException("logit scale must be positive and finite, got " + logitScale);
            }
            return new ImageTowerAlignment(this);
        }
    }
}
