package io.jomed.api.progress;

/**
 * Receives progress of long jobs and may ask them to stop. Jobs call {@link #onProgress} every few
 * units of work and check {@link #isCancelled()} between units; a cancelled job throws
 * {@link JobCancelledException} after leaving stored data as it was before the job (an ingest does not
 * commit, a training run keeps its last checkpoint).
 *
 * <p>Jobs may call a listener from a worker thread; implementations must be thread-safe.
 */
public interface ProgressListener {

    /** A listener that ignores events and never cancels. */
    ProgressListener NONE = event -> { };

    void onProgress(ProgressEvent event);

    /** Whether the job should stop as soon as it safely can. Default: never. */
    default boolean isCancelled() {
        return false;
    }

    /** Throws {@link JobCancelledException} if this listener asks the job to stop. */
    default void checkCancelled(String job) {
        if (isCancelled()) {
            throw new JobCancelledException(job + " was cancelled by its progress listener");
        }
    }
}
