package io.jomed.training.phase2;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import io.jomed.api.Jomed;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.kb.QueryEmbedding;
import io.jomed.api.progress.JobCancelledException;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.Reader;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.TaskExample;
import io.jomed.reader.training.AdamW;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.image.ImagePreprocessor;
import io.jomed.retriever.kb.KeyMatrix;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.kb.ScoredCaseId;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.retriever.retrieval.QueryEncoder;
import io.jomed.training.sampling.ClassBalancedSampler;
import io.jomed.training.schedule.WarmupCosineSchedule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phase 2 of the method (method.md §2): reader-supervised training of the retriever heads, the text head first,
 * then the image head starting from the text stage's result. The reader, {@code f0}, {@code g0} and both indexes
 * stay frozen, so nothing is re-indexed; only the active head's query tower {@code f_theta,h} (initialised to
 * {@code f0}'s weights) gets gradients, through the mixture {@code e_h = alpha f_theta + (1 - alpha) f0}.
 *
 * <p>One step: {@code B} training queries from the class-balanced stream; their candidates {@code D(x)}, the
 * top {@code K} of the head's index by the stale snapshot {@code theta-} (HNSW with over-fetch and exact
 * rescoring, or an exact scan), each query's own case excluded; the frozen reader's label distribution per
 * (query, candidate), computed once per pair and reused; the supervision score {@code g}, the target {@code Q}
 * with the detached prior, {@code P_theta} and the KL loss ({@link KlRetrieverLoss}); backward; optional
 * clipping; AdamW with warm-up and cosine decay (this gradient part is {@link Phase2GradientStep}); the
 * snapshot refreshed after every {@code R}-th step. The fused validation accuracy of the whole pipeline is
 * measured at step 0 and at evaluation points, and the kept state follows {@link CheckpointSelection}.
 *
 * <p>A head whose index holds fewer distinct keys than {@code K} (MedMNIST's label-derived reports give one text
 * key per class) cannot tell its candidates apart: tied candidates get the same score, and in the limit of one
 * key per class the KL gradient is exactly zero. Its stage is skipped with a logged reason, recorded in the
 * result.
 *
 * <p>With a checkpoint directory, the run writes a checkpoint at every evaluation point (weights, snapshot,
 * optimizer moments, sampler position, step, best state, curve); a run built with the same inputs and
 * {@link Builder#optResume} continues from it and ends as the uninterrupted run would.
 *
 * <p>Reproducibility: with the default tower, libtorch's CPU kernels give bitwise-identical steps run to run, so a
 * resumed run ends exactly as the uninterrupted one (the tests check it). For towers where they do not (seen with
 * 8-channel towers, whose convolution gradients also turn non-finite now and then; such a step is recomputed),
 * {@link Builder#optSingleThreaded} runs each gradient step on one libtorch thread; libtorch then logs a warning
 * per convolution on CPUs without NNPACK support.
 *
 * <p>Not thread-safe: run one training at a time (the PyTorch engine trains one model at a time). Does not own
 * its inputs.
 */
public final class Phase2RetrieverTraining {
    static final String JOB = "phase2";
    private static final Logger LOG = LoggerFactory.getLogger(Phase2RetrieverTraining.class);
    private static final int RECALL_SAMPLE_EVERY = 25;

    private final LuceneKnowledgeBase knowledgeBase;
    private final ImageTower f0;
    private final Reader reader;
    private final List<TaskExample> training;
    private final List<TaskExample> validation;
    private final Phase2Settings settings;
    private final Map<String, float[]> outOfFold;
    private final long seed;
    private final Path checkpointDirectory;
    private final boolean resume;
    private final boolean reuseReaderOutputs;
    private final long stopAfterSteps;
    private final boolean singleThreaded;

    private Phase2RetrieverTraining(Builder b) {
        this.knowledgeBase = b.knowledgeBase;
        this.f0 = b.f0;
        this.reader = b.reader;
        this.training = List.copyOf(b.training);
        this.validation = List.copyOf(b.validation);
        this.settings = b.settings;
        this.outOfFold = b.outOfFold;
        this.seed = b.seed;
        this.checkpointDirectory = b.checkpointDirectory;
        this.resume = b.resume;
        this.reuseReaderOutputs = b.reuseReaderOutputs;
        this.stopAfterSteps = b.stopAfterSteps;
        this.singleThreaded = b.singleThreaded;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Phase2Settings settings() {
        return settings;
    }

    /**
     * Runs every stage of {@link Phase2Settings#stages()} in order.
     *
     * @throws io.jomed.api.progress.JobCancelledException if the listener cancels (the last checkpoint stays)
     */
    public Phase2Result train(ProgressListener listener) {
        Objects.requireNonNull(listener, "listener");
        long started = System.nanoTime();
        LabelSpace labels = reader.labelSpace();
        int[] gold = goldIndices(labels);
        Run run = new Run(labels, gold, listener);
        try (ImageTowerEncoder f0Encoder = new ImageTowerEncoder(f0)) {
            run.f0Encoder = f0Encoder;
            run.prepare();
            Phase2Checkpoint restored = null;
            if (resume && checkpointDirectory != null) {
                restored = Phase2Checkpoint.readIfPresent(checkpointDirectory, runKey()).orElse(null);
                if (restored != null) {
                    LOG.info("phase 2 resumes from {} ({} stages done, stage {} at step {})", checkpointDirectory,
                            restored.completed().size(), restored.current().map(c -> c.head().toString()).orElse("-"),
                            restored.current().map(Phase2Checkpoint.Current::step).orElse(0L));
                }
            }
            List<StageResult> results = new ArrayList<>();
            Map<RetrieverHead, float[][]> kept = new EnumMap<>(RetrieverHead.class);
            if (restored != null) {
                for (Phase2Checkpoint.Completed c : restored.completed()) {
                    results.add(c.result());
                    c.towerValues().ifPresent(v -> kept.put(c.result().head(), v));
                }
            }
            for (int s = results.size(); s < settings.stages().size(); s++) {
                RetrieverHead head = settings.stages().get(s);
                Phase2Checkpoint.Current current = restored == null ? null : restored.current().orElse(null);
                if (current != null && current.head() != head) {
                    throw new IllegalStateException("the checkpoint in " + checkpointDirectory + " is in the " + current.head()
                            + " stage, but the next stage is " + head);
                }
                StageResult result = run.stage(s, head, kept, results, current);
                restored = null;
                results.add(result);
            }
            Map<RetrieverHead, ImageTower> towers = new EnumMap<>(RetrieverHead.class);
            try {
                for (Map.Entry<RetrieverHead, float[][]> e : kept.entrySet()) {
                    ImageTower t = f0.copy();
                    towers.put(e.getKey(), t);
                    t.setParameterValues(e.getValue());
                }
            } catch (RuntimeException e) {
                towers.values().forEach(ImageTower::close);
                throw e;
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
            return new Phase2Result(towers, results, metadata(results, run), elapsed);
        }
    }

    private Map<String, String> metadata(List<StageResult> results, Run run) {
        Map<String, String> m = new LinkedHashMap<>();
        settings.values().forEach((k, v) -> m.put("phase2." + k, v));
        m.put("phase2.overrides", settings.overrides().toString());
        m.put("phase2.seed", Long.toString(seed));
        m.put("phase2.reuse_reader_outputs", Boolean.toString(reuseReaderOutputs));
        m.put("phase2.single_threaded", Boolean.toString(singleThreaded));
        m.put("phase2.recomputed_steps", Long.toString(run.recomputedSteps));
        for (StageResult r : results) {
            String p = r.stageName();
            if (r.wasSkipped()) {
                m.put(p, "skipped: " + r.skippedBecause().get());
                continue;
            }
            m.put(p + ".steps", Long.toString(r.steps()));
            m.put(p + ".selected_step", Long.toString(r.selectedStep()));
            m.put(p + ".validation_accuracy_step0", Double.toString(r.initialValidationAccuracy()));
            m.put(p + ".validation_accuracy_selected", Double.toString(r.selectedValidationAccuracy()));
            m.put(p + ".candidate_recall", Double.toString(r.candidateRecall()));
            m.put(p + ".reader_pairs_scored", Long.toString(r.readerPairsScored()));
            m.put(p + ".reader_pairs_reused", Long.toString(r.readerPairsReused()));
        }
        return m;
    }

    /** Identifies the inputs a checkpoint belongs to. */
    private String runKey() {
        StringBuilder ids = new StringBuilder();
        for (TaskExample e : training) {
            ids.append(e.id()).append(',').append(e.goldLabel()).append(';');
        }
        return "settings=" + settings.values() + settings.overrides() + "|seed=" + seed + "|f0=" + f0.fingerprint()
                + "|kb=" + knowledgeBase.size() + "|train=" + training.size() + ":" + Integer.toHexString(ids.toString().hashCode())
                + "|val=" + validation.size() + "|oof=" + (outOfFold != null) + "|reuse=" + reuseReaderOutputs
                + "|single_threaded=" + singleThreaded;
    }

    private int[] goldIndices(LabelSpace labels) {
        int[] gold = new int[training.size()];
        for (int i = 0; i < gold.length; i++) {
            TaskExample e = training.get(i);
            int index = labels.labels().indexOf(e.goldLabel());
            if (index < 0) {
                throw new IllegalArgumentException("training example " + e.id() + " has gold label \"" + e.goldLabel()
                        + "\", which is not in the reader's label space " + labels.labels());
            }
            gold[i] = index;
        }
        for (TaskExample e : validation) {
            if (!labels.labels().contains(e.goldLabel())) {
                throw new IllegalArgumentException("validation example " + e.id() + " has gold label \"" + e.goldLabel()
                        + "\", which is not in the reader's label space " + labels.labels());
            }
        }
        return gold;
    }

    /** The state of one {@link #train} call. */
    private final class Run {
        private final LabelSpace labels;
        private final int[] gold;
        private final ProgressListener listener;
        private final ImagePreprocessor preprocessor;
        private final ReaderScoreCache cache;
        private final KlRetrieverLoss loss;
        private ImageTowerEncoder f0Encoder;
        private float[][] pixels;
        private float[][] f0Rows;
        private long stepsDone;
        private long recomputedSteps;
        private final Map<String, KnowledgeBaseCase> cases = new HashMap<>();

        Run(LabelSpace labels, int[] gold, ProgressListener listener) {
            this.labels = labels;
            this.gold = gold;
            this.listener = listener;
            this.preprocessor = new ImagePreprocessor(f0.config().inputSpec());
            this.cache = new ReaderScoreCache(reader, reuseReaderOutputs);
            this.loss = KlRetrieverLoss.of(settings);
        }

        void prepare() {
            List<MedicalImage> images = training.stream().map(e -> e.query().image()).toList();
            pixels = new float[images.size()][];
            for (int i = 0; i < pixels.length; i++) {
                try {
                    pixels[i] = preprocessor.toTensor(images.get(i));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("training example " + training.get(i).id() + ": " + e.getMessage(), e);
                }
            }
            if (outOfFold != null) {
                f0Rows = new float[training.size()][];
                for (int i = 0; i < f0Rows.length; i++) {
                    f0Rows[i] = outOfFold.get(training.get(i).id());
                    if (f0Rows[i] == null || f0Rows[i].length != f0.dimension()) {
                        throw new IllegalArgumentException("the out-of-fold embeddings have no " + f0.dimension()
                                + "-d row for training example " + training.get(i).id());
                    }
                }
            } else {
                f0Rows = f0Encoder.encode(images);
            }
        }

        StageResult stage(int stageIndex, RetrieverHead head, Map<RetrieverHead, float[][]> kept, List<StageResult> done,
                Phase2Checkpoint.Current current) {
            KeyMatrix keys = knowledgeBase.keys(head);
            int k = settings.candidates();
            int distinct = distinctKeys(keys);
            if (distinct < k) {
                String reason = "the " + head.name().toLowerCase(Locale.ROOT) + " index holds " + distinct + " distinct keys among "
                        + keys.size() + " cases, fewer than K = " + k + " candidates: candidates with the same key get the "
                        + "same score and cannot be told apart (with one key per class the KL gradient is exactly zero)";
                LOG.info("phase 2: skipping the {} stage: {}", head, reason);
                StageResult skipped = StageResult.skipped(head, reason);
                checkpoint(doneWith(done, skipped), kept, null);
                return skipped;
            }
            if (keys.size() <= k) {
                throw new IllegalArgumentException("the knowledge base holds " + keys.size() + " cases; K = " + k
                        + " candidates after excluding the query's own case need at least " + (k + 1));
            }
            Map<String, Integer> rowOf = new HashMap<>();
            for (int r = 0; r < keys.size(); r++) {
                rowOf.put(keys.ids().get(r), r);
            }
            ClassBalancedSampler sampler = ClassBalancedSampler.builder().setClasses(gold).setBatchSize(settings.queriesPerStep())
                    .optSeed(seed * 1_000_003L + stageIndex).optDropLast(true).build();
            long total = settings.stepsPerStage(sampler.batchesPerPass());
            long warmup = settings.warmupSteps(total);
            long evaluateEvery = settings.evaluateEvery(total);
            long fixedStep = settings.referenceCheckpointStep(total);
            long keepStep = total / fixedStep * fixedStep;
            if (keepStep == 0) {
                keepStep = total;
            }
            WarmupCosineSchedule schedule = WarmupCosineSchedule.ofSteps(settings.learningRate(), total, warmup);
            boolean trainingMode = head == RetrieverHead.IMAGE && settings.imageHeadTrainingMode();
            DisagreementWeighting weighting = settings.disagreementWeighting();
            KlRetrieverLoss stageLoss = loss;
            if (weighting == DisagreementWeighting.REFERENCE_CHUNKS && head == RetrieverHead.TEXT) {
                LOG.info("phase 2: the reference's chunk-wise weighting is wired to the image stage only; the text stage runs unweighted");
                stageLoss = new KlRetrieverLoss(settings.klReduction(), DisagreementWeighting.OFF, settings.prior(),
                        settings.goldTemperature(), settings.scoreTemperature());
            }
            LOG.info("phase 2, {} stage: {} steps ({} per pass), B = {}, K = {}, R = {}, warm-up {}, evaluation every {}, preset {}",
                    head, total, sampler.batchesPerPass(), settings.queriesPerStep(), k, settings.refreshEvery(), warmup,
                    evaluateEvery, settings.preset());

            long stageStarted = System.nanoTime();
            long hits0 = cache.hits();
            long misses0 = cache.misses();
            try (ImageTower theta = f0.copy(); ImageTower snapshot = f0.copy()) {
                Map<String, Parameter> trainable = new LinkedHashMap<>();
                theta.namedParameters().forEach((name, p) -> {
                    if (p.requiresGradient()) {
                        p.getArray().setRequiresGradient(true);
                        trainable.put(name, p);
                    }
                });
                for (Parameter p : snapshot.parameters()) {
                    if (p.requiresGradient()) {
                        p.getArray().setRequiresGradient(false);
                    }
                }
                boolean decayAll = settings.decayAllParameters();
                try (AdamW optimizer = AdamW.builder().setNamedParameters(trainable).optWeightDecay(settings.weightDecay())
                        .optDecayed(p -> decayAll || p.getType() == Parameter.Type.WEIGHT).build()) {
                    long step;
                    List<TrainingPoint> curve = new ArrayList<>();
                    double lossSum = 0;
                    long lossCount = 0;
                    double recallSum = 0;
                    long recallCount = 0;
                    long bestStep;
                    double bestAccuracy;
                    float[][] bestValues;
                    double initialAccuracy;
                    long elapsedBefore = 0;
                    Phase2GradientStep gradient = Phase2GradientStep.of(theta, optimizer, stageLoss, settings, trainingMode);
                    if (current != null) {
                        theta.setParameterValues(current.theta());
                        snapshot.setParameterValues(current.snapshot());
                        optimizer.restore(current.optimizer());
                        sampler.seek(current.sampler());
                        step = current.step();
                        curve.addAll(current.curve());
                        lossSum = current.lossSum();
                        lossCount = current.lossCount();
                        recallSum = current.recallSum();
                        recallCount = current.recallCount();
                        bestStep = current.bestStep();
                        bestAccuracy = current.bestAccuracy();
                        bestValues = current.bestValues();
                        initialAccuracy = curve.get(0).validationAccuracy();
                        elapsedBefore = current.elapsedNanos();
                    } else {
                        if (head == RetrieverHead.IMAGE && settings.imageStageStartsFromTextSnapshot() && kept.containsKey(RetrieverHead.TEXT)) {
                            snapshot.setParameterValues(kept.get(RetrieverHead.TEXT));
                            LOG.info("phase 2: the image stage retrieves with the text head's snapshot until step {} (REFERENCE)",
                                    settings.refreshEvery());
                        }
                        step = 0;
                        initialAccuracy = validationAccuracy(head, theta, kept);
                        curve.add(new TrainingPoint(0, Double.NaN, 0, initialAccuracy));
                        bestStep = 0;
                        bestAccuracy = initialAccuracy;
                        bestValues = theta.parameterValues();
                        report(head, 0, total, stageStarted, Double.NaN, initialAccuracy);
                    }
                    while (step < total) {
                        listener.checkCancelled(JOB);
                        if (stopAfterSteps > 0 && stepsDone >= stopAfterSteps) {
                            throw new JobCancelledException(JOB + " stopped after " + stopAfterSteps + " steps");
                        }
                        int[] batch = sampler.nextBatch();
                        step++;
                        stepsDone++;
                        double lr = schedule.learningRate(step);
                        StepOutcome outcome = step(head, batch, keys, rowOf, snapshot, optimizer, gradient, stageLoss, (float) lr,
                                step % RECALL_SAMPLE_EVERY == 1);
                        recomputedSteps += outcome.recomputed();
                        if (Double.isFinite(outcome.loss())) {
                            lossSum += outcome.loss();
                            lossCount++;
                        }
                        if (Double.isFinite(outcome.recall())) {
                            recallSum += outcome.recall();
                            recallCount++;
                        }
                        if (step % settings.refreshEvery() == 0) {
                            snapshot.setParameterValues(theta.parameterValues());
                        }
                        boolean evaluate = step % evaluateEvery == 0 || step == total
                                || (settings.checkpointSelection() == CheckpointSelection.FIXED_STEP && step == keepStep);
                        if (evaluate) {
                            double accuracy = validationAccuracy(head, theta, kept);
                            double meanLoss = lossCount == 0 ? Double.NaN : lossSum / lossCount;
                            curve.add(new TrainingPoint(step, meanLoss, lr, accuracy));
                            lossSum = 0;
                            lossCount = 0;
                            boolean keep;
                            if (settings.checkpointSelection() == CheckpointSelection.FIXED_STEP) {
                                keep = step == keepStep;
                            } else if (Double.isNaN(accuracy)) {
                                keep = step == total; // no validation split: nothing to choose on, keep the last state
                            } else {
                                keep = accuracy >= bestAccuracy || Double.isNaN(bestAccuracy);
                            }
                            if (keep) {
                                bestStep = step;
                                bestAccuracy = accuracy;
                                bestValues = theta.parameterValues();
                            }
                            report(head, step, total, stageStarted, meanLoss, accuracy);
                            LOG.info("phase 2, {} stage, step {}/{}: loss {}, lr {}, fused validation accuracy {} (kept: step {}, {})",
                                    head, step, total, fmt(meanLoss), String.format(Locale.ROOT, "%.2e", lr), fmt(accuracy), bestStep,
                                    fmt(bestAccuracy));
                            if (checkpointDirectory != null) {
                                long elapsed = elapsedBefore + System.nanoTime() - stageStarted;
                                checkpoint(done, kept, new Phase2Checkpoint.Current(head, step, theta.parameterValues(),
                                        snapshot.parameterValues(), optimizer.state(), sampler.position(), List.copyOf(curve),
                                        lossSum, lossCount, recallSum, recallCount, bestStep, bestAccuracy, bestValues, elapsed));
                            }
                        } else if (step % 5 == 0) {
                            report(head, step, total, stageStarted, lossCount == 0 ? Double.NaN : lossSum / lossCount, Double.NaN);
                        }
                    }
                    if (bestStep > 0) {
                        kept.put(head, bestValues);
                    }
                    Duration elapsed = Duration.ofNanos(elapsedBefore + System.nanoTime() - stageStarted);
                    StageResult result = new StageResult(head, Optional.empty(), total, bestStep, bestAccuracy, initialAccuracy, curve,
                            recallCount == 0 ? Double.NaN : recallSum / recallCount, cache.misses() - misses0, cache.hits() - hits0,
                            elapsed);
                    LOG.info("phase 2, {} stage done in {} s: kept step {} (fused validation accuracy {} vs {} at step 0); reader "
                            + "pairs scored {}, reused {}", head, elapsed.toSeconds(), bestStep, fmt(bestAccuracy),
                            fmt(initialAccuracy), result.readerPairsScored(), result.readerPairsReused());
                    checkpoint(doneWith(done, result), kept, null);
                    return result;
                }
            }
        }

        private List<StageResult> doneWith(List<StageResult> done, StageResult result) {
            List<StageResult> out = new ArrayList<>(done);
            out.add(result);
            return out;
        }

        private void checkpoint(List<StageResult> done, Map<RetrieverHead, float[][]> kept, Phase2Checkpoint.Current current) {
            if (checkpointDirectory == null) {
                return;
            }
            List<Phase2Checkpoint.Completed> completed = new ArrayList<>();
            for (StageResult r : done) {
                completed.add(new Phase2Checkpoint.Completed(r, Optional.ofNullable(kept.get(r.head()))));
            }
            new Phase2Checkpoint(runKey(), completed, Optional.ofNullable(current)).write(checkpointDirectory);
        }

        private void report(RetrieverHead head, long step, long total, long started, double meanLoss, double accuracy) {
            Map<String, Double> metrics = new LinkedHashMap<>();
            if (Double.isFinite(meanLoss)) {
                metrics.put("loss", meanLoss);
            }
            if (Double.isFinite(accuracy)) {
                metrics.put("val_accuracy", accuracy);
            }
            long lookups = cache.hits() + cache.misses();
            if (lookups > 0) {
                metrics.put("reader_reuse", (double) cache.hits() / lookups);
            }
            listener.onProgress(new ProgressEvent(JOB, head.name().toLowerCase(Locale.ROOT), step, total,
                    Duration.ofNanos(System.nanoTime() - started), metrics));
        }

        /** One optimizer step; returns the unscaled loss (NaN when the step made no update) and the sampled recall. */
        private StepOutcome step(RetrieverHead head, int[] batch, KeyMatrix keys, Map<String, Integer> rowOf, ImageTower snapshot,
                AdamW optimizer, Phase2GradientStep gradient, KlRetrieverLoss stageLoss, float lr, boolean sampleRecall) {
            int b = batch.length;
            int k = settings.candidates();
            int d = f0.dimension();
            int size = pixels[batch[0]].length;
            float[] x = new float[b * size];
            float[] frozen = new float[b * d];
            for (int i = 0; i < b; i++) {
                System.arraycopy(pixels[batch[i]], 0, x, i * size, size);
                System.arraycopy(f0Rows[batch[i]], 0, frozen, i * d, d);
            }
            var spec = f0.config().inputSpec();
            Shape imageShape = new Shape(b, spec.channels(), spec.height(), spec.width());
            float[][] candidateEmbeddings = new float[b][];
            try (NDManager scope = snapshot.manager().newSubManager()) {
                float[] stale = snapshot.forward(scope.create(x, imageShape), false).toFloatArray();
                for (int i = 0; i < b; i++) {
                    candidateEmbeddings[i] = QueryEncoder.mix(Arrays.copyOfRange(stale, i * d, (i + 1) * d),
                            f0Rows[batch[i]], settings.alpha());
                }
            }
            float[] keyData = new float[b * k * d];
            double[][] g = new double[b][k];
            int[][] predictions = new int[b][k];
            double recall = Double.NaN;
            double recallSum = 0;
            List<String> queryKeys = new ArrayList<>(b);
            List<Query> queries = new ArrayList<>(b);
            List<List<String>> candidates = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                TaskExample example = training.get(batch[i]);
                QueryEmbedding e = QueryEmbedding.of(candidateEmbeddings[i], f0.fingerprint(), example.query().image().contentHash());
                RetrievalOptions options = RetrievalOptions.builder().optKPerHead(k).optExcludeCaseId(example.id()).build();
                List<ScoredCaseId> found = settings.exactCandidates() ? knowledgeBase.searchExactIds(head, e, options)
                        : knowledgeBase.searchIds(head, e, options);
                if (found.size() < k) {
                    throw new IllegalStateException("only " + found.size() + " candidates for training example " + example.id()
                            + " in the " + head + " index; K = " + k);
                }
                if (sampleRecall && !settings.exactCandidates()) {
                    Set<String> exact = new HashSet<>();
                    knowledgeBase.searchExactIds(head, e, options).forEach(c -> exact.add(c.caseId()));
                    recallSum += found.stream().filter(c -> exact.contains(c.caseId())).count() / (double) k;
                }
                List<String> ids = new ArrayList<>(k);
                for (int j = 0; j < k; j++) {
                    String id = found.get(j).caseId();
                    ids.add(id);
                    Integer row = rowOf.get(id);
                    if (row == null) {
                        throw new IllegalStateException("case " + id + " has no " + head + " key in the snapshot of the index; "
                                + "was the knowledge base changed during phase 2?");
                    }
                    System.arraycopy(keys.key(row), 0, keyData, (i * k + j) * d, d);
                }
                queryKeys.add(example.id());
                queries.add(example.query());
                candidates.add(ids);
            }
            float[][][] logits = cache.logits(queryKeys, queries, candidates, this::knowledgeBaseCase);
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < k; j++) {
                    g[i][j] = settings.supervisionScore().score(logits[i][j], gold[batch[i]]);
                    predictions[i][j] = argmax(logits[i][j]);
                }
            }
            if (sampleRecall && !settings.exactCandidates()) {
                recall = recallSum / b;
            }
            double[] weights = stageLoss.weights(predictions);
            double weightSum = Arrays.stream(weights).sum();
            if (weightSum == 0 && settings.disagreementWeighting() == DisagreementWeighting.WHOLE_SET) {
                return new StepOutcome(Double.NaN, recall, 0); // no query with disagreeing candidates: no update (§2.8)
            }
            // a step whose gradients come back non-finite is recomputed, never applied (Phase2GradientStep.applyRecomputing)
            int threads = singleThreaded ? JniUtils.getNumThreads() : 0;
            if (singleThreaded) {
                JniUtils.setNumThreads(1);
            }
            try {
                return gradientStep(head, optimizer, gradient, lr, x, frozen, keyData, g, weights, recall);
            } finally {
                if (singleThreaded) {
                    JniUtils.setNumThreads(threads);
                }
            }
        }

        private StepOutcome gradientStep(RetrieverHead head, AdamW optimizer, Phase2GradientStep gradient, float lr, float[] x,
                float[] frozen, float[] keyData, double[][] g, double[] weights, double recall) {
            Phase2GradientStep.AppliedStep applied = gradient.applyRecomputing(x, frozen, keyData, g, weights, lr,
                    "step " + (optimizer.stepCount() + 1) + " of the " + head + " stage");
            return new StepOutcome(applied.loss(), recall, applied.recomputations());
        }

        /** A case of the frozen knowledge base, loaded once. */
        private KnowledgeBaseCase knowledgeBaseCase(String id) {
            return cases.computeIfAbsent(id, key -> knowledgeBase.find(key).orElseThrow(() -> new IllegalStateException(
                    "case " + key + " left the knowledge base during phase 2")));
        }

        /** Fused validation accuracy of the pipeline: this stage's head with {@code theta}, the others as kept. */
        private double validationAccuracy(RetrieverHead head, ImageTower theta, Map<RetrieverHead, float[][]> kept) {
            if (validation.isEmpty()) {
                return Double.NaN;
            }
            List<ImageTowerEncoder> encoders = new ArrayList<>();
            DualHeadRetriever.Builder rb = DualHeadRetriever.builder().setKnowledgeBase(knowledgeBase).setImageKeyEncoder(f0Encoder)
                    .optAlpha(settings.alpha());
            try {
                ImageTowerEncoder active = new ImageTowerEncoder(theta);
                encoders.add(active);
                rb.optTrainedTower(head, active);
                for (Map.Entry<RetrieverHead, float[][]> e : kept.entrySet()) {
                    if (e.getKey() != head) {
                        try (ImageTower other = f0.copy()) {
                            other.setParameterValues(e.getValue());
                            ImageTowerEncoder enc = new ImageTowerEncoder(other);
                            encoders.add(enc);
                            rb.optTrainedTower(e.getKey(), enc);
                        }
                    }
                }
                Jomed pipeline = Jomed.builder().setRetriever(rb.build()).setReader(reader)
                        .optFusionWeighting(settings.fusionWeighting()).build();
                List<Diagnosis> diagnoses = pipeline.diagnose(validation.stream().map(TaskExample::query).toList());
                int correct = 0;
                for (int i = 0; i < diagnoses.size(); i++) {
                    if (diagnoses.get(i).answer().equals(validation.get(i).goldLabel())) {
                        correct++;
                    }
                }
                return (double) correct / diagnoses.size();
            } finally {
                encoders.forEach(ImageTowerEncoder::close);
            }
        }
    }

    private record StepOutcome(double loss, double recall, int recomputed) {
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int distinctKeys(KeyMatrix keys) {
        record Key(float[] v) {
            @Override
            public boolean equals(Object o) {
                return o instanceof Key other && Arrays.equals(v, other.v);
            }

            @Override
            public int hashCode() {
                return Arrays.hashCode(v);
            }
        }
        Set<Key> set = new HashSet<>();
        for (int r = 0; r < keys.size(); r++) {
            set.add(new Key(keys.key(r)));
        }
        return set.size();
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "n/a";
    }

    /**
     * Builder for {@link Phase2RetrieverTraining}; not thread-safe. The knowledge base, {@code f0}, the reader and
     * the training and validation examples are required.
     */
    public static final class Builder {
        private LuceneKnowledgeBase knowledgeBase;
        private ImageTower f0;
        private Reader reader;
        private List<TaskExample> training;
        private List<TaskExample> validation;
        private Phase2Settings settings = Phase2Settings.clean();
        private Map<String, float[]> outOfFold;
        private long seed = 1;
        private Path checkpointDirectory;
        private boolean resume;
        private boolean reuseReaderOutputs = true;
        private long stopAfterSteps;
        private boolean singleThreaded;

        private Builder() {
        }

        /** The knowledge base whose frozen keys the heads search; it must hold the training cases. */
        public Builder setKnowledgeBase(LuceneKnowledgeBase knowledgeBase) {
            this.knowledgeBase = Objects.requireNonNull(knowledgeBase, "knowledgeBase");
            return this;
        }

        /** The frozen image key encoder {@code f0}; every head's trainable tower starts as a copy of it. */
        public Builder setImageKeyTower(ImageTower f0) {
            this.f0 = Objects.requireNonNull(f0, "f0");
            return this;
        }

        /** The frozen reader trained in phase 1. */
        public Builder setReader(Reader reader) {
            this.reader = Objects.requireNonNull(reader, "reader");
            return this;
        }

        /** Training queries; their ids are the ids of their own cases in the knowledge base (excluded from candidates). */
        public Builder setTrainingExamples(List<TaskExample> training) {
            this.training = List.copyOf(training);
            return this;
        }

        /** Validation queries for the fused accuracy at evaluation points and the checkpoint selection. */
        public Builder setValidationExamples(List<TaskExample> validation) {
            this.validation = List.copyOf(validation);
            return this;
        }

        /** Preset and switches; default {@link Phase2Settings#clean()}. */
        public Builder optSettings(Phase2Settings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Out-of-fold {@code f0} rows of the training queries by example id, used for the frozen term of their
         * query embeddings (as in phase 1), so training queries do not retrieve with a tower fitted to themselves.
         */
        public Builder optOutOfFoldEmbeddings(Map<String, float[]> embeddings) {
            this.outOfFold = Map.copyOf(embeddings);
            return this;
        }

        /** The run's seed (sampling order); default 1. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Writes a checkpoint here at every evaluation point. */
        public Builder optCheckpointDirectory(Path directory) {
            this.checkpointDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Continue from the checkpoint in the checkpoint directory when there is one made by the same inputs. */
        public Builder optResume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /**
         * Whether reader outputs are computed once per (query, case) pair and reused (exact, since the reader is
         * frozen); default true. Off only to measure what the reuse saves.
         */
        public Builder optReuseReaderOutputs(boolean reuse) {
            this.reuseReaderOutputs = reuse;
            return this;
        }

        /** Stops (as a cancellation) after this many optimizer steps of this call; for tests and benchmarks. */
        public Builder optStopAfterSteps(long steps) {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be positive, got " + steps);
            }
            this.stopAfterSteps = steps;
            return this;
        }

        /**
         * Whether each gradient step runs on one libtorch intra-op thread (default false), for towers whose
         * multi-threaded gradients are not reproducible run to run; see the class documentation. The thread count
         * is process-wide, so other PyTorch work in the JVM shares it during a step.
         */
        public Builder optSingleThreaded(boolean singleThreaded) {
            this.singleThreaded = singleThreaded;
            return this;
        }

        public Phase2RetrieverTraining build() {
            if (knowledgeBase == null || f0 == null || reader == null || training == null || validation == null) {
                throw new IllegalStateException("the knowledge base, f0, the reader and the training and validation examples "
                        + "are required: call setKnowledgeBase, setImageKeyTower, setReader, setTrainingExamples and "
                        + "setValidationExamples");
            }
            if (training.size() < settings.queriesPerStep()) {
                throw new IllegalArgumentException(training.size() + " training examples cannot fill one step of B = "
                        + settings.queriesPerStep() + " queries");
            }
            knowledgeBase.requireImageKeyEncoder(f0.fingerprint());
            return new Phase2RetrieverTraining(this);
        }
    }
}
