package io.jomed.training.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.reading.LabelSpace;
import io.jomed.training.metrics.ClassificationMetrics.ClassSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModeMetricsTest {

    @Test
    void closedBookMetricsMatchTheHandComputation() {
        ModeMetrics m = ModeMetrics.of(LogFixtures.handMade(), ModeEvaluator.CLOSED_BOOK, ClassSet.LABEL_SPACE);
        // gold 0101, predicted 0011: each class has TP 1, FP 1, FN 1 -> P = R = F1 = 0.5
        assertThat(m.accuracy()).isEqualTo(0.5);
        assertThat(m.macroPrecision()).isEqualTo(0.5);
        assertThat(m.macroRecall()).isEqualTo(0.5);
        assertThat(m.macroF1()).isEqualTo(0.5);
        // positive-class scores .82 .62 .28 .08, positives q0 q2: 3 of 4 pairs ordered right
        assertThat(m.auc()).isEqualTo(0.75);
        // four separate bins: (|1-.82| + |0-.62| + |0-.72| + |1-.92|) / 4
        assertThat(m.ece()).isCloseTo(0.4, within(1e-12));
    }

    @Test
    void multiClassAucIsMacroOneVsRest() {
        LabelSpace three = LabelSpace.builder().setName("three").addLabel("a").addLabel("b").addLabel("c").build();
        PredictionLog.Builder b = PredictionLog.builder().setLabelSpace(three).addMode("m");
        double[][] p = {{0.7, 0.2, 0.1}, {0.2, 0.7, 0.1}, {0.1, 0.2, 0.7}, {0.6, 0.3, 0.1}};
        int[] gold = {0, 1, 2, 1};
        for (int i = 0; i < gold.length; i++) {
            int argmax = p[i][0] >= p[i][1] && p[i][0] >= p[i][2] ? 0 : p[i][1] >= p[i][2] ? 1 : 2;
            b.addQuery(new QueryRecord("e" + i, gold[i], Map.of("m", new ModePrediction(argmax, p[i], List.of()))));
        }
        ModeMetrics m = ModeMetrics.of(b.build(), "m", ClassSet.LABEL_SPACE);
        // class a: positives {0.7} vs {0.2, 0.1, 0.6}: 1; class b: {0.7, 0.3} vs {0.2, 0.2}: 1; class c: 1
        assertThat(m.auc()).isEqualTo(1.0);
        assertThat(m.accuracy()).isEqualTo(0.75);
    }

    @Test
    void pairedBootstrapIsReproducibleWithTheSeed() {
        PredictionLog log = LogFixtures.random(80, 7);
        ModeComparison a = ModeComparison.of(log, ModeEvaluator.STANDARD_RAG, ModeEvaluator.CLOSED_BOOK,
                ClassSet.LABEL_SPACE, ModeComparison.DEFAULT_RESAMPLES, 1);
        ModeComparison again = ModeComparison.of(log, ModeEvaluator.STANDARD_RAG, ModeEvaluator.CLOSED_BOOK,
                ClassSet.LABEL_SPACE, ModeComparison.DEFAULT_RESAMPLES, 1);
        ModeComparison other = ModeComparison.of(log, ModeEvaluator.STANDARD_RAG, ModeEvaluator.CLOSED_BOOK,
                ClassSet.LABEL_SPACE, ModeComparison.DEFAULT_RESAMPLES, 2);
        assertThat(again).isEqualTo(a);
        assertThat(other.accuracy()).isNotEqualTo(a.accuracy());
        assertThat(a.key()).isEqualTo("standard_rag_minus_closed_book");
        double observed = ModeMetrics.of(log, ModeEvaluator.STANDARD_RAG, ClassSet.LABEL_SPACE).accuracy()
                - ModeMetrics.of(log, ModeEvaluator.CLOSED_BOOK, ClassSet.LABEL_SPACE).accuracy();
        assertThat(a.accuracy().difference()).isCloseTo(observed, within(1e-12));
        double observedF1 = ModeMetrics.of(log, ModeEvaluator.STANDARD_RAG, ClassSet.LABEL_SPACE).macroF1()
                - ModeMetrics.of(log, ModeEvaluator.CLOSED_BOOK, ClassSet.LABEL_SPACE).macroF1();
        assertThat(a.macroF1().difference()).isCloseTo(observedF1, within(1e-12));
        assertThat(a.accuracy().lower()).isLessThanOrEqualTo(observed).isLessThan(a.accuracy().upper());
        assertThat(a.macroF1().lower()).isLessThanOrEqualTo(observedF1).isLessThan(a.macroF1().upper());
        // 80 queries: a 95% interval of an accuracy difference is far narrower than [-1, 1] but not a point
        assertThat(a.accuracy().upper() - a.accuracy().lower()).isBetween(0.05, 0.6);
    }

    @Test
    void comparingAModeWithItselfOrAnAbsentModeFails() {
        PredictionLog log = LogFixtures.handMade();
        assertThatThrownBy(() -> ModeComparison.of(log, "knn", ModeEvaluator.CLOSED_BOOK, ClassSet.LABEL_SPACE, 10, 1))
                .hasMessageContaining("\"knn\"");
        assertThatThrownBy(() -> ModeComparison.of(log, ModeEvaluator.CLOSED_BOOK, ModeEvaluator.CLOSED_BOOK,
                ClassSet.LABEL_SPACE, 10, 1)).hasMessageContaining("itself");
    }
}
