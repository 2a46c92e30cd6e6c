package io.jomed.training.phase2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.jomed.retriever.encoding.NativeCopies;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KlRetrieverLossTest {
    private static final int B = 3;
    private static final int K = 7;

    private static double[][] random(Random r, double scale) {
        double[][] m = new double[B][K];
        for (double[] row : m) {
            for (int d = 0; d < K; d++) {
                row[d] = (r.nextDouble() * 2 - 1) * scale;
            }
        }
        return m;
    }

    /** The autograd gradient of the DJL loss, in float64. */
    private static double[][] autograd(KlRetrieverLoss loss, double[][] s, double[][] q, double[] w) {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            double[] flat = new double[B * K];
            for (int x = 0; x < B; x++) {
                System.arraycopy(s[x], 0, flat, x * K, K);
            }
            NDArray scores = manager.create(flat, new Shape(B, K));
            assertThat(scores.getDataType()).isEqualTo(DataType.FLOAT64);
            scores.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray l = loss.loss(scores, q, w);
                assertThat(l.getDouble()).isCloseTo(loss.lossValue(s, q, w), within(1e-12));
                collector.backward(l);
            }
            double[] g = scores.getGradient().toDoubleArray();
            double[][] out = new double[B][K];
            for (int x = 0; x < B; x++) {
                System.arraycopy(g, x * K, out[x], 0, K);
            }
            return out;
        }
    }

    private static double[][] finiteDifference(KlRetrieverLoss loss, double[][] s, double[][] q, double[] w) {
        double h = 1e-6;
        double[][] out = new double[B][K];
        for (int x = 0; x < B; x++) {
            for (int d = 0; d < K; d++) {
                double keep = s[x][d];
                s[x][d] = keep + h;
                double up = loss.lossValue(s, q, w);
                s[x][d] = keep - h;
                double down = loss.lossValue(s, q, w);
                s[x][d] = keep;
                out[x][d] = (up - down) / (2 * h);
            }
        }
        return out;
    }

    private static void assertClose(double[][] actual, double[][] expected, double tolerance) {
        for (int x = 0; x < B; x++) {
            for (int d = 0; d < K; d++) {
                assertThat(actual[x][d]).as("gradient at query %d, candidate %d", x, d).isCloseTo(expected[x][d], within(tolerance));
            }
        }
    }

    @Test
    void cleanGradientIsOneOverBTimesPMinusQAndMatchesFiniteDifferences() {
        KlRetrieverLoss loss = KlRetrieverLoss.of(Phase2Settings.clean());
        Random r = new Random(7);
        double[][] s = random(r, 1.0);
        double[][] q = loss.target(random(r, 3.0), s); // Q is held fixed: it is built from detached scores
        double[] w = {1, 1, 1};
        double[][] p = loss.retrieverDistribution(s);
        double[][] expected = new double[B][K];
        for (int x = 0; x < B; x++) {
            for (int d = 0; d < K; d++) {
                expected[x][d] = (p[x][d] - q[x][d]) / B; // c = 1/B, tau_score = 1
            }
        }
        assertClose(autograd(loss, s, q, w), expected, 1e-12);
        assertClose(finiteDifference(loss, s, q, w), expected, 1e-8);
    }

    @Test
    void theGradientReachesTheLearnedEmbeddingOnlyThroughAlphaTimesTheKeys() {
        KlRetrieverLoss loss = KlRetrieverLoss.of(Phase2Settings.clean());
        Random r = new Random(5);
        int dim = 6;
        double alpha = 0.15;
        double[] keys = new double[B * K * dim];
        double[] learned = new double[B * dim];
        double[] frozen = new double[B * dim];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = r.nextGaussian() / Math.sqrt(dim);
        }
        for (int i = 0; i < learned.length; i++) {
            learned[i] = r.nextGaussian() / Math.sqrt(dim);
            frozen[i] = r.nextGaussian() / Math.sqrt(dim);
        }
        double[][] s = new double[B][K];
        for (int x = 0; x < B; x++) {
            for (int d = 0; d < K; d++) {
                for (int j = 0; j < dim; j++) {
                    s[x][d] += keys[(x * K + d) * dim + j] * (alpha * learned[x * dim + j] + (1 - alpha) * frozen[x * dim + j]);
                }
            }
        }
        double[][] q = loss.target(random(r, 2.0), s);
        double[] w = {1, 1, 1};
        double[][] dLds = loss.gradient(s, q, w);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray fTheta = manager.create(learned, new Shape(B, dim));
            fTheta.setRequiresGradient(true);
            NDArray f0 = manager.create(frozen, new Shape(B, dim));
            NDArray k = manager.create(keys, new Shape(B, K, dim));
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray e = NativeCopies.multiply(fTheta, alpha).add(NativeCopies.multiply(f0, 1 - alpha));
                NDArray scores = k.mul(e.expandDims(1)).sum(new int[] {2});
                collector.backward(loss.loss(scores, q, w));
            }
            double[] grad = fTheta.getGradient().toDoubleArray();
            for (int x = 0; x < B; x++) {
                for (int j = 0; j < dim; j++) {
                    double expected = 0;
                    for (int d = 0; d < K; d++) {
                        expected += dLds[x][d] * alpha * keys[(x * K + d) * dim + j];
                    }
                    assertThat(grad[x * dim + j]).as("dL/df_theta[%d][%d]", x, j).isCloseTo(expected, within(1e-12));
                }
            }
        }
    }

    @Test
    void referenceReductionDividesByBTimesKAndTemperatureEntersTheGradient() {
        KlRetrieverLoss loss = new KlRetrieverLoss(KlReduction.MEAN_OVER_PAIRS, DisagreementWeighting.OFF, true, 1.0, 0.5);
        Random r = new Random(11);
        double[][] s = random(r, 1.0);
        double[][] q = loss.target(random(r, 1.0), s);
        double[] w = {1, 1, 1};
        double[][] p = loss.retrieverDistribution(s);
        double[][] expected = new double[B][K];
        for (int x = 0; x < B; x++) {
            for (int d = 0; d < K; d++) {
                expected[x][d] = (p[x][d] - q[x][d]) / (0.5 * B * K);
            }
        }
        assertClose(autograd(loss, s, q, w), expected, 1e-12);
        assertClose(finiteDifference(loss, s, q, w), expected, 1e-8);
        KlRetrieverLoss clean = new KlRetrieverLoss(KlReduction.PER_QUERY_SUM, DisagreementWeighting.OFF, true, 1.0, 0.5);
        assertThat(clean.lossValue(s, q, w)).isCloseTo(K * loss.lossValue(s, q, w), within(1e-12));
    }

    @Test
    void wholeSetWeightingAveragesOverWeightedQueriesOnly() {
        KlRetrieverLoss loss = new KlRetrieverLoss(KlReduction.PER_QUERY_SUM, DisagreementWeighting.WHOLE_SET, true, 1.0, 1.0);
        Random r = new Random(3);
        double[][] s = random(r, 1.0);
        double[][] q = loss.target(random(r, 2.0), s);
        int[][] predictions = {{0, 0, 0, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1, 0}};
        double[] w = loss.weights(predictions);
        assertThat(w).containsExactly(0, 1, 1);
        double[][] g = autograd(loss, s, q, w);
        double[][] p = loss.retrieverDistribution(s);
        for (int d = 0; d < K; d++) {
            assertThat(g[0][d]).isZero();
            assertThat(g[1][d]).isCloseTo((p[1][d] - q[1][d]) / 2, within(1e-12));
        }
        assertClose(finiteDifference(loss, s, q, w), g, 1e-8);
    }

    @Test
    void referenceChunksCountOnlyDisagreementInsideAChunk() {
        // two unanimous chunks of 5 that disagree with each other: weight 0 (the reference's quirk)
        assertThat(DisagreementWeighting.REFERENCE_CHUNKS.weight(new int[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1})).isZero();
        assertThat(DisagreementWeighting.WHOLE_SET.weight(new int[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1})).isOne();
        assertThat(DisagreementWeighting.REFERENCE_CHUNKS.weight(new int[] {0, 0, 0, 0, 0, 1, 0, 1, 1, 1})).isOne();
        assertThat(DisagreementWeighting.OFF.weight(new int[] {0, 0})).isOne();
    }

    @Test
    void targetWithPriorIsThePosteriorOverCandidates() {
        KlRetrieverLoss loss = KlRetrieverLoss.of(Phase2Settings.clean());
        double[][] logPy = {{Math.log(0.9), Math.log(0.5), Math.log(0.1)}};
        double[][] s = {{0.2, 0.5, 0.9}};
        double[] prior = loss.retrieverDistribution(s)[0];
        double[] posterior = new double[3];
        double norm = 0;
        for (int d = 0; d < 3; d++) {
            posterior[d] = Math.exp(logPy[0][d]) * prior[d];
            norm += posterior[d];
        }
        double[] q = loss.target(logPy, s)[0];
        for (int d = 0; d < 3; d++) {
            assertThat(q[d]).isCloseTo(posterior[d] / norm, within(1e-12));
        }
        KlRetrieverLoss noPrior = new KlRetrieverLoss(KlReduction.PER_QUERY_SUM, DisagreementWeighting.OFF, false, 1.0, 1.0);
        assertThat(noPrior.target(logPy, s)[0][0]).isCloseTo(0.9 / 1.5, within(1e-12));
    }

    @Test
    void supervisionScores() {
        float[] logits = {2f, -1f};
        double pYes = 1 / (1 + Math.exp(-3));
        assertThat(SupervisionScore.LOG_PROBABILITY.score(logits, 0)).isCloseTo(Math.log(pYes), within(1e-7));
        double doubleSoftmax = pYes - Math.log(Math.exp(pYes) + Math.exp(1 - pYes));
        assertThat(SupervisionScore.DOUBLE_SOFTMAX.score(logits, 0)).isCloseTo(doubleSoftmax, within(1e-7));
        // for two labels the double softmax spans [-1.31, -0.31]
        assertThat(SupervisionScore.DOUBLE_SOFTMAX.score(new float[] {50f, -50f}, 0)).isCloseTo(-0.3133, within(1e-4));
        assertThat(SupervisionScore.DOUBLE_SOFTMAX.score(new float[] {50f, -50f}, 1)).isCloseTo(-1.3133, within(1e-4));
        assertThatThrownBy(() -> SupervisionScore.LOG_PROBABILITY.score(logits, 2)).hasMessageContaining("gold label index 2");
    }

    @Test
    void rejectsMismatchedShapes() {
        KlRetrieverLoss loss = KlRetrieverLoss.of(Phase2Settings.clean());
        assertThatThrownBy(() -> loss.target(new double[2][3], new double[2][4])).hasMessageContaining("row 0: 3 supervision scores");
        assertThatThrownBy(() -> new KlRetrieverLoss(KlReduction.PER_QUERY_SUM, DisagreementWeighting.OFF, true, 0, 1))
                .hasMessageContaining("temperatures must be positive");
    }
}
