package io.jomed.training.schedule;

/**
 * Linear warm-up then cosine decay to zero (method.md §1.3 and §2.9). For the 0-based optimizer step
 * {@code s} of {@code T} steps with {@code w} warm-up steps: {@code lr(s) = peak * (s + 1) / w} for
 * {@code s < w}, then {@code lr(s) = peak * (1 + cos(pi * (s - w) / (T - w))) / 2}, which is the peak at
 * {@code s = w} and reaches 0 at {@code s = T}. Every step of a run therefore gets a positive rate.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class WarmupCosineSchedule {
    private final double peak;
    private final long totalSteps;
    private final long warmupSteps;

    private WarmupCosineSchedule(double peak, long totalSteps, long warmupSteps) {
        this.peak = peak;
        this.totalSteps = totalSteps;
        this.warmupSteps = warmupSteps;
    }

    /**
     * A schedule with the warm-up given in steps.
     *
     * @param peak the learning rate after warm-up, positive and finite
     * @param totalSteps optimizer steps of the run, at least 1
     * @param warmupSteps in {@code [0, totalSteps)}
     */
    public static WarmupCosineSchedule ofSteps(double peak, long totalSteps, long warmupSteps) {
        if (!(peak > 0) || !Double.isFinite(peak)) {
            throw new IllegalArgumentException("peak learning rate must be positive and finite, got " + peak);
        }
        if (totalSteps < 1) {
            throw new IllegalArgumentException("total steps must be at least 1, got " + totalSteps);
        }
        if (warmupSteps < 0 || warmupSteps >= totalSteps) {
            throw new IllegalArgumentException("warm-up steps must be in [0, " + totalSteps + "), got " + warmupSteps);
        }
        return new WarmupCosineSchedule(peak, totalSteps, warmupSteps);
    }

    /**
     * A schedule whose warm-up is a fraction of the run, rounded to whole steps (the reference implementation's
     * warm-up ratio 0.1).
     *
     * @param warmupFraction in {@code [0, 1)}
     */
    public static WarmupCosineSchedule ofFraction(double peak, long totalSteps, double warmupFraction) {
        if (!(warmupFraction >= 0 && warmupFraction < 1)) {
            throw new IllegalArgumentException("warm-up fraction must be in [0, 1), got " + warmupFraction);
        }
        long warmup = Math.min(Math.max(0, totalSteps - 1), Math.round(warmupFraction * totalSteps));
        return ofSteps(peak, totalSteps, warmup);
    }

    public double peak() {
        return peak;
    }

    public long totalSteps() {
        return totalSteps;
    }

    public long warmupSteps() {
        return warmupSteps;
    }

    /**
     * The learning rate of 0-based step {@code step}; 0 from {@code totalSteps} on.
     *
     * @throws IllegalArgumentException if the step is negative
     */
    public double learningRate(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be non-negative, got " + step);
        }
        if (step >= totalSteps) {
            return 0;
        }
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return peak * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    @Override
    public String toString() {
        return "WarmupCosineSchedule[peak=" + peak + ", total=" + totalSteps + ", warmup=" + warmupSteps + "]";
    }
}
