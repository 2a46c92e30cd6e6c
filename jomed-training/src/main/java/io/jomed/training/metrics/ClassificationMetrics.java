package io.jomed.training.metrics;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Accuracy and macro precision, recall and F1 of method.md §4.3. Per class {@code c}:
 * {@code P = TP/(TP+FP)}, {@code R = TP/(TP+FN)}, {@code F1 = 2PR/(P+R)}, 0 for a zero denominator; macro
 * is the unweighted mean over the class set {@code C}. With {@link ClassSet#LABEL_SPACE} ({@code CLEAN})
 * {@code C} is every class of the task; with {@link ClassSet#OCCURRING} ({@code REFERENCE}) only the classes
 * that occur in gold or predictions. A prediction of {@code -1} means invalid: wrong, and a false negative
 * of the gold class, never a class of its own.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param accuracy fraction of correct predictions
 * @param macroPrecision mean per-class precision
 * @param macroRecall mean per-class recall
 * @param macroF1 mean per-class F1
 */
public record ClassificationMetrics(double accuracy, double macroPrecision, double macroRecall, double macroF1) {

    /** Which classes the macro average runs over. */
    public enum ClassSet {
        /** Every class of the task's label space (CLEAN). */
        LABEL_SPACE,
        /** Classes occurring in gold or predictions (REFERENCE). */
        OCCURRING
    }

    /**
     * @param gold gold class indices in {@code [0, classes)}
     * @param predicted predicted class indices, {@code -1} for invalid
     * @param classes size of the label space
     */
    public static ClassificationMetrics of(int[] gold, int[] predicted, int classes, ClassSet classSet) {
        Objects.requireNonNull(classSet, "classSet");
        if (gold.length != predicted.length || gold.length == 0) {
            throw new IllegalArgumentException("need equally many gold and predicted labels, at least one; got "
                    + gold.length + " and " + predicted.length);
        }
        long[] tp = new long[classes];
        long[] fp = new long[classes];
        long[] fn = new long[classes];
        Set<Integer> occurring = new TreeSet<>();
        int correct = 0;
        for (int i = 0; i < gold.length; i++) {
            int g = gold[i];
            int p = predicted[i];
            if (g < 0 || g >= classes) {
                throw new IllegalArgumentException("gold label " + g + " at position " + i + " is outside [0, " + classes + ")");
            }
            if (p < -1 || p >= classes) {
                throw new IllegalArgumentException("predicted label " + p + " at position " + i + " is outside [-1, " + classes + ")");
            }
            occurring.add(g);
            if (p >= 0) {
                occurring.add(p);
            }
            if (p == g) {
                correct++;
                tp[g]++;
            } else {
                fn[g]++;
                if (p >= 0) {
                    fp[p]++;
                }
            }
        }
        double sp = 0;
        double sr = 0;
        double sf = 0;
        int n = 0;
        for (int c = 0; c < classes; c++) {
            if (classSet == ClassSet.OCCURRING && !occurring.contains(c)) {
                continue;
            }
            double precision = ratio(tp[c], tp[c] + fp[c]);
            double recall = ratio(tp[c], tp[c] + fn[c]);
            sp += precision;
            sr += recall;
            sf += precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            n++;
        }
        return new ClassificationMetrics((double) correct / gold.length, sp / n, sr / n, sf / n);
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : (double) a / b;
    }
}
