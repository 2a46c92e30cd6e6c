package io.jomed.training.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void macroMetricsFollowMethodSection43() {
        int[] gold = {0, 0, 1, 1, 2};
        int[] pred = {0, 1, 1, -1, 1};
        ClassificationMetrics clean = ClassificationMetrics.of(gold, pred, 4, ClassificationMetrics.ClassSet.LABEL_SPACE);
        // class 0: P 1, R 0.5, F1 2/3; class 1: P 1/3, R 1/2, F1 0.4; class 2: 0; class 3: 0
        assertThat(clean.accuracy()).isCloseTo(0.4, within(1e-12));
        assertThat(clean.macroPrecision()).isCloseTo((1 + 1.0 / 3) / 4, within(1e-12));
        assertThat(clean.macroRecall()).isCloseTo(1.0 / 4, within(1e-12));
        assertThat(clean.macroF1()).isCloseTo((2.0 / 3 + 0.4) / 4, within(1e-12));
        ClassificationMetrics reference = ClassificationMetrics.of(gold, pred, 4, ClassificationMetrics.ClassSet.OCCURRING);
        assertThat(reference.macroF1()).isCloseTo((2.0 / 3 + 0.4) / 3, within(1e-12));
        assertThatThrownBy(() -> ClassificationMetrics.of(new int[] {5}, new int[] {0}, 2, ClassificationMetrics.ClassSet.OCCURRING))
                .hasMessageContaining("gold label 5 at position 0");
    }

    @Test
    void aucIsTheProbabilityThatAPositiveOutranksANegative() {
        assertThat(RocAuc.binary(new double[] {0.1, 0.4, 0.35, 0.8}, new boolean[] {false, false, true, true}))
                .isCloseTo(0.75, within(1e-12));
        assertThat(RocAuc.binary(new double[] {0.5, 0.5}, new boolean[] {true, false})).isCloseTo(0.5, within(1e-12));
        assertThat(RocAuc.binary(new double[] {0.5}, new boolean[] {true})).isNaN();
        double[][] p = {{0.8, 0.1, 0.1}, {0.2, 0.7, 0.1}, {0.1, 0.2, 0.7}, {0.3, 0.4, 0.3}};
        assertThat(RocAuc.of(p, new int[] {0, 1, 2, 1}, -1)).isCloseTo(1.0, within(1e-12));
        assertThat(RocAuc.of(p, new int[] {0, 1, 2, 1}, 0)).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void eceWeighsEachBinsGapByItsSize() {
        double ece = ExpectedCalibrationError.of(new double[] {0.9, 0.9, 0.6, 0.6}, new boolean[] {true, false, true, true}, 15);
        assertThat(ece).isCloseTo(0.5 * 0.4 + 0.5 * 0.4, within(1e-12));
        assertThat(ExpectedCalibrationError.of(new double[] {1.0, 0.0}, new boolean[] {true, false}, 15)).isZero();
    }

    @Test
    void pairedBootstrapCoversTheObservedDifferenceAndIsReproducible() {
        boolean[] a = new boolean[200];
        boolean[] b = new boolean[200];
        for (int i = 0; i < 200; i++) {
            a[i] = i % 10 < 8;
            b[i] = i % 10 < 7;
        }
        java.util.function.ToDoubleFunction<int[]> diff = idx -> {
            double s = 0;
            for (int i : idx) {
                s += (a[i] ? 1 : 0) - (b[i] ? 1 : 0);
            }
            return s / idx.length;
        };
        PairedBootstrap.Interval ci = PairedBootstrap.interval(200, diff, 2000, 0.95, 7);
        assertThat(ci.difference()).isCloseTo(0.1, within(1e-12));
        assertThat(ci.lower()).isLessThan(0.1).isGreaterThan(0.0);
        assertThat(ci.upper()).isGreaterThan(0.1);
        assertThat(PairedBootstrap.interval(200, diff, 2000, 0.95, 7)).isEqualTo(ci);
    }

    @Test
    void bootstrapIntervalOfOneSystemCoversItsEstimateAndIsReproducible() {
        boolean[] right = new boolean[400];
        for (int i = 0; i < right.length; i++) {
            right[i] = i % 2 == 0;
        }
        java.util.function.ToDoubleFunction<int[]> accuracy = idx -> {
            double s = 0;
            for (int i : idx) {
                s += right[i] ? 1 : 0;
            }
            return s / idx.length;
        };
        Bootstrap.Interval ci = Bootstrap.percentile(400, accuracy, 2000, 0.95, 3);
        assertThat(ci.estimate()).isEqualTo(0.5);
        // binomial standard error sqrt(0.25 / 400) = 0.025: the 95% interval is about 0.5 -+ 0.049
        assertThat(ci.lower()).isBetween(0.44, 0.47);
        assertThat(ci.upper()).isBetween(0.53, 0.56);
        assertThat(ci.contains(0.5)).isTrue();
        assertThat(ci.contains(0.6)).isFalse();
        assertThat(Bootstrap.percentile(400, accuracy, 2000, 0.95, 3)).isEqualTo(ci);
        assertThatThrownBy(() -> Bootstrap.percentile(0, accuracy, 2000, 0.95, 3)).hasMessageContaining("got n = 0");
        assertThatThrownBy(() -> Bootstrap.percentile(10, accuracy, 2000, 1.0, 3)).hasMessageContaining("confidence = 1.0");
    }

    @Test
    void pairedBootstrapIsTheBootstrapOfTheDifference() {
        java.util.function.ToDoubleFunction<int[]> statistic = idx -> java.util.Arrays.stream(idx).average().orElseThrow();
        Bootstrap.Interval one = Bootstrap.percentile(50, statistic, 500, 0.9, 11);
        PairedBootstrap.Interval paired = PairedBootstrap.interval(50, statistic, 500, 0.9, 11);
        assertThat(new double[] {paired.difference(), paired.lower(), paired.upper()})
                .containsExactly(one.estimate(), one.lower(), one.upper());
    }
}
