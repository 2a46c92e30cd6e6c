package io.jomed.training.phase2;

import io.jomed.api.diagnosis.FusionWeighting;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Every setting of phase 2 (method.md §2): a {@link Phase2Preset} and, on top of it, any switch of §2.11 set on
 * its own. {@link #values()} lists every effective value and {@link #overrides()} the ones that differ from the
 * preset, for the run's metadata.
 *
 * <p>Switches of §2.11 that concern readers which generate text do not apply to the built-in classifier reader,
 * whose label logits are one forward pass over the task's labels: 2 (the stray Retina label {@code 5}: the
 * classifier has no logit outside its label space), 3 (Breast label tokens), 4 (generation scores along the
 * greedy path), 10 (the frozen text encoder's mode: its keys are read from the index, never re-embedded),
 * 13 (phase-1 inputs: phase 1 always uses this retriever, template and preprocessing) and 15 (label parsing).
 * Switch 14 (fusion weights) is {@link #fusionWeighting()}, used by the validation evaluation and the pipeline.
 *
 * <p>The training budget is given in {@linkplain #passes() passes} over the class-balanced training stream; the
 * warm-up, the evaluation points and the reference checkpoint step scale with it unless set in steps (the
 * released scripts' 50,000 steps, 20 warm-up steps, evaluation every 100 steps and checkpoint at 24,800 are
 * available through {@link Builder#optTotalSteps}, {@link Builder#optWarmupSteps},
 * {@link Builder#optEvaluateEvery} and {@link Builder#optReferenceCheckpointStep}).
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Phase2Settings {
    /** Default candidates per query, {@code K}. */
    public static final int DEFAULT_CANDIDATES = 50;
    /** Default snapshot refresh period, {@code R}. */
    public static final int DEFAULT_REFRESH_EVERY = 10;
    /** Default queries per step, {@code B}. */
    public static final int DEFAULT_QUERIES_PER_STEP = 2;
    /** Default passes over the training stream per stage, sized for the demo on two cores. */
    public static final int DEFAULT_PASSES = 6;
    /** Default warm-up share of a stage's steps when no warm-up step count is given. */
    public static final double DEFAULT_WARMUP_FRACTION = 0.05;
    /** Default number of evaluations after step 0 when no evaluation period is given. */
    public static final int DEFAULT_EVALUATIONS = 10;
    /** The released scripts' checkpoint step over their total steps, 24,800 / 50,000. */
    public static final double REFERENCE_CHECKPOINT_FRACTION = 24_800.0 / 50_000.0;

    private final Phase2Preset preset;
    private final Map<String, String> explicit;
    private final SupervisionScore supervisionScore;
    private final KlReduction klReduction;
    private final float lossScale;
    private final float gradientClipNorm;
    private final float weightDecay;
    private final boolean decayAllParameters;
    private final boolean imageHeadTrainingMode;
    private final boolean imageStageStartsFromTextSnapshot;
    private final DisagreementWeighting disagreementWeighting;
    private final boolean exactCandidates;
    private final FusionWeighting fusionWeighting;
    private final CheckpointSelection checkpointSelection;
    private final boolean prior;
    private final double goldTemperature;
    private final double scoreTemperature;
    private final int candidates;
    private final int refreshEvery;
    private final int queriesPerStep;
    private final double learningRate;
    private final double alpha;
    private final int passes;
    private final long totalSteps;
    private final long warmupSteps;
    private final long evaluateEvery;
    private final long referenceCheckpointStep;
    private final List<RetrieverHead> stages;

    private Phase2Settings(Builder b) {
        boolean ref = b.preset == Phase2Preset.REFERENCE;
        this.preset = b.preset;
        this.explicit = Collections.unmodifiableMap(new LinkedHashMap<>(b.explicit));
        this.supervisionScore = b.supervisionScore != null ? b.supervisionScore
                : ref ? SupervisionScore.DOUBLE_SOFTMAX : SupervisionScore.LOG_PROBABILITY;
        this.klReduction = b.klReduction != null ? b.klReduction : ref ? KlReduction.MEAN_OVER_PAIRS : KlReduction.PER_QUERY_SUM;
        this.lossScale = b.lossScale != null ? b.lossScale : ref ? 1000f : 1f;
        this.gradientClipNorm = b.gradientClipNorm != null ? b.gradientClipNorm : ref ? 0f : 1f;
        this.weightDecay = b.weightDecay != null ? b.weightDecay : ref ? 1.0f : 0.01f;
        this.decayAllParameters = b.decayAllParameters != null ? b.decayAllParameters : ref;
        this.imageHeadTrainingMode = b.imageHeadTrainingMode != null ? b.imageHeadTrainingMode : ref;
        this.imageStageStartsFromTextSnapshot = b.imageStageStartsFromTextSnapshot != null ? b.imageStageStartsFromTextSnapshot : ref;
        this.disagreementWeighting = b.disagreementWeighting != null ? b.disagreementWeighting : DisagreementWeighting.OFF;
        this.exactCandidates = b.exactCandidates != null ? b.exactCandidates : ref;
        this.fusionWeighting = b.fusionWeighting != null ? b.fusionWeighting : ref ? FusionWeighting.REFERENCE : FusionWeighting.CLEAN;
        this.checkpointSelection = b.checkpointSelection != null ? b.checkpointSelection
                : ref ? CheckpointSelection.FIXED_STEP : CheckpointSelection.BEST_VALIDATION_ACCURACY;
        this.prior = b.prior;
        this.goldTemperature = b.goldTemperature;
        this.scoreTemperature = b.scoreTemperature;
        this.candidates = b.candidates;
        this.refreshEvery = b.refreshEvery;
        this.queriesPerStep = b.queriesPerStep;
        this.learningRate = b.learningRate;
        this.alpha = b.alpha;
        this.passes = b.passes;
        this.totalSteps = b.totalSteps;
        this.warmupSteps = b.warmupSteps;
        this.evaluateEvery = b.evaluateEvery;
        this.referenceCheckpointStep = b.referenceCheckpointStep;
        this.stages = b.stages;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, with the same record of explicit overrides. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.preset = preset;
        b.explicit.putAll(explicit);
        if (explicit.containsKey("supervision_score")) {
            b.supervisionScore = supervisionScore;
        }
        if (explicit.containsKey("kl_reduction")) {
            b.klReduction = klReduction;
        }
        if (explicit.containsKey("loss_scale")) {
            b.lossScale = lossScale;
        }
        if (explicit.containsKey("gradient_clip_norm")) {
            b.gradientClipNorm = gradientClipNorm;
        }
        if (explicit.containsKey("weight_decay")) {
            b.weightDecay = weightDecay;
            b.decayAllParameters = decayAllParameters;
        }
        if (explicit.containsKey("image_head_training_mode")) {
            b.imageHeadTrainingMode = imageHeadTrainingMode;
        }
        if (explicit.containsKey("image_stage_starts_from_text_snapshot")) {
            b.imageStageStartsFromTextSnapshot = imageStageStartsFromTextSnapshot;
        }
        if (explicit.containsKey("disagreement_weighting")) {
            b.disagreementWeighting = disagreementWeighting;
        }
        if (explicit.containsKey("exact_candidates")) {
            b.exactCandidates = exactCandidates;
        }
        if (explicit.containsKey("fusion_weighting")) {
            b.fusionWeighting = fusionWeighting;
        }
        if (explicit.containsKey("checkpoint_selection")) {
            b.checkpointSelection = checkpointSelection;
        }
        b.prior = prior;
        b.goldTemperature = goldTemperature;
        b.scoreTemperature = scoreTemperature;
        b.candidates = candidates;
        b.refreshEvery = refreshEvery;
        b.queriesPerStep = queriesPerStep;
        b.learningRate = learningRate;
        b.alpha = alpha;
        b.passes = passes;
        b.totalSteps = totalSteps;
        b.warmupSteps = warmupSteps;
        b.evaluateEvery = evaluateEvery;
        b.referenceCheckpointStep = referenceCheckpointStep;
        b.stages = stages;
        return b;
    }

    /** The {@code CLEAN} preset with every default. */
    public static Phase2Settings clean() {
        return builder().build();
    }

    /** The {@code REFERENCE} preset with every default. */
    public static Phase2Settings reference() {
        return builder().optPreset(Phase2Preset.REFERENCE).build();
    }

    public Phase2Preset preset() {
        return preset;
    }

    /** Switch 1: the supervision score {@code g}. */
    public SupervisionScore supervisionScore() {
        return supervisionScore;
    }

    /** Switch 5: the KL reduction. */
    public KlReduction klReduction() {
        return klReduction;
    }

    /** Switch 6: the factor the loss is multiplied by before backward. */
    public float lossScale() {
        return lossScale;
    }

    /** Switch 7: the global L2 norm the unscaled gradients are clipped to; 0 means no clipping. */
    public float gradientClipNorm() {
        return gradientClipNorm;
    }

    /** Switch 8: AdamW's decoupled weight decay. */
    public float weightDecay() {
        return weightDecay;
    }

    /** Switch 8: whether decay applies to every trained parameter ({@code REFERENCE}) or to weights only. */
    public boolean decayAllParameters() {
        return decayAllParameters;
    }

    /**
     * Switch 9: whether the image head's tower runs in training mode during a step (batch normalisation uses the
     * step's batch statistics and updates its running statistics), as in {@code REFERENCE}; the text head always
     * runs in inference mode. The reference's recomputation per chunk of 5 candidates gives the same values and
     * gradient sum for this deterministic tower, so the query embedding is computed once per step.
     */
    public boolean imageHeadTrainingMode() {
        return imageHeadTrainingMode;
    }

    /** Switch 11: whether stage 2b retrieves with the text head's snapshot until its first refresh. */
    public boolean imageStageStartsFromTextSnapshot() {
        return imageStageStartsFromTextSnapshot;
    }

    /** Switch 12: the disagreement-weighted variant. */
    public DisagreementWeighting disagreementWeighting() {
        return disagreementWeighting;
    }

    /**
     * Whether candidates come from an exact scan of the head's keys ({@code REFERENCE}) instead of HNSW search
     * with over-fetch and exact rescoring (method.md §1.4).
     */
    public boolean exactCandidates() {
        return exactCandidates;
    }

    /** Switch 14: fusion weights of the validation evaluation and the pipeline. */
    public FusionWeighting fusionWeighting() {
        return fusionWeighting;
    }

    /** Which state of a stage is kept. */
    public CheckpointSelection checkpointSelection() {
        return checkpointSelection;
    }

    /** Whether the target {@code Q} includes the detached retriever prior (§2.5); default true. */
    public boolean prior() {
        return prior;
    }

    /** {@code tau_gold} of the target; default 1. */
    public double goldTemperature() {
        return goldTemperature;
    }

    /** {@code tau_score} of the retriever distribution; default 1. */
    public double scoreTemperature() {
        return scoreTemperature;
    }

    /** {@code K}, candidates per query. */
    public int candidates() {
        return candidates;
    }

    /** {@code R}, steps between snapshot refreshes. */
    public int refreshEvery() {
        return refreshEvery;
    }

    /** {@code B}, queries per step. */
    public int queriesPerStep() {
        return queriesPerStep;
    }

    /** Peak learning rate of the cosine schedule. */
    public double learningRate() {
        return learningRate;
    }

    /** Weight of the learned term of the query embedding. */
    public double alpha() {
        return alpha;
    }

    /** Passes over the class-balanced training stream per stage, unless {@link #totalSteps()} is set. */
    public int passes() {
        return passes;
    }

    /** Steps per stage for a stream of {@code batchesPerPass} batches per pass. */
    public long stepsPerStage(int batchesPerPass) {
        return totalSteps > 0 ? totalSteps : (long) passes * batchesPerPass;
    }

    /** Warm-up steps of a stage of {@code total} steps. */
    public long warmupSteps(long total) {
        return warmupSteps >= 0 ? warmupSteps : Math.max(1, Math.round(DEFAULT_WARMUP_FRACTION * total));
    }

    /** Steps between evaluations of a stage of {@code total} steps. */
    public long evaluateEvery(long total) {
        return evaluateEvery > 0 ? evaluateEvery : Math.max(1, (total + DEFAULT_EVALUATIONS - 1) / DEFAULT_EVALUATIONS);
    }

    /** The {@link CheckpointSelection#FIXED_STEP} checkpoint step of a stage of {@code total} steps. */
    public long referenceCheckpointStep(long total) {
        return referenceCheckpointStep > 0 ? referenceCheckpointStep
                : Math.max(1, Math.round(REFERENCE_CHECKPOINT_FRACTION * total));
    }

    /** The stages in order; default text head, then image head. */
    public List<RetrieverHead> stages() {
        return stages;
    }

    /** The settings set explicitly on the builder, by name, with their values. */
    public Map<String, String> overrides() {
        return explicit;
    }

    /** Every effective value by name, the preset first; the run's metadata. */
    public Map<String, String> values() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("preset", preset.name());
        v.put("supervision_score", supervisionScore.name());
        v.put("kl_reduction", klReduction.name());
        v.put("loss_scale", Float.toString(lossScale));
        v.put("gradient_clip_norm", Float.toString(gradientClipNorm));
        v.put("weight_decay", Float.toString(weightDecay));
        v.put("decay_all_parameters", Boolean.toString(decayAllParameters));
        v.put("image_head_training_mode", Boolean.toString(imageHeadTrainingMode));
        v.put("image_stage_starts_from_text_snapshot", Boolean.toString(imageStageStartsFromTextSnapshot));
        v.put("disagreement_weighting", disagreementWeighting.name());
        v.put("exact_candidates", Boolean.toString(exactCandidates));
        v.put("fusion_weighting", fusionWeighting.name());
        v.put("checkpoint_selection", checkpointSelection.name());
        v.put("prior", Boolean.toString(prior));
        v.put("gold_temperature", Double.toString(goldTemperature));
        v.put("score_temperature", Double.toString(scoreTemperature));
        v.put("candidates", Integer.toString(candidates));
        v.put("refresh_every", Integer.toString(refreshEvery));
        v.put("queries_per_step", Integer.toString(queriesPerStep));
        v.put("learning_rate", Double.toString(learningRate));
        v.put("alpha", Double.toString(alpha));
        v.put("passes", Integer.toString(passes));
        v.put("total_steps", totalSteps > 0 ? Long.toString(totalSteps) : "passes");
        v.put("warmup_steps", warmupSteps >= 0 ? Long.toString(warmupSteps) : "fraction " + DEFAULT_WARMUP_FRACTION);
        v.put("evaluate_every", evaluateEvery > 0 ? Long.toString(evaluateEvery) : DEFAULT_EVALUATIONS + " evaluations");
        v.put("stages", stages.stream().map(h -> h.name().toLowerCase(Locale.ROOT)).toList().toString());
        return Collections.unmodifiableMap(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Phase2Settings s && s.values().equals(values()) && s.referenceCheckpointStep == referenceCheckpointStep;
    }

    @Override
    public int hashCode() {
        return values().hashCode();
    }

    @Override
    public String toString() {
        return "Phase2Settings" + values();
    }

    /** Builder for {@link Phase2Settings}; every setting is optional. Not thread-safe. */
    public static final class Builder {
        private Phase2Preset preset = Phase2Preset.CLEAN;
        private final Map<String, String> explicit = new LinkedHashMap<>();
        private SupervisionScore supervisionScore;
        private KlReduction klReduction;
        private Float lossScale;
        private Float gradientClipNorm;
        private Float weightDecay;
        private Boolean decayAllParameters;
        private Boolean imageHeadTrainingMode;
        private Boolean imageStageStartsFromTextSnapshot;
        private DisagreementWeighting disagreementWeighting;
        private Boolean exactCandidates;
        private FusionWeighting fusionWeighting;
        private CheckpointSelection checkpointSelection;
        private boolean prior = true;
        private double goldTemperature = 1.0;
        private double scoreTemperature = 1.0;
        private int candidates = DEFAULT_CANDIDATES;
        private int refreshEvery = DEFAULT_REFRESH_EVERY;
        private int queriesPerStep = DEFAULT_QUERIES_PER_STEP;
        private double learningRate = 1e-4;
        private double alpha = 0.15;
        private int passes = DEFAULT_PASSES;
        private long totalSteps;
        private long warmupSteps = -1;
        private long evaluateEvery;
        private long referenceCheckpointStep;
        private List<RetrieverHead> stages = List.of(RetrieverHead.TEXT, RetrieverHead.IMAGE);

        private Builder() {
        }

        private Builder record(String name, Object value) {
            explicit.put(name, String.valueOf(value));
            return this;
        }

        /** The preset the switches start from; default {@code CLEAN}. */
        public Builder optPreset(Phase2Preset preset) {
            this.preset = Objects.requireNonNull(preset, "preset");
            return this;
        }

        public Builder optSupervisionScore(SupervisionScore score) {
            this.supervisionScore = Objects.requireNonNull(score, "score");
            return record("supervision_score", score);
        }

        public Builder optKlReduction(KlReduction reduction) {
            this.klReduction = Objects.requireNonNull(reduction, "reduction");
            return record("kl_reduction", reduction);
        }

        /** Factor applied to the loss before backward; positive and finite. */
        public Builder optLossScale(float scale) {
            if (!(scale > 0) || Float.isInfinite(scale)) {
                throw new IllegalArgumentException("loss scale must be positive and finite, got " + scale);
            }
            this.lossScale = scale;
            return record("loss_scale", scale);
        }

        /** Global L2 norm to clip the unscaled gradients to; 0 turns clipping off. */
        public Builder optGradientClipNorm(float norm) {
            if (!(norm >= 0) || Float.isInfinite(norm)) {
                throw new IllegalArgumentException("gradient clip norm must be finite and non-negative (0 = off), got " + norm);
            }
            this.gradientClipNorm = norm;
            return record("gradient_clip_norm", norm);
        }

        /** AdamW weight decay, and whether it applies to every parameter or to weights only. */
        public Builder optWeightDecay(float decay, boolean allParameters) {
            if (!(decay >= 0) || Float.isInfinite(decay)) {
                throw new IllegalArgumentException("weight decay must be finite and non-negative, got " + decay);
            }
            this.weightDecay = decay;
            this.decayAllParameters = allParameters;
            record("weight_decay", decay);
            return record("decay_all_parameters", allParameters);
        }

        public Builder optImageHeadTrainingMode(boolean trainingMode) {
            this.imageHeadTrainingMode = trainingMode;
            return record("image_head_training_mode", trainingMode);
        }

        public Builder optImageStageStartsFromTextSnapshot(boolean fromText) {
            this.imageStageStartsFromTextSnapshot = fromText;
            return record("image_stage_starts_from_text_snapshot", fromText);
        }

        public Builder optDisagreementWeighting(DisagreementWeighting weighting) {
            this.disagreementWeighting = Objects.requireNonNull(weighting, "weighting");
            return record("disagreement_weighting", weighting);
        }

        public Builder optExactCandidates(boolean exact) {
            this.exactCandidates = exact;
            return record("exact_candidates", exact);
        }

        public Builder optFusionWeighting(FusionWeighting weighting) {
            this.fusionWeighting = Objects.requireNonNull(weighting, "weighting");
            return record("fusion_weighting", weighting);
        }

        public Builder optCheckpointSelection(CheckpointSelection selection) {
            this.checkpointSelection = Objects.requireNonNull(selection, "selection");
            return record("checkpoint_selection", selection);
        }

        /** Whether the target includes the detached retriever prior; default true. */
        public Builder optPrior(boolean prior) {
            this.prior = prior;
            return record("prior", prior);
        }

        /** {@code tau_gold} and {@code tau_score}; both positive and finite; default 1 and 1. */
        public Builder optTemperatures(double gold, double score) {
            if (!(gold > 0) || !(score > 0) || Double.isInfinite(gold) || Double.isInfinite(score)) {
                throw new IllegalArgumentException("temperatures must be positive and finite, got gold " + gold + ", score " + score);
            }
            this.goldTemperature = gold;
            this.scoreTemperature = score;
            record("gold_temperature", gold);
            return record("score_temperature", score);
        }

        /** {@code K}, at least 2; default 50. */
        public Builder optCandidates(int k) {
            if (k < 2) {
                throw new IllegalArgumentException("candidates K must be at least 2, got " + k);
            }
            this.candidates = k;
            return record("candidates", k);
        }

        /** {@code R}, at least 1; default 10. */
        public Builder optRefreshEvery(int steps) {
            if (steps < 1) {
                throw new IllegalArgumentException("refresh period R must be at least 1, got " + steps);
            }
            this.refreshEvery = steps;
            return record("refresh_every", steps);
        }

        /** {@code B}, at least 1; default 2. */
        public Builder optQueriesPerStep(int b) {
            if (b < 1) {
                throw new IllegalArgumentException("queries per step B must be at least 1, got " + b);
            }
            this.queriesPerStep = b;
            return record("queries_per_step", b);
        }

        /** Peak learning rate, positive and finite; default 1e-4. */
        public Builder optLearningRate(double lr) {
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("learning rate must be positive and finite, got " + lr);
            }
            this.learningRate = lr;
            return record("learning_rate", lr);
        }

        /** Weight of the learned term, in (0, 1]; default 0.15. */
        public Builder optAlpha(double alpha) {
            if (!(alpha > 0 && alpha <= 1)) {
                throw new IllegalArgumentException("alpha must be in (0, 1], got " + alpha);
            }
            this.alpha = alpha;
            return record("alpha", alpha);
        }

        /** Passes over the training stream per stage, at least 1. */
        public Builder optPasses(int passes) {
            if (passes < 1) {
                throw new IllegalArgumentException("passes must be at least 1, got " + passes);
            }
            this.passes = passes;
            return record("passes", passes);
        }

        /** Steps per stage, overriding the passes (the released scripts: 50,000). */
        public Builder optTotalSteps(long steps) {
            if (steps < 1) {
                throw new IllegalArgumentException("total steps must be at least 1, got " + steps);
            }
            this.totalSteps = steps;
            return record("total_steps", steps);
        }

        /** Warm-up steps (the released scripts: 20); default 5% of the stage. */
        public Builder optWarmupSteps(long steps) {
            if (steps < 0) {
                throw new IllegalArgumentException("warm-up steps must be non-negative, got " + steps);
            }
            this.warmupSteps = steps;
            return record("warmup_steps", steps);
        }

        /** Steps between evaluations (the released scripts: 100); default a tenth of the stage. */
        public Builder optEvaluateEvery(long steps) {
            if (steps < 1) {
                throw new IllegalArgumentException("evaluation period must be at least 1, got " + steps);
            }
            this.evaluateEvery = steps;
            return record("evaluate_every", steps);
        }

        /** The {@link CheckpointSelection#FIXED_STEP} step (the released scripts: 24,800); default scaled. */
        public Builder optReferenceCheckpointStep(long step) {
            if (step < 1) {
                throw new IllegalArgumentException("reference checkpoint step must be at least 1, got " + step);
            }
            this.referenceCheckpointStep = step;
            return record("reference_checkpoint_step", step);
        }

        /** Which heads to train, in order; default text, then image. */
        public Builder optStages(List<RetrieverHead> stages) {
            if (stages.isEmpty() || stages.stream().distinct().count() != stages.size()) {
                throw new IllegalArgumentException("stages must be non-empty and distinct, got " + stages);
            }
            this.stages = List.copyOf(stages);
            return record("stages", stages);
        }

        public Phase2Settings build() {
            return new Phase2Settings(this);
        }
    }
}
