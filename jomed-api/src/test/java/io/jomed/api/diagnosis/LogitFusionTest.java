package io.jomed.api.diagnosis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.testing.SyntheticCases;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogitFusionTest {
    private static final KnowledgeBaseCase CASE = SyntheticCases.cases(1).get(0);

    private static RetrievedCase r(RetrieverHead head, double score, int rank) {
        return new RetrievedCase(CASE, head, score, rank);
    }

    @Test
    void weightsAreTheSoftmaxOfMaxNormalisedScoresPerHead() {
        // method.md §3: normalised scores (1, 0.95, 1, 0.9) give weights (0.26, 0.25, 0.26, 0.23).
        List<RetrievedCase> cases = List.of(r(RetrieverHead.IMAGE, 0.8, 1), r(RetrieverHead.IMAGE, 0.76, 2),
                r(RetrieverHead.TEXT, 0.5, 1), r(RetrieverHead.TEXT, 0.45, 2));
        double[] w = new LogitFusion(FusionWeighting.CLEAN).weights(cases);
        double z = 2 * Math.E + Math.exp(0.95) + Math.exp(0.9);
        assertThat(w[0]).isCloseTo(Math.E / z, within(1e-12));
        assertThat(w[1]).isCloseTo(Math.exp(0.95) / z, within(1e-12));
        assertThat(w[3]).isCloseTo(Math.exp(0.9) / z, within(1e-12));
        assertThat(w).containsExactly(new double[] {0.26, 0.25, 0.26, 0.23}, within(0.005));
    }

    @Test
    void aHeadWithANonPositiveMaximumIsUniformInCleanAndDividedInReference() {
        List<RetrievedCase> cases = List.of(r(RetrieverHead.IMAGE, 0.5, 1), r(RetrieverHead.IMAGE, 0.25, 2),
                r(RetrieverHead.TEXT, -0.2, 1), r(RetrieverHead.TEXT, -0.4, 2));
        double[] clean = new LogitFusion(FusionWeighting.CLEAN).weights(cases);
        assertThat(clean[2]).isCloseTo(clean[3], within(1e-12));
        double[] reference = new LogitFusion(FusionWeighting.REFERENCE).weights(cases);
        // -0.2 / -0.2 = 1 and -0.4 / -0.2 = 2: the worse case gets the larger weight, the quirk CLEAN removes.
        assertThat(reference[3]).isGreaterThan(reference[2]);
    }

    @Test
    void fusedLogitsAreTheWeightedSum() {
        float[] fused = LogitFusion.fuse(List.of(LabelLogits.of(new float[] {1, 3}), LabelLogits.of(new float[] {2, -1})),
                new double[] {0.25, 0.75});
        assertThat(fused[0]).isCloseTo(1.75f, within(1e-6f));
        assertThat(fused[1]).isCloseTo(0f, within(1e-6f));
        assertThatThrownBy(() -> LogitFusion.fuse(List.of(LabelLogits.of(new float[] {1, 3})), new double[] {0.5, 0.5}))
                .hasMessageContaining("one weight per logit vector");
    }
}
