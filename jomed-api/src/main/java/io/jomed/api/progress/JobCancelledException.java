package io.jomed.api.progress;

/**
 * Thrown by a long job that stopped because its {@link ProgressListener} asked it to. Stored data are
 * as they were before the job.
 *
 * <p>Instances are immutable once thrown and safe to share between threads.
 */
public class JobCancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JobCancelledException(String message) {
        super(message);
    }
}
