package io.jomed.training.plot;

import java.util.Objects;

/**
 * Validation shared by the chart builders.
 *
 * <p>Stateless and thread-safe.
 */
final class Charts {
    static final int MIN_WIDTH = 200;
    static final int MIN_HEIGHT = 150;
    static final int MAX_SIDE = 10_000;

    private Charts() {
    }

    static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " is blank");
        }
        return value;
    }

    static void requireRange(double min, double max) {
        if (!Double.isFinite(min) || !Double.isFinite(max) || !(min < max)) {
            throw new IllegalArgumentException("the y range must be finite with min < max, got [" + min + ", " + max + "]");
        }
    }

    static void requireSize(int width, int height) {
        if (width < MIN_WIDTH || width > MAX_SIDE || height < MIN_HEIGHT || height > MAX_SIDE) {
            throw new IllegalArgumentException("the size must be within [" + MIN_WIDTH + ", " + MAX_SIDE + "] x ["
                    + MIN_HEIGHT + ", " + MAX_SIDE + "] pixels, got " + width + "x" + height);
        }
    }
}
