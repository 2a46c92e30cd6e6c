package io.jomed.training.evaluation;

import io.jomed.training.metrics.ClassificationMetrics;
import io.jomed.training.metrics.ClassificationMetrics.ClassSet;
import io.jomed.training.metrics.ExpectedCalibrationError;
import io.jomed.training.metrics.RocAuc;
import java.util.Objects;

/**
 * The metrics of one mode over a prediction log: accuracy and macro precision, recall and F1
 * (method.md §4.3), ROC AUC (binary: the label space's positive class; otherwise macro one-vs-rest) and
 * expected calibration error over {@value ExpectedCalibrationError#DEFAULT_BINS} equal-width bins of the
 * top-class probability.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param accuracy fraction of correct predictions
 * @param macroPrecision mean per-class precision
 * @param macroRecall mean per-class recall
 * @param macroF1 mean per-class F1
 * @param auc ROC AUC, NaN when the gold labels hold a single class
 * @param ece expected calibration error
 */
public record ModeMetrics(double accuracy, double macroPrecision, double macroRecall, double macroF1, double auc,
        double ece) {

    /**
     * Computes a mode's metrics.
     *
     * @param classSet {@link ClassSet#LABEL_SPACE} for {@code CLEAN}, {@link ClassSet#OCCURRING} for {@code REFERENCE}
     * @throws IllegalArgumentException if the log is empty or lacks the mode
     */
    public static ModeMetrics of(PredictionLog log, String mode, ClassSet classSet) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(classSet, "classSet");
        log.requireMode(mode);
        if (log.size() == 0) {
            throw new IllegalArgumentException("the prediction log is empty");
        }
        int[] gold = log.gold();
        int[] predicted = log.predicted(mode);
        ClassificationMetrics m = ClassificationMetrics.of(gold, predicted, log.classes(), classSet);
        double[][] p = log.probabilities(mode);
        double auc = RocAuc.of(p, gold, log.positiveIndex());
        double[] confidence = new double[gold.length];
        for (int i = 0; i < confidence.length; i++) {
            confidence[i] = predicted[i] < 0 ? 0 : p[i][predicted[i]];
        }
        double ece = ExpectedCalibrationError.of(confidence, log.correct(mode), ExpectedCalibrationError.DEFAULT_BINS);
        return new ModeMetrics(m.accuracy(), m.macroPrecision(), m.macroRecall(), m.macroF1(), auc, ece);
    }
}
