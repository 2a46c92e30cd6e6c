package io.jomed.training.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.training.evaluation.ItemPrediction;
import io.jomed.training.evaluation.ItemSelection;
import io.jomed.training.evaluation.LogFixtures;
import io.jomed.training.evaluation.ModeEvaluator;
import io.jomed.training.evaluation.PredictionLog;
import io.jomed.training.evaluation.ModePrediction;
import io.jomed.training.evaluation.QueryRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OracleAnalysisTest {
    private final PredictionLog log = LogFixtures.handMade();

    @Test
    void oracleAndGapMatchTheHandComputation() {
        OracleAnalysis a = OracleAnalysis.of(log, ModeEvaluator.STANDARD_RAG, ItemSelection.ALL);
        assertThat(a.modes()).containsOnlyKeys(ModeEvaluator.STANDARD_RAG);
        OracleAnalysis.ModeOracle o = a.modes().get(ModeEvaluator.STANDARD_RAG);
        // some item right on q0, q1, q2; none on q3 (gold 1, items all 0)
        assertThat(o.oracle()).isEqualTo(new SubsetAccuracy(0.75, 0.5, 1.0));
        assertThat(o.fused()).isEqualTo(new SubsetAccuracy(0.5, 0.5, 0.5));
        assertThat(o.gap()).isEqualTo(0.25);
        // image items 00, 10, 10, 00 against gold 0101: oracle on q0, q1, q2
        OracleAnalysis.HeadOracle image = o.heads().get(RetrieverHead.IMAGE);
        assertThat(image.oracle()).isEqualTo(0.75);
        // image-only fusion, weights softmax(.9, .5): q1 and q2 fuse to class 1 -> right on q0 and q1
        assertThat(image.fused()).isEqualTo(0.5);
        assertThat(image.gap()).isEqualTo(0.25);
        OracleAnalysis.HeadOracle text = o.heads().get(RetrieverHead.TEXT);
        assertThat(text.oracle()).isEqualTo(0.5);
        assertThat(text.fused()).isEqualTo(0.5);
    }

    @Test
    void singleHeadFusionUsesSoftmaxOfRawScores() {
        // weights softmax(3, 0) = (0.953, 0.047): the first item's weaker logit wins
        ItemPrediction strongScore = new ItemPrediction(RetrieverHead.IMAGE, 1, "a", 3.0, 0.5, new float[] {1f, 0f}, 0);
        ItemPrediction strongLogit = new ItemPrediction(RetrieverHead.IMAGE, 2, "b", 0.0, 0.5, new float[] {0f, 10f}, 1);
        assertThat(OracleAnalysis.headFused(List.of(strongScore, strongLogit))).isZero();
        // equal scores: plain mean of logits, 0.5 vs 5
        ItemPrediction equal = new ItemPrediction(RetrieverHead.IMAGE, 1, "a", 0.0, 0.5, new float[] {1f, 0f}, 0);
        assertThat(OracleAnalysis.headFused(List.of(equal, strongLogit))).isEqualTo(1);
    }

    @Test
    void oracleOnConsistentQueriesEqualsPerItemAccuracy() {
        PredictionLog random = LogFixtures.random(40, 3);
        OracleAnalysis a = OracleAnalysis.of(random, ModeEvaluator.STANDARD_RAG, ItemSelection.ALL);
        OracleAnalysis.ModeOracle o = a.modes().get(ModeEvaluator.STANDARD_RAG);
        assertThat(o.heads()).containsOnlyKeys(RetrieverHead.IMAGE);
        assertThat(o.oracle().all()).isGreaterThanOrEqualTo(o.heads().get(RetrieverHead.IMAGE).oracle() - 1e-12);
        // on consistent queries the oracle is per-item correctness: all items right or all wrong
        assertThat(o.oracle().consistent()).isCloseTo(
                InconsistencyAnalysis.of(random, ModeEvaluator.STANDARD_RAG, ItemSelection.ALL)
                        .perItemAccuracy().get(ModeEvaluator.STANDARD_RAG).consistent(), within(1e-12));
    }

    @Test
    void itemsWithoutLogitsGetAnOracleButNoFusedHeadAccuracy() {
        PredictionLog knn = PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode(ModeEvaluator.KNN)
                .addQuery(new QueryRecord("q", 1, Map.of(ModeEvaluator.KNN, new ModePrediction(0, new double[] {0.5, 0.5},
                        List.of(new ItemPrediction(RetrieverHead.IMAGE, 1, "a", 0.9, 0.5, new float[0], 0),
                                new ItemPrediction(RetrieverHead.IMAGE, 2, "b", 0.8, 0.5, new float[0], 1))))))
                .build();
        OracleAnalysis.ModeOracle o = OracleAnalysis.of(knn, ModeEvaluator.KNN, ItemSelection.ALL).modes().get(ModeEvaluator.KNN);
        assertThat(o.oracle().all()).isEqualTo(1.0);
        assertThat(o.fused().all()).isZero();
        assertThat(o.heads().get(RetrieverHead.IMAGE).fused()).isNaN();
    }
}
