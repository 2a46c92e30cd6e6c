package io.jomed.api.progress;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One progress report of a long job (ingest, alignment, training, evaluation): which job and stage,
 * how far ({@code completed} of {@code total} units, {@code total} 0 when unknown), elapsed time,
 * an estimate of the time left, and named metrics such as {@code loss} or {@code val_accuracy}.
 *
 * <p>Instances are immutable and safe to share between threads. They never carry patient data.
 *
 * @param job the job, for example {@code ingest}, {@code align}, {@code phase1}
 * @param stage a finer step within the job, may equal {@code job}
 * @param completed units done so far
 * @param total units in all, or 0 when unknown
 * @param elapsed time since the job started
 * @param metrics named numeric figures at this point, in insertion order
 */
public record ProgressEvent(String job, String stage, long completed, long total, Duration elapsed,
        Map<String, Double> metrics) {

    public ProgressEvent {
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(elapsed, "elapsed");
        if (completed < 0 || total < 0) {
            throw new IllegalArgumentException("completed and total must be non-negative, got " + completed + "/" + total);
        }
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    /** An event without metrics. */
    public static ProgressEvent of(String job, String stage, long completed, long total, Duration elapsed) {
        return new ProgressEvent(job, stage, completed, total, elapsed, Map.of());
    }

    /** Fraction done in [0, 1], or empty when the total is unknown. */
    public Optional<Double> fraction() {
        return total == 0 ? Optional.empty() : Optional.of(Math.min(1.0, (double) completed / total));
    }

    /** Linear estimate of the time left, or empty when nothing is done yet or the total is unknown. */
    public Optional<Duration> remaining() {
        if (total == 0 || completed == 0) {
            return Optional.empty();
        }
        long left = Math.max(0, total - completed);
        return Optional.of(Duration.ofNanos((long) ((double) elapsed.toNanos() / completed * left)));
    }
}
