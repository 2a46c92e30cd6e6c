package io.jomed.training.phase1;

import io.jomed.reader.classifier.ClassifierReaderModel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a phase-1 run produced: the trained model, holding the parameters of the best validation evaluation,
 * the evaluation history and timings.
 *
 * <p>Immutable and thread-safe as a value; the model is the one given to {@link Phase1ReaderTraining}, owned
 * (and closed) by whoever created it.
 *
 * @param mode retrieval-augmented or closed-book
 * @param model the trained model, its parameters those of {@code bestStep}
 * @param history every evaluation, in step order
 * @param bestStep the step whose parameters the model holds
 * @param bestValidationAccuracy the validation accuracy at {@code bestStep}
 * @param steps optimizer steps run
 * @param rowsPerBatch reader rows per optimizer step
 * @param retrievalTime time spent retrieving context up front (zero in closed-book mode)
 * @param elapsed wall time of the whole run, retrieval included
 */
public record Phase1Result(Phase1Mode mode, ClassifierReaderModel model, List<Phase1Evaluation> history, long bestStep,
        double bestValidationAccuracy, long steps, int rowsPerBatch, Duration retrievalTime, Duration elapsed) {

    public Phase1Result {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(model, "model");
        history = List.copyOf(history);
        Objects.requireNonNull(retrievalTime, "retrievalTime");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** The evaluation at the best step. */
    public Phase1Evaluation best() {
        return history.stream().filter(e -> e.step() == bestStep).findFirst()
                .orElseThrow(() -> new IllegalStateException("no evaluation at the best step " + bestStep));
    }
}
