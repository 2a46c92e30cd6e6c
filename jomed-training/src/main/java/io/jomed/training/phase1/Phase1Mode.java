package io.jomed.training.phase1;

/**
 * What the reader sees while {@link Phase1ReaderTraining} trains and selects it.
 *
 * <p>Enum constants are immutable and thread-safe.
 */
public enum Phase1Mode {
    /**
     * One row per retrieved case (query image, question and the case in context), model selection by fused
     * standard-RAG validation accuracy. Progress job {@code phase1}.
     */
    RETRIEVAL_AUGMENTED("phase1"),
    /**
     * Rows without context, model selection by closed-book validation accuracy; the same number of optimizer
     * steps and rows per batch as the retrieval-augmented run with the same settings. Progress job
     * {@code closed-book}.
     */
    CLOSED_BOOK("closed-book");

    private final String job;

    Phase1Mode(String job) {
        this.job = job;
    }

    /** The job name of this mode's progress events. */
    public String job() {
        return job;
    }
}
