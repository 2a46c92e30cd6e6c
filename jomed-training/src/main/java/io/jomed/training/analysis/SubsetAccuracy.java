package io.jomed.training.analysis;

/**
 * An accuracy over all queries and over the consistent and inconsistent subsets of a partition; NaN for an
 * empty subset.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param all accuracy over every query
 * @param consistent accuracy over the consistent queries
 * @param inconsistent accuracy over the inconsistent queries
 */
public record SubsetAccuracy(double all, double consistent, double inconsistent) {

    /**
     * @param correct per query, whether the prediction is right
     * @param inconsistent per query, whether it lies in the inconsistent subset
     */
    public static SubsetAccuracy of(boolean[] correct, boolean[] inconsistent) {
        return of(toDouble(correct), inconsistent);
    }

    /**
     * @param score per query, a correctness in [0, 1] (for example the share of a query's items that are right)
     * @param inconsistent per query, whether it lies in the inconsistent subset
     */
    public static SubsetAccuracy of(double[] score, boolean[] inconsistent) {
        if (score.length != inconsistent.length) {
            throw new IllegalArgumentException(score.length + " scores for a partition of " + inconsistent.length + " queries");
        }
        double all = 0;
        double cons = 0;
        double inc = 0;
        int nCons = 0;
        int nInc = 0;
        for (int i = 0; i < score.length; i++) {
            all += score[i];
            if (inconsistent[i]) {
                inc += score[i];
                nInc++;
            } else {
                cons += score[i];
                nCons++;
            }
        }
        return new SubsetAccuracy(score.length == 0 ? Double.NaN : all / score.length,
                nCons == 0 ? Double.NaN : cons / nCons, nInc == 0 ? Double.NaN : inc / nInc);
    }

    private static double[] toDouble(boolean[] b) {
        double[] d = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            d[i] = b[i] ? 1 : 0;
        }
        return d;
    }
}
