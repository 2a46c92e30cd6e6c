package io.jomed.training.plot;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * An axis range with "nice" ticks: the step is 1, 2 or 5 times a power of ten. An automatic scale widens the
 * data range to whole steps; a fixed scale keeps its bounds and puts ticks on the multiples of the step inside
 * them.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param min the axis minimum
 * @param max the axis maximum, greater than {@code min}
 * @param step the tick step
 */
record NiceScale(double min, double max, double step) {
    private static final double EPS = 1e-9;

    /** A scale covering {@code [lo, hi]} widened to whole steps, with about {@code target} intervals. */
    static NiceScale auto(double lo, double hi, int target) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException("range must be finite with lo <= hi, got [" + lo + ", " + hi + "]");
        }
        if (lo == hi) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double step = niceStep((hi - lo) / Math.max(1, target));
        double min = Math.floor(lo / step + EPS) * step;
        double max = Math.ceil(hi / step - EPS) * step;
        return new NiceScale(min, max, step);
    }

    /** A scale of exactly {@code [lo, hi]} with about {@code target} intervals. */
    static NiceScale fixed(double lo, double hi, int target) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || !(lo < hi)) {
            throw new IllegalArgumentException("range must be finite with lo < hi, got [" + lo + ", " + hi + "]");
        }
        return new NiceScale(lo, hi, niceStep((hi - lo) / Math.max(1, target)));
    }

    /** The step of 1, 2, 5 or 10 times a power of ten nearest to {@code raw} (Heckbert's thresholds). */
    static double niceStep(double raw) {
        double exp = Math.floor(Math.log10(raw));
        double base = Math.pow(10, exp);
        double f = raw / base;
        double nice = f < 1.5 - EPS ? 1 : f < 3 - EPS ? 2 : f < 7 - EPS ? 5 : 10;
        return nice * base;
    }

    /** The tick values: the multiples of the step in {@code [min, max]}. */
    double[] ticks() {
        long first = (long) Math.ceil(min / step - EPS);
        long last = (long) Math.floor(max / step + EPS);
        double[] out = new double[(int) Math.max(0, last - first + 1)];
        for (int i = 0; i < out.length; i++) {
            out[i] = (first + i) * step;
        }
        return out;
    }

    /** A tick value with as many decimals as the step needs, never {@code -0}. */
    String label(double value) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + EPS));
        String s = BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP).toPlainString();
        return s.matches("-0(\\.0*)?") ? s.substring(1) : s;
    }

    /** Where {@code value} lies between {@code min} (0) and {@code max} (1). */
    double fraction(double value) {
        return (value - min) / (max - min);
    }
}
