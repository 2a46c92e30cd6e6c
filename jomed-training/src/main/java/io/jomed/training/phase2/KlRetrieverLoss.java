package io.jomed.training.phase2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.jomed.retriever.encoding.NativeCopies;
import java.util.Objects;

/**
 * The phase-2 loss of method.md §2.5-2.8 for one step of {@code B} queries with {@code K} candidates each.
 *
 * <p>The target is built outside the autograd graph from the supervision scores {@code g} and the
 * <em>detached</em> retriever scores {@code s}:
 * {@code Q = softmax((log_softmax(g) + [prior] log_softmax(s)) / tau_gold)} (the prior is taken at temperature 1
 * whatever {@code tau_score} is). The loss is the KL divergence {@code KL(Q || P_theta)} with
 * {@code P_theta = softmax(s / tau_score)}, weighted per query by {@code w} and reduced as
 * <pre>
 * L = sum_x w(x) sum_d Q (log Q - log P_theta) / D,   D = N * (K if MEAN_OVER_PAIRS else 1),
 * N = max(1, sum_x w(x)) for DisagreementWeighting.WHOLE_SET, else B,
 * </pre>
 * so its gradient is {@code dL/ds(x,d) = w(x) (P_theta(d|x) - Q(d|x)) / (tau_score D)}: for {@code CLEAN} with
 * both temperatures 1 and no weighting that is {@code (1/B) (P_theta - Q)}.
 *
 * <p>Instances are immutable and thread-safe; the arrays {@link #loss} returns belong to the scores' manager.
 */
public final class KlRetrieverLoss {
    private final KlReduction reduction;
    private final DisagreementWeighting weighting;
    private final boolean prior;
    private final double goldTemperature;
    private final double scoreTemperature;

    public KlRetrieverLoss(KlReduction reduction, DisagreementWeighting weighting, boolean prior, double goldTemperature,
            double scoreTemperature) {
        this.reduction = Objects.requireNonNull(reduction, "reduction");
        this.weighting = Objects.requireNonNull(weighting, "weighting");
        if (!(goldTemperature > 0) || !(scoreTemperature > 0)) {
            throw new IllegalArgumentException("temperatures must be positive, got gold " + goldTemperature + ", score "
                    + scoreTemperature);
        }
        this.prior = prior;
        this.goldTemperature = goldTemperature;
        this.scoreTemperature = scoreTemperature;
    }

    /** The loss of a phase-2 configuration. */
    public static KlRetrieverLoss of(Phase2Settings settings) {
        return new KlRetrieverLoss(settings.klReduction(), settings.disagreementWeighting(), settings.prior(),
                settings.goldTemperature(), settings.scoreTemperature());
    }

    /**
     * The target distribution {@code Q} of every query.
     *
     * @param g supervision scores {@code [B][K]}
     * @param scores detached retriever scores {@code s_theta} {@code [B][K]}
     */
    public double[][] target(double[][] g, double[][] scores) {
        requireSameShape(g, scores);
        double[][] q = new double[g.length][];
        for (int x = 0; x < g.length; x++) {
            double[] logG = SupervisionScore.logSoftmax(g[x]);
            double[] logPrior = SupervisionScore.logSoftmax(scores[x]);
            double[] combined = new double[logG.length];
            for (int d = 0; d < combined.length; d++) {
                combined[d] = (logG[d] + (prior ? logPrior[d] : 0)) / goldTemperature;
            }
            double[] logQ = SupervisionScore.logSoftmax(combined);
            q[x] = new double[logQ.length];
            for (int d = 0; d < logQ.length; d++) {
                q[x][d] = Math.exp(logQ[d]);
            }
        }
        return q;
    }

    /** The retriever distribution {@code P_theta = softmax(s / tau_score)} of every query, detached. */
    public double[][] retrieverDistribution(double[][] scores) {
        double[][] p = new double[scores.length][];
        for (int x = 0; x < scores.length; x++) {
            double[] z = new double[scores[x].length];
            for (int d = 0; d < z.length; d++) {
                z[d] = scores[x][d] / scoreTemperature;
            }
            double[] log = SupervisionScore.logSoftmax(z);
            p[x] = new double[log.length];
            for (int d = 0; d < log.length; d++) {
                p[x][d] = Math.exp(log[d]);
            }
        }
        return p;
    }

