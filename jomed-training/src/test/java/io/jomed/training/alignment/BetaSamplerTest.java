package io.jomed.training.alignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BetaSamplerTest {
    @Test
    void symmetricDrawsHaveTheBetaMeanAndVariance() {
        for (double alpha : new double[] {0.2, 0.4, 1.0, 3.0}) {
            Random random = new Random(7);
            int n = 40_000;
            double sum = 0;
            double sumSquares = 0;
            for (int i = 0; i < n; i++) {
                double x = BetaSampler.symmetric(alpha, random);
                assertThat(x).isBetween(0.0, 1.0);
                sum += x;
                sumSquares += x * x;
            }
            double mean = sum / n;
            double variance = sumSquares / n - mean * mean;
            assertThat(mean).as("mean for alpha %s", alpha).isCloseTo(0.5, within(0.01));
            assertThat(variance).as("variance for alpha %s", alpha).isCloseTo(1 / (4 * (2 * alpha + 1)), within(0.005));
        }
    }

    @Test
    void gammaDrawsHaveTheirShapeAsMean() {
        for (double shape : new double[] {0.3, 1.0, 4.5}) {
            Random random = new Random(3);
            double sum = 0;
            int n = 40_000;
            for (int i = 0; i < n; i++) {
                sum += BetaSampler.gamma(shape, random);
            }
            assertThat(sum / n).as("mean for shape %s", shape).isCloseTo(shape, within(0.03 * Math.max(1, shape)));
        }
    }

    @Test
    void rejectsANonPositiveAlpha() {
        assertThatThrownBy(() -> BetaSampler.symmetric(0, new Random(1))).hasMessageContaining("alpha");
    }
}
