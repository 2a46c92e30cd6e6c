package io.jomed.training.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WarmupCosineScheduleTest {

    @Test
    void warmsUpLinearlyThenFollowsACosineToZero() {
        WarmupCosineSchedule s = WarmupCosineSchedule.ofSteps(1e-3, 110, 10);
        assertThat(s.learningRate(0)).isCloseTo(1e-4, within(1e-12));
        assertThat(s.learningRate(4)).isCloseTo(5e-4, within(1e-12));
        assertThat(s.learningRate(9)).isCloseTo(1e-3, within(1e-12));
        assertThat(s.learningRate(10)).isCloseTo(1e-3, within(1e-12));
        assertThat(s.learningRate(60)).isCloseTo(5e-4, within(1e-12));
        assertThat(s.learningRate(35)).isCloseTo(1e-3 * 0.5 * (1 + Math.cos(Math.PI / 4)), within(1e-12));
        assertThat(s.learningRate(109)).isPositive().isLessThan(1e-6);
        assertThat(s.learningRate(110)).isZero();
        assertThat(s.learningRate(500)).isZero();
        for (long step = 10; step < 109; step++) {
            assertThat(s.learningRate(step + 1)).isLessThan(s.learningRate(step));
        }
    }

    @Test
    void fractionRoundsToWholeStepsAndZeroWarmupStartsAtThePeak() {
        assertThat(WarmupCosineSchedule.ofFraction(1e-3, 1000, 0.1).warmupSteps()).isEqualTo(100);
        assertThat(WarmupCosineSchedule.ofFraction(1e-3, 7, 0.1).warmupSteps()).isEqualTo(1);
        assertThat(WarmupCosineSchedule.ofFraction(1e-3, 1, 0.5).warmupSteps()).isZero();
        WarmupCosineSchedule none = WarmupCosineSchedule.ofSteps(2e-3, 4, 0);
        assertThat(none.learningRate(0)).isEqualTo(2e-3);
        assertThat(none.learningRate(2)).isCloseTo(1e-3, within(1e-12));
    }

    @Test
    void rejectsInvalidSettings() {
        assertThatThrownBy(() -> WarmupCosineSchedule.ofSteps(0, 10, 1)).hasMessageContaining("peak");
        assertThatThrownBy(() -> WarmupCosineSchedule.ofSteps(1e-3, 0, 0)).hasMessageContaining("total steps");
        assertThatThrownBy(() -> WarmupCosineSchedule.ofSteps(1e-3, 10, 10)).hasMessageContaining("[0, 10)");
        assertThatThrownBy(() -> WarmupCosineSchedule.ofFraction(1e-3, 10, 1.0)).hasMessageContaining("fraction");
        assertThatThrownBy(() -> WarmupCosineSchedule.ofSteps(1e-3, 10, 1).learningRate(-1)).hasMessageContaining("-1");
    }
}
