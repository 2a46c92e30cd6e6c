package io.jomed.training.metrics;

/**
 * Expected calibration error over equal-width bins of the top-class probability (default 15 bins):
 * {@code sum_b (n_b / n) |accuracy_b - confidence_b|}. Bins are {@code (lo, hi]}, the first also holding 0.
 *
 * <p>Stateless and thread-safe.
 */
public final class ExpectedCalibrationError {
    /** The bin count. */
    public static final int DEFAULT_BINS = 15;

    private ExpectedCalibrationError() {
    }

    /**
     * @param confidence the predicted class's probability per example, in [0, 1]
     * @param correct whether each prediction was right
     */
    public static double of(double[] confidence, boolean[] correct, int bins) {
        if (confidence.length != correct.length || confidence.length == 0) {
            throw new IllegalArgumentException("need one correctness flag per confidence, at least one");
        }
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be positive, got " + bins);
        }
        double[] confSum = new double[bins];
        double[] hits = new double[bins];
        int[] count = new int[bins];
        for (int i = 0; i < confidence.length; i++) {
            double c = confidence[i];
            if (!(c >= 0 && c <= 1)) {
                throw new IllegalArgumentException("confidence " + c + " at position " + i + " is outside [0, 1]");
            }
            int b = Math.min(bins - 1, Math.max(0, (int) Math.ceil(c * bins) - 1));
            confSum[b] += c;
            hits[b] += correct[i] ? 1 : 0;
            count[b]++;
        }
        double ece = 0;
        for (int b = 0; b < bins; b++) {
            if (count[b] > 0) {
                ece += (double) count[b] / confidence.length * Math.abs(hits[b] / count[b] - confSum[b] / count[b]);
            }
        }
        return ece;
    }
}