    /**
     * The weight {@code w(x)} of every query from its candidates' predicted labels.
     *
     * @param predictions {@code [B][K]} predicted label indices
     */
    public double[] weights(int[][] predictions) {
        double[] w = new double[predictions.length];
        for (int x = 0; x < w.length; x++) {
            w[x] = weighting.weight(predictions[x]);
        }
        return w;
    }

    /** The denominator {@code D} of the reduction. */
    public double denominator(double[] weights, int candidates) {
        double n;
        if (weighting == DisagreementWeighting.WHOLE_SET) {
            double sum = 0;
            for (double w : weights) {
                sum += w;
            }
            n = Math.max(1, sum);
        } else {
            n = weights.length;
        }
        return n * (reduction == KlReduction.MEAN_OVER_PAIRS ? candidates : 1);
    }

    /**
     * The loss as a scalar in the autograd graph of {@code scores}.
     *
     * @param scores {@code [B, K]} retriever scores {@code s_theta}, recorded for gradients
     * @param q the target {@link #target}, same shape
     * @param weights {@code w(x)}, one per query
     */
    public NDArray loss(NDArray scores, double[][] q, double[] weights) {
        Objects.requireNonNull(scores, "scores");
        Shape shape = scores.getShape();
        if (shape.dimension() != 2 || shape.get(0) != q.length || shape.get(0) != weights.length) {
            throw new IllegalArgumentException("scores have shape " + shape + ", targets " + q.length + " rows and weights "
                    + weights.length + " entries");
        }
        int b = q.length;
        int k = (int) shape.get(1);
        double[] qFlat = new double[b * k];
        double[] constant = new double[b * k];
        double[] w = new double[b * k];
        for (int x = 0; x < b; x++) {
            if (q[x].length != k) {
                throw new IllegalArgumentException("target row " + x + " has " + q[x].length + " entries, scores have " + k);
            }
            for (int d = 0; d < k; d++) {
                qFlat[x * k + d] = q[x][d];
                constant[x * k + d] = q[x][d] > 0 ? q[x][d] * Math.log(q[x][d]) : 0;
                w[x * k + d] = weights[x];
            }
        }
        DataType type = scores.getDataType();
        NDArray qArray = scores.getManager().create(qFlat, shape).toType(type, false);
        NDArray entropyTerm = scores.getManager().create(constant, shape).toType(type, false);
        NDArray wArray = scores.getManager().create(w, shape).toType(type, false);
        NDArray logP = NativeCopies.divide(scores, scoreTemperature).logSoftmax(1);
        NDArray terms = entropyTerm.sub(qArray.mul(logP)).mul(wArray);
        return NativeCopies.divide(terms.sum(), denominator(weights, k));
    }

    /** The same loss in plain double arithmetic, for logging and tests. */
    public double lossValue(double[][] scores, double[][] q, double[] weights) {
        double[][] p = retrieverDistribution(scores);
        double sum = 0;
        for (int x = 0; x < q.length; x++) {
            for (int d = 0; d < q[x].length; d++) {
                if (q[x][d] > 0) {
                    sum += weights[x] * q[x][d] * (Math.log(q[x][d]) - Math.log(p[x][d]));
                }
            }
        }
        return sum / denominator(weights, scores.length == 0 ? 1 : scores[0].length);
    }

    /** The analytic gradient {@code w(x) (P_theta - Q) / (tau_score D)} with respect to the scores. */
    public double[][] gradient(double[][] scores, double[][] q, double[] weights) {
        double[][] p = retrieverDistribution(scores);
        double denominator = denominator(weights, scores[0].length);
        double[][] out = new double[scores.length][];
        for (int x = 0; x < scores.length; x++) {
            out[x] = new double[scores[x].length];
            for (int d = 0; d < out[x].length; d++) {
                out[x][d] = weights[x] * (p[x][d] - q[x][d]) / (scoreTemperature * denominator);
            }
        }
        return out;
    }

    private static void requireSameShape(double[][] a, double[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " rows of supervision scores but " + b.length + " rows of retriever scores");
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                throw new IllegalArgumentException("row " + i + ": " + a[i].length + " supervision scores but " + b[i].length
                        + " retriever scores");
            }
        }
    }
}
