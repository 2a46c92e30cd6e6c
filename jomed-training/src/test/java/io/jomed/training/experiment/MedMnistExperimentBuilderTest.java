package io.jomed.training.experiment;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MedMnistExperimentBuilderTest {

    @Test
    void rejectsOutOfRangeSettingsNamingThem() {
        MedMnistExperiment.Builder b = MedMnistExperiment.builder();
        assertThatThrownBy(() -> b.optAlignmentEpochs(0)).hasMessage("alignment epochs must be positive, got 0");
        assertThatThrownBy(() -> b.optTowerMembers(0)).hasMessage("tower members must be between 1 and 16, got 0");
        assertThatThrownBy(() -> b.optTowerMembers(17)).hasMessage("tower members must be between 1 and 16, got 17");
        assertThatThrownBy(() -> b.optOutOfFoldFolds(1)).hasMessageContaining("got 1");
        assertThatThrownBy(() -> b.optPhase1Passes(0)).hasMessageContaining("got 0");
        assertThatThrownBy(b::build).hasMessageContaining("dataset, text encoder and work directory are required");
    }
}
