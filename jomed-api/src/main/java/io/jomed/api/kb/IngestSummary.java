package io.jomed.api.kb;

import java.time.Duration;
import java.util.Objects;

/**
 * What one committed ingest did.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param added cases whose id was new
 * @param replaced cases that replaced a stored case of the same id
 * @param elapsed wall time of the ingest, commit included
 */
public record IngestSummary(int added, int replaced, Duration elapsed) {
    public IngestSummary {
        Objects.requireNonNull(elapsed, "elapsed");
        if (added < 0 || replaced < 0) {
            throw new IllegalArgumentException("counts must be non-negative");
        }
    }

    public int total() {
        return added + replaced;
    }

    /** Cases per second, commit included. */
    public double casesPerSecond() {
        double s = elapsed.toNanos() / 1e9;
        return s == 0 ? Double.POSITIVE_INFINITY : total() / s;
    }
}
