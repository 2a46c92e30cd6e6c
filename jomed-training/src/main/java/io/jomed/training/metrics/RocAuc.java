package io.jomed.training.metrics;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Area under the ROC curve from predicted probabilities: for a binary task the positive class's
 * probability against the rest; for a multi-class task the unweighted mean of one-vs-rest AUCs over classes
 * that have both positives and negatives. Computed with the Mann-Whitney statistic, ties counted one half.
 *
 * <p>Stateless and thread-safe.
 */
public final class RocAuc {
    private RocAuc() {
    }

    /** AUC of scores against binary truth; NaN when one side is empty. */
    public static double binary(double[] scores, boolean[] positive) {
        if (scores.length != positive.length) {
            throw new IllegalArgumentException(scores.length + " scores for " + positive.length + " labels");
        }
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double rankSumPositive = 0;
        long positives = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) {
                if (positive[order[t]]) {
                    rankSumPositive += midRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = scores.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSumPositive - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /**
     * Binary AUC for the positive class, or macro one-vs-rest AUC when {@code positiveClass < 0}.
     *
     * @param probabilities per example, one probability per class
     * @param gold gold class per example
     */
    public static double of(double[][] probabilities, int[] gold, int positiveClass) {
        int classes = probabilities[0].length;
        if (positiveClass >= 0) {
            return binary(column(probabilities, positiveClass), truth(gold, positiveClass));
        }
        double sum = 0;
        int n = 0;
        for (int c = 0; c < classes; c++) {
            double auc = binary(column(probabilities, c), truth(gold, c));
            if (!Double.isNaN(auc)) {
                sum += auc;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static double[] column(double[][] p, int c) {
        double[] out = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = p[i][c];
        }
        return out;
    }

    private static boolean[] truth(int[] gold, int c) {
        boolean[] out = new boolean[gold.length];
        for (int i = 0; i < gold.length; i++) {
            out[i] = gold[i] == c;
        }
        return out;
    }
}
