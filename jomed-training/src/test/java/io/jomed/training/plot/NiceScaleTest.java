package io.jomed.training.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NiceScaleTest {

    private static String[] labels(NiceScale s) {
        return Arrays.stream(s.ticks()).mapToObj(s::label).toArray(String[]::new);
    }

    @Test
    void stepsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(NiceScale.niceStep(0.3)).isCloseTo(0.5, within(1e-12));
        assertThat(NiceScale.niceStep(0.17)).isCloseTo(0.2, within(1e-12));
        assertThat(NiceScale.niceStep(1)).isEqualTo(1);
        assertThat(NiceScale.niceStep(7)).isEqualTo(10);
        assertThat(NiceScale.niceStep(124.25)).isEqualTo(100);
        assertThat(NiceScale.niceStep(2.9)).isEqualTo(2);
    }

    @Test
    void anAutomaticScaleWidensTheDataToWholeSteps() {
        NiceScale s = NiceScale.auto(0.03, 0.87, 5);
        assertThat(s.min()).isZero();
        assertThat(s.max()).isCloseTo(1.0, within(1e-12));
        assertThat(labels(s)).containsExactly("0.0", "0.2", "0.4", "0.6", "0.8", "1.0");

        NiceScale steps = NiceScale.auto(3, 997, 5);
        assertThat(labels(steps)).containsExactly("0", "200", "400", "600", "800", "1000");
    }

    @Test
    void aFixedScaleKeepsItsBoundsAndTicksTheMultiplesInside() {
        NiceScale s = NiceScale.fixed(0.05, 0.95, 4);
        assertThat(s.min()).isEqualTo(0.05);
        assertThat(s.max()).isEqualTo(0.95);
        assertThat(labels(s)).containsExactly("0.2", "0.4", "0.6", "0.8");
        assertThatThrownBy(() -> NiceScale.fixed(1, 1, 4)).hasMessageContaining("[1.0, 1.0]");
    }

    @Test
    void aSingleValueGetsARangeAndZeroIsNeverNegative() {
        NiceScale s = NiceScale.auto(5, 5, 5);
        assertThat(s.min()).isLessThan(5);
        assertThat(s.max()).isGreaterThan(5);
        assertThat(labels(NiceScale.auto(-0.3, 0.3, 6))).contains("0.0").doesNotContain("-0.0");
    }
}
