package io.jomed.training.alignment;

import java.util.Random;

/**
 * Draws from a symmetric Beta distribution with a caller's {@link Random}, so that a seeded run stays
 * reproducible: {@code Beta(a, a) = X / (X + Y)} with {@code X, Y ~ Gamma(a, 1)} (Marsaglia and Tsang's method,
 * with the {@code U^(1/a)} boost for {@code a < 1}).
 *
 * <p>Stateless and thread-safe; the {@link Random} passed in is not.
 */
final class BetaSampler {
    private BetaSampler() {
    }

    /** One draw of {@code Beta(alpha, alpha)}, {@code alpha > 0}. */
    static double symmetric(double alpha, Random random) {
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("alpha must be positive and finite, got " + alpha);
        }
        double x = gamma(alpha, random);
        double y = gamma(alpha, random);
        return x + y == 0 ? 0.5 : x / (x + y);
    }

    /** One draw of {@code Gamma(shape, 1)}. */
    static double gamma(double shape, Random random) {
        if (shape < 1) {
            double u = random.nextDouble();
            return gamma(shape + 1, random) * Math.pow(u, 1 / shape);
        }
        double d = shape - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double z = random.nextGaussian();
            double v = 1 + c * z;
            if (v <= 0) {
                continue;
            }
            v = v * v * v;
            double u = random.nextDouble();
            if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) {
                return d * v;
            }
        }
    }
}
