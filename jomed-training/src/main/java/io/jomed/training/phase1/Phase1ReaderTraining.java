package io.jomed.training.phase1;

import ai.djl.engine.Engine;
import io.jomed.api.diagnosis.FusionWeighting;
import io.jomed.api.diagnosis.LogitFusion;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBase;
import io.jomed.api.kb.QueryEmbedding;
import io.jomed.api.progress.JobCancelledException;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.TaskExample;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.reader.classifier.ParameterSnapshot;
import io.jomed.reader.training.ReaderTrainingStep;
import io.jomed.retriever.image.ImageAugmentation;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.training.sampling.ClassBalancedSampler;
import io.jomed.training.sampling.SamplingMode;
import io.jomed.training.schedule.WarmupCosineSchedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phase 1 of method.md §1.3: fine-tunes a {@link ClassifierReaderModel} with context retrieved by the frozen
 * retriever. Retrieval runs once, up front: every training example retrieves {@code kPerHead} cases per head
 * (its own case left out by id and by image), and yields one training row per retrieved case with the
 * example's gold label. Batches of examples come from a {@link ClassBalancedSampler}; each optimizer step is
 * one AdamW cross-entropy step ({@link ReaderTrainingStep}) at the rate of a {@link WarmupCosineSchedule}.
 * Every {@code evaluateEvery} steps, and after the last, the model is evaluated on the validation split with
 * fused standard-RAG accuracy (the plain {@code f0} retrieves {@code kPerHead} per head, the current model
 * scores each case, {@link LogitFusion} combines them as {@link io.jomed.api.Jomed} does); the best parameters
 * are kept and put back at the end.
 *
 * <p>Training queries may retrieve with out-of-fold {@code f0} embeddings instead of {@code f0(x)}
 * ({@link io.jomed.training.alignment.OutOfFoldAlignment}): a tower aligned on the training cases finds
 * unrealistically good neighbours for them, and a reader trained on those learns to over-trust retrieval.
 *
 * <p>{@link Phase1Mode#CLOSED_BOOK} trains the baseline: rows without context, the same number of optimizer
 * steps and the same rows per batch, selection by closed-book validation accuracy. The number of steps is
 * {@code passes} times the batches per pass of the retrieval-augmented stream in both modes.
 *
 * <p>Training images may be augmented ({@link Builder#optAugmentation}); validation images never are.
 *
 * <p>One seed drives the sampling, the augmentation and the reader's dropout (through the PyTorch engine's global seed, so
 * concurrent PyTorch training elsewhere in the process breaks exact reproducibility); the model's initial
 * weights come from its own config seed, which callers set to the same run seed.
 *
 * <p>Not thread-safe: one {@link #train} at a time. It does not own the retriever, the model or the text
 * encoder; {@link #train} changes the model's parameters.
 */
public final class Phase1ReaderTraining {
    private static final Logger LOG = LoggerFactory.getLogger(Phase1ReaderTraining.class);
    private static final int RETRIEVAL_CHUNK = 256;

    /** Default rows per batch. */
    public static final int DEFAULT_BATCH_SIZE = 32;
    /** Default peak learning rate. */
    public static final double DEFAULT_LEARNING_RATE = 1e-3;
    /** Default AdamW weight decay. */
    public static final float DEFAULT_WEIGHT_DECAY = 0.01f;

    private final DualHeadRetriever retriever;
    private final ClassifierReaderModel model;
    private final TextEncoder textEncoder;
    private final List<TaskExample> training;
    private final List<TaskExample> validation;
    private final Map<String, float[]> outOfFold;
    private final Phase1Mode mode;
    private final SamplingMode samplingMode;
    private final int passes;
    private final long totalSteps;
    private final int batchSize;
    private final double learningRate;
    private final float weightDecay;
    private final double warmupFraction;
    private final long seed;
    private final int kPerHead;
    private final int evaluateEvery;
    private final ImageAugmentation augmentation;

    private Phase1ReaderTraining(Builder b) {
        this.retriever = b.retriever;
        this.model = b.model;
        this.textEncoder = b.textEncoder;
        this.training = List.copyOf(b.training);
        this.validation = List.copyOf(b.validation);
        this.outOfFold = b.outOfFold == null ? null : Map.copyOf(b.outOfFold);
        this.mode = b.mode;
        this.samplingMode = b.samplingMode;
        this.passes = b.passes;
        this.totalSteps = b.totalSteps;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.weightDecay = b.weightDecay;
        this.warmupFraction = b.warmupFraction;
        this.seed = b.seed;
        this.kPerHead = b.kPerHead;
        this.evaluateEvery = b.evaluateEvery;
        this.augmentation = b.augmentation;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Phase1Mode mode() {
        return mode;
    }

    /** Reader rows each training example yields with context: {@code kPerHead} times the number of heads. */
    public int rowsPerExample() {
        return kPerHead * retriever.heads().size();
    }

    /** Optimizer steps a run takes (the same in both modes). */
    public long steps() {
        if (totalSteps > 0) {
            return totalSteps;
        }
        return (long) passes * newSampler(batchSize / rowsPerExample()).batchesPerPass();
    }

    /**
     * The cases each training example is trained with, in example order: {@code kPerHead} per head, image head
     * first, retrieved as {@link #train} retrieves them (own case excluded, out-of-fold embeddings when given).
     * For inspection and for exporting the retrieval-augmented training rows.
     */
    public List<List<RetrievedCase>> trainingContext(ProgressListener listener) {
        Objects.requireNonNull(listener, "listener");
        return retrieveTraining(listener, mode.job(), System.nanoTime());
    }

    /**
     * Trains the model and leaves it with the parameters of its best validation evaluation.
     *
     * @throws JobCancelledException if the listener cancels; the model then holds the best parameters
     *     evaluated so far, or its initial ones if none was
     * @throws IllegalStateException if the retriever finds fewer than {@code kPerHead} cases per head for an
     *     example (a knowledge base too small for the exclusions)
     */
    public Phase1Result train(ProgressListener listener) {
        Objects.requireNonNull(listener, "listener");
        String job = mode.job();
        long start = System.nanoTime();
        LabelSpace labels = model.labelSpace();
        int[] gold = goldIndices(training, labels, "training");
        int[] validationGold = goldIndices(validation, labels, "validation");

        List<List<RetrievedCase>> trainingContext = null;
        List<List<RetrievedCase>> validationContext = null;
        if (mode == Phase1Mode.RETRIEVAL_AUGMENTED) {
            trainingContext = retrieveTraining(listener, job, start);
            validationContext = retrieveValidation(listener, job, start);
        }
        Duration retrievalTime = Duration.ofNanos(System.nanoTime() - start);

        long steps = steps();
        int examplesPerBatch = mode == Phase1Mode.RETRIEVAL_AUGMENTED ? batchSize / rowsPerExample() : batchSize;
        ClassBalancedSampler sampler = newSampler(examplesPerBatch);
        WarmupCosineSchedule schedule = WarmupCosineSchedule.ofFraction(learningRate, steps, warmupFraction);
        Engine.getEngine("PyTorch").setRandomSeed((int) (seed ^ (seed >>> 32)));
        LOG.info("{}: {} training examples, {} validation, {} steps of {} rows ({} per pass), {}", job, training.size(),
                validation.size(), steps, batchSize, sampler.batchesPerPass(), schedule);

        List<Phase1Evaluation> history = new ArrayList<>();
        ParameterSnapshot best = null;
        long bestStep = 0;
        double bestAccuracy = Double.NEGATIVE_INFINITY;
        try (ReaderTrainingStep trainer = ReaderTrainingStep.builder().setModel(model).setTextEncoder(textEncoder)
                        .optWeightDecay(weightDecay).optAugmentation(augmentation).optSeed(seed).build();
                ClassifierReader reader = ClassifierReader.builder().setModel(model).setTextEncoder(textEncoder).build()) {
            ParameterSnapshot initial = trainer.snapshotParameters();
            double lossSum = 0;
            int lossCount = 0;
            for (long step = 0; step < steps; step++) {
                if (listener.isCancelled()) {
                    model.restoreParameters(best != null ? best : initial);
                    throw new JobCancelledException(job + " was cancelled by its progress listener after " + step
                            + " of " + steps + " steps");
                }
                int[] batch = sampler.nextBatch();
                List<ReaderInput> rows = new ArrayList<>(batchSize);
                int[] rowGold = new int[batch.length * (trainingContext == null ? 1 : rowsPerExample())];
                for (int example : batch) {
                    Query query = training.get(example).query();
                    if (trainingContext == null) {
                        rowGold[rows.size()] = gold[example];
                        rows.add(ReaderInput.closedBook(query));
                    } else {
                        for (RetrievedCase c : trainingContext.get(example)) {
                            rowGold[rows.size()] = gold[example];
                            rows.add(ReaderInput.withContext(query, c.knowledgeBaseCase()));
                        }
                    }
                }
                double lr = schedule.learningRate(step);
                float loss = trainer.step(rows, rowGold, (float) lr);
                lossSum += loss;
                lossCount++;
                Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
                Map<String, Double> metrics = new LinkedHashMap<>();
                metrics.put("loss", (double) loss);
                metrics.put("lr", lr);
                listener.onProgress(new ProgressEvent(job, "train", step + 1, steps, elapsed, metrics));

                if ((step + 1) % evaluateEvery == 0 || step + 1 == steps) {
                    double accuracy = validationContext == null ? closedBookAccuracy(reader, validationGold)
                            : fusedAccuracy(reader, validationContext, validationGold);
                    Phase1Evaluation evaluation = new Phase1Evaluation(step + 1, lossSum / lossCount, accuracy, lr);
                    history.add(evaluation);
                    lossSum = 0;
                    lossCount = 0;
                    if (accuracy > bestAccuracy) {
                        bestAccuracy = accuracy;
                        bestStep = step + 1;
                        best = trainer.snapshotParameters();
                    }
                    Map<String, Double> evalMetrics = new LinkedHashMap<>();
                    evalMetrics.put("train_loss", evaluation.trainLoss());
                    evalMetrics.put("val_accuracy", accuracy);
                    evalMetrics.put("best_val_accuracy", bestAccuracy);
                    listener.onProgress(new ProgressEvent(job, "evaluate", step + 1, steps,
                            Duration.ofNanos(System.nanoTime() - start), evalMetrics));
                    LOG.info("{} step {}/{}: train loss {}, val accuracy {}", job, step + 1, steps,
                            String.format(Locale.ROOT, "%.4f", evaluation.trainLoss()),
                            String.format(Locale.ROOT, "%.4f", accuracy));
                }
            }
            model.restoreParameters(best);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        LOG.info("{}: best val accuracy {} at step {} of {}, {} s", job, bestAccuracy, bestStep, steps, elapsed.toMillis() / 1000.0);
        return new Phase1Result(mode, model, history, bestStep, bestAccuracy, steps, batchSize, retrievalTime, elapsed);
    }

    private ClassBalancedSampler newSampler(int examplesPerBatch) {
        int[] classes = new int[training.size()];
        LabelSpace labels = model.labelSpace();
        for (int i = 0; i < classes.length; i++) {
            classes[i] = labels.labels().indexOf(training.get(i).goldLabel());
        }
        return ClassBalancedSampler.builder().setClasses(classes).setBatchSize(examplesPerBatch).optMode(samplingMode)
                .optSeed(seed).build();
    }

    private static int[] goldIndices(List<TaskExample> examples, LabelSpace labels, String split) {
        int[] out = new int[examples.size()];
        for (int i = 0; i < out.length; i++) {
            TaskExample e = examples.get(i);
            out[i] = labels.labels().indexOf(e.goldLabel());
            if (out[i] < 0) {
                throw new IllegalArgumentException(split + " example " + e.id() + " has gold label \"" + e.goldLabel()
                        + "\", which is not in the label space of task " + labels.name() + ": " + labels.labels());
            }
        }
        return out;
    }

    /** Training retrieval: own case excluded by id and image; out-of-fold f0 rows when given. */
    private List<List<RetrievedCase>> retrieveTraining(ProgressListener listener, String job, long start) {
        KnowledgeBase kb = retriever.knowledgeBase();
        List<RetrieverHead> heads = retriever.heads();
        List<List<RetrievedCase>> out = new ArrayList<>(training.size());
        for (int from = 0; from < training.size(); from += RETRIEVAL_CHUNK) {
            listener.checkCancelled(job);
            List<TaskExample> chunk = training.subList(from, Math.min(training.size(), from + RETRIEVAL_CHUNK));
            List<MedicalImage> images = chunk.stream().map(e -> e.query().image()).toList();
            Map<RetrieverHead, float[][]> embeddings;
            if (outOfFold == null) {
                embeddings = retriever.embed(images);
            } else {
                float[][] f0 = chunk.stream().map(e -> outOfFold.get(e.id())).toArray(float[][]::new);
                embeddings = new HashMap<>();
                for (RetrieverHead h : heads) {
                    embeddings.put(h, retriever.queryEncoder(h).encode(images, f0));
                }
            }
            for (int i = 0; i < chunk.size(); i++) {
                TaskExample example = chunk.get(i);
                RetrievalOptions options = RetrievalOptions.builder().optKPerHead(kPerHead).optExcludeCaseId(example.id())
                        .build();
                List<RetrievedCase> cases = new ArrayList<>(rowsPerExample());
                for (RetrieverHead h : heads) {
                    QueryEmbedding e = QueryEmbedding.of(embeddings.get(h)[i], retriever.queryEncoder(h).fingerprint(),
                            images.get(i).contentHash());
                    cases.addAll(checked(kb.search(h, e, options), example, h));
                }
                out.add(List.copyOf(cases));
            }
            listener.onProgress(ProgressEvent.of(job, "retrieve-train", out.size(), training.size(),
                    Duration.ofNanos(System.nanoTime() - start)));
        }
        return out;
    }

    /** Validation retrieval exactly as at inference: the plain retriever, the query's own image excluded. */
    private List<List<RetrievedCase>> retrieveValidation(ProgressListener listener, String job, long start) {
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(kPerHead).build();
        List<List<RetrievedCase>> out = new ArrayList<>(validation.size());
        for (int from = 0; from < validation.size(); from += RETRIEVAL_CHUNK) {
            listener.checkCancelled(job);
            List<TaskExample> chunk = validation.subList(from, Math.min(validation.size(), from + RETRIEVAL_CHUNK));
            List<List<RetrievedCase>> found = retriever.retrieve(chunk.stream().map(TaskExample::query).toList(), options);
            for (int i = 0; i < chunk.size(); i++) {
                List<RetrievedCase> cases = found.get(i);
                for (RetrieverHead h : retriever.heads()) {
                    checked(cases.stream().filter(c -> c.head() == h).toList(), chunk.get(i), h);
                }
                out.add(List.copyOf(cases));
            }
            listener.onProgress(ProgressEvent.of(job, "retrieve-validation", out.size(), validation.size(),
                    Duration.ofNanos(System.nanoTime() - start)));
        }
        return out;
    }

    private List<RetrievedCase> checked(List<RetrievedCase> cases, TaskExample example, RetrieverHead head) {
        if (cases.size() != kPerHead) {
            throw new IllegalStateException("the " + head + " head found " + cases.size() + " cases for example "
                    + example.id() + ", expected " + kPerHead + " (knowledge base of " + retriever.knowledgeBase().size()
                    + " cases, the example's own case and image excluded)");
        }
        return cases;
    }

    private double fusedAccuracy(ClassifierReader reader, List<List<RetrievedCase>> context, int[] gold) {
        List<ReaderInput> rows = new ArrayList<>();
        for (int i = 0; i < validation.size(); i++) {
            Query q = validation.get(i).query();
            for (RetrievedCase c : context.get(i)) {
                rows.add(ReaderInput.withContext(q, c.knowledgeBaseCase()));
            }
        }
        List<LabelLogits> logits = reader.score(rows);
        LogitFusion fusion = new LogitFusion(FusionWeighting.CLEAN);
        int correct = 0;
        int offset = 0;
        for (int i = 0; i < validation.size(); i++) {
            List<RetrievedCase> cases = context.get(i);
            List<LabelLogits> mine = logits.subList(offset, offset + cases.size());
            offset += cases.size();
            LabelLogits fused = LabelLogits.of(LogitFusion.fuse(mine, fusion.weights(cases)));
            if (fused.predicted() == gold[i]) {
                correct++;
            }
        }
        return (double) correct / validation.size();
    }

    private double closedBookAccuracy(ClassifierReader reader, int[] gold) {
        List<LabelLogits> logits = reader.score(validation.stream().map(e -> ReaderInput.closedBook(e.query())).toList());
        int correct = 0;
        for (int i = 0; i < gold.length; i++) {
            if (logits.get(i).predicted() == gold[i]) {
                correct++;
            }
        }
        return (double) correct / gold.length;
    }

    /**
     * Builder for {@link Phase1ReaderTraining}; not thread-safe. Required: the retriever, the model, its text
     * encoder, the training and the validation examples. Defaults: retrieval-augmented, class-balanced
     * round-robin sampling, 30 passes, 32 rows per batch, learning rate 1e-3, weight decay 0.01, warm-up 0.1 of
     * the steps, seed 1, 2 cases per head, an evaluation every 50 steps.
     */
    public static final class Builder {
        private DualHeadRetriever retriever;
        private ClassifierReaderModel model;
        private TextEncoder textEncoder;
        private List<TaskExample> training;
        private List<TaskExample> validation;
        private Map<String, float[]> outOfFold;
        private Phase1Mode mode = Phase1Mode.RETRIEVAL_AUGMENTED;
        private SamplingMode samplingMode = SamplingMode.UNDERSAMPLE_ROUND_ROBIN;
        private int passes = 30;
        private long totalSteps;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private double learningRate = DEFAULT_LEARNING_RATE;
        private float weightDecay = DEFAULT_WEIGHT_DECAY;
        private double warmupFraction = 0.1;
        private long seed = 1;
        private int kPerHead = 2;
        private int evaluateEvery = 50;
        private ImageAugmentation augmentation = ImageAugmentation.NONE;

        private Builder() {
        }

        /** Required: the frozen retriever whose knowledge base holds the training split. */
        public Builder setRetriever(DualHeadRetriever retriever) {
            this.retriever = Objects.requireNonNull(retriever, "retriever");
            return this;
        }

        /** Required: the reader model to train (not owned). */
        public Builder setModel(ClassifierReaderModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** Required: the frozen text encoder the model was made for. */
        public Builder setTextEncoder(TextEncoder textEncoder) {
            this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
            return this;
        }

        /** Required: the training examples; ids equal the knowledge-base case ids when it holds the training split. */
        public Builder setTrainingExamples(List<TaskExample> training) {
            this.training = List.copyOf(Objects.requireNonNull(training, "training"));
            return this;
        }

        /** Required: the validation examples that select the model. */
        public Builder setValidationExamples(List<TaskExample> validation) {
            this.validation = List.copyOf(Objects.requireNonNull(validation, "validation"));
            return this;
        }

        /**
         * Out-of-fold {@code f0} embeddings of the training queries, by example id; training queries then
         * retrieve with them instead of {@code f0(x)}. Every training example needs one.
         */
        public Builder optOutOfFoldEmbeddings(Map<String, float[]> embeddings) {
            Objects.requireNonNull(embeddings, "embeddings");
            Map<String, float[]> copy = new HashMap<>();
            embeddings.forEach((id, v) -> copy.put(Objects.requireNonNull(id, "id"), Objects.requireNonNull(v, id).clone()));
            this.outOfFold = copy;
            return this;
        }

        /** Default {@link Phase1Mode#RETRIEVAL_AUGMENTED}. */
        public Builder optMode(Phase1Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** Default {@link SamplingMode#UNDERSAMPLE_ROUND_ROBIN}. */
        public Builder optSamplingMode(SamplingMode samplingMode) {
            this.samplingMode = Objects.requireNonNull(samplingMode, "samplingMode");
            return this;
        }

        /** Passes over the sampler's stream (of the retrieval-augmented batches); default 30. */
        public Builder optPasses(int passes) {
            if (passes < 1) {
                throw new IllegalArgumentException("passes must be at least 1, got " + passes);
            }
            this.passes = passes;
            return this;
        }

        /** An exact number of optimizer steps instead of {@code passes} passes. */
        public Builder optTotalSteps(long totalSteps) {
            if (totalSteps < 1) {
                throw new IllegalArgumentException("total steps must be at least 1, got " + totalSteps);
            }
            this.totalSteps = totalSteps;
            return this;
        }

        /** Reader rows per optimizer step, a multiple of the rows per example; default 32. */
        public Builder optBatchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Peak learning rate; default 1e-3. */
        public Builder optLearningRate(double learningRate) {
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
            }
            this.learningRate = learningRate;
            return this;
        }

        /** AdamW decoupled weight decay; default 0.01. */
        public Builder optWeightDecay(float weightDecay) {
            if (!(weightDecay >= 0) || !Float.isFinite(weightDecay)) {
                throw new IllegalArgumentException("weight decay must be non-negative and finite, got " + weightDecay);
            }
            this.weightDecay = weightDecay;
            return this;
        }

        /** Fraction of the steps spent warming up; default 0.1. */
        public Builder optWarmupFraction(double warmupFraction) {
            if (!(warmupFraction >= 0 && warmupFraction < 1)) {
                throw new IllegalArgumentException("warm-up fraction must be in [0, 1), got " + warmupFraction);
            }
            this.warmupFraction = warmupFraction;
            return this;
        }

        /**
         * Random transformations of the query and case images of every training batch (validation never sees
         * them); default {@link ImageAugmentation#NONE}. Both modes use the same setting.
         */
        public Builder optAugmentation(ImageAugmentation augmentation) {
            this.augmentation = Objects.requireNonNull(augmentation, "augmentation");
            return this;
        }

        /** The run seed of sampling, dropout and augmentation; default 1. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Cases retrieved per head; default 2. */
        public Builder optKPerHead(int kPerHead) {
            if (kPerHead < 1) {
                throw new IllegalArgumentException("kPerHead must be at least 1, got " + kPerHead);
            }
            this.kPerHead = kPerHead;
            return this;
        }

        /** Steps between validation evaluations; default 50 (the last step is always evaluated). */
        public Builder optEvaluateEvery(int steps) {
            if (steps < 1) {
                throw new IllegalArgumentException("evaluateEvery must be at least 1, got " + steps);
            }
            this.evaluateEvery = steps;
            return this;
        }

        /**
         * @throws IllegalStateException if a required setting is missing
         * @throws IllegalArgumentException if a split is empty, a training id repeats, an example's gold label is
         *     not in the model's label space, the batch size is not a multiple of the rows per example, the text
         *     encoder is not the model's, or an out-of-fold embedding is missing or has the wrong dimension
         */
        public Phase1ReaderTraining build() {
            if (retriever == null) {
                throw new IllegalStateException("a retriever is required: call setRetriever");
            }
            if (model == null) {
                throw new IllegalStateException("a reader model is required: call setModel");
            }
            if (textEncoder == null) {
                throw new IllegalStateException("the reader's text encoder is required: call setTextEncoder");
            }
            if (training == null) {
                throw new IllegalStateException("training examples are required: call setTrainingExamples");
            }
            if (validation == null) {
                throw new IllegalStateException("validation examples are required: call setValidationExamples");
            }
            if (training.isEmpty()) {
                throw new IllegalArgumentException("the training set is empty");
            }
            if (validation.isEmpty()) {
                throw new IllegalArgumentException("the validation set is empty: phase 1 selects the model on it");
            }
            if (!textEncoder.fingerprint().equals(model.config().textEncoder())) {
                throw new IllegalArgumentException("text encoder " + textEncoder.fingerprint()
                        + " is not the one the reader model was made for: " + model.config().textEncoder());
            }
            LabelSpace labels = model.labelSpace();
            goldIndices(training, labels, "training");
            goldIndices(validation, labels, "validation");
            Set<String> ids = new HashSet<>();
            for (TaskExample e : training) {
                if (!ids.add(e.id())) {
                    throw new IllegalArgumentException("training example id " + e.id() + " occurs twice");
                }
            }
            int rowsPerExample = kPerHead * retriever.heads().size();
            if (batchSize % rowsPerExample != 0) {
                throw new IllegalArgumentException("batch size " + batchSize + " is not a multiple of the " + rowsPerExample
                        + " rows each example yields (" + kPerHead + " per head, " + retriever.heads().size() + " heads)");
            }
            if (outOfFold != null) {
                int dimension = retriever.queryEncoder(retriever.heads().get(0)).frozenEncoder().dimension();
                for (TaskExample e : training) {
                    float[] v = outOfFold.get(e.id());
                    if (v == null) {
                        throw new IllegalArgumentException("no out-of-fold embedding for training example " + e.id());
                    }
                    if (v.length != dimension) {
                        throw new IllegalArgumentException("out-of-fold embedding of training example " + e.id() + " has "
                                + v.length + " dimensions, f0 has " + dimension);
                    }
                }
            }
            return new Phase1ReaderTraining(this);
        }
    }
}
