package io.jomed.training.phase2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.diagnosis.FusionWeighting;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.List;
import org.junit.jupiter.api.Test;

class Phase2SettingsTest {
    @Test
    void presetsHoldTheValuesOfMethodSection211() {
        Phase2Settings ref = Phase2Settings.reference();
        assertThat(ref.supervisionScore()).isEqualTo(SupervisionScore.DOUBLE_SOFTMAX);
        assertThat(ref.klReduction()).isEqualTo(KlReduction.MEAN_OVER_PAIRS);
        assertThat(ref.lossScale()).isEqualTo(1000f);
        assertThat(ref.gradientClipNorm()).isZero();
        assertThat(ref.weightDecay()).isEqualTo(1.0f);
        assertThat(ref.decayAllParameters()).isTrue();
        assertThat(ref.imageHeadTrainingMode()).isTrue();
        assertThat(ref.imageStageStartsFromTextSnapshot()).isTrue();
        assertThat(ref.exactCandidates()).isTrue();
        assertThat(ref.fusionWeighting()).isEqualTo(FusionWeighting.REFERENCE);
        assertThat(ref.checkpointSelection()).isEqualTo(CheckpointSelection.FIXED_STEP);

        Phase2Settings clean = Phase2Settings.clean();
        assertThat(clean.preset()).isEqualTo(Phase2Preset.CLEAN);
        assertThat(clean.supervisionScore()).isEqualTo(SupervisionScore.LOG_PROBABILITY);
        assertThat(clean.klReduction()).isEqualTo(KlReduction.PER_QUERY_SUM);
        assertThat(clean.lossScale()).isEqualTo(1f);
        assertThat(clean.gradientClipNorm()).isEqualTo(1f);
        assertThat(clean.weightDecay()).isEqualTo(0.01f);
        assertThat(clean.decayAllParameters()).isFalse();
        assertThat(clean.imageHeadTrainingMode()).isFalse();
        assertThat(clean.exactCandidates()).isFalse();
        assertThat(clean.checkpointSelection()).isEqualTo(CheckpointSelection.BEST_VALIDATION_ACCURACY);
        for (Phase2Settings s : List.of(ref, clean)) {
            assertThat(s.candidates()).isEqualTo(50);
            assertThat(s.refreshEvery()).isEqualTo(10);
            assertThat(s.queriesPerStep()).isEqualTo(2);
            assertThat(s.alpha()).isEqualTo(0.15);
            assertThat(s.learningRate()).isEqualTo(1e-4);
            assertThat(s.disagreementWeighting()).isEqualTo(DisagreementWeighting.OFF);
            assertThat(s.stages()).containsExactly(RetrieverHead.TEXT, RetrieverHead.IMAGE);
            assertThat(s.overrides()).isEmpty();
        }
    }

    @Test
    void eachSwitchCanBeSetOnItsOwnAndIsRecorded() {
        Phase2Settings s = Phase2Settings.builder().optPreset(Phase2Preset.REFERENCE).optKlReduction(KlReduction.PER_QUERY_SUM)
                .optGradientClipNorm(1f).build();
        assertThat(s.klReduction()).isEqualTo(KlReduction.PER_QUERY_SUM);
        assertThat(s.supervisionScore()).isEqualTo(SupervisionScore.DOUBLE_SOFTMAX);
        assertThat(s.overrides()).containsEntry("kl_reduction", "PER_QUERY_SUM").containsEntry("gradient_clip_norm", "1.0")
                .hasSize(2);
        assertThat(s.values()).containsEntry("preset", "REFERENCE").containsEntry("kl_reduction", "PER_QUERY_SUM");
    }

    @Test
    void toBuilderKeepsTheOverridesAndLetsThePresetChangeUnderThem() {
        Phase2Settings s = Phase2Settings.builder().optKlReduction(KlReduction.MEAN_OVER_PAIRS).optPasses(3).build();
        Phase2Settings again = s.toBuilder().build();
        assertThat(again).isEqualTo(s);
        assertThat(again.overrides()).isEqualTo(s.overrides());
        Phase2Settings reference = s.toBuilder().optPreset(Phase2Preset.REFERENCE).build();
        assertThat(reference.klReduction()).isEqualTo(KlReduction.MEAN_OVER_PAIRS);
        assertThat(reference.lossScale()).isEqualTo(1000f);
        assertThat(reference.passes()).isEqualTo(3);
    }

    @Test
    void budgetScalesWithPassesUnlessGivenInSteps() {
        Phase2Settings s = Phase2Settings.builder().optPasses(4).build();
        assertThat(s.stepsPerStage(147)).isEqualTo(588);
        assertThat(s.warmupSteps(588)).isEqualTo(29);
        assertThat(s.evaluateEvery(588)).isEqualTo(59);
        assertThat(s.referenceCheckpointStep(588)).isEqualTo(292);
        Phase2Settings released = Phase2Settings.builder().optTotalSteps(50_000).optWarmupSteps(20).optEvaluateEvery(100)
                .optReferenceCheckpointStep(24_800).build();
        assertThat(released.stepsPerStage(147)).isEqualTo(50_000);
        assertThat(released.warmupSteps(50_000)).isEqualTo(20);
        assertThat(released.evaluateEvery(50_000)).isEqualTo(100);
        assertThat(released.referenceCheckpointStep(50_000)).isEqualTo(24_800);
    }

    @Test
    void validatesWithPreciseMessages() {
        assertThatThrownBy(() -> Phase2Settings.builder().optCandidates(1)).hasMessageContaining("candidates K must be at least 2");
        assertThatThrownBy(() -> Phase2Settings.builder().optAlpha(0)).hasMessageContaining("alpha must be in (0, 1]");
        assertThatThrownBy(() -> Phase2Settings.builder().optTemperatures(1, -1)).hasMessageContaining("score -1.0");
        assertThatThrownBy(() -> Phase2Settings.builder().optStages(List.of(RetrieverHead.IMAGE, RetrieverHead.IMAGE)))
                .hasMessageContaining("distinct");
        assertThatThrownBy(() -> Phase2Settings.builder().optLearningRate(Double.NaN)).hasMessageContaining("learning rate");
    }
}
