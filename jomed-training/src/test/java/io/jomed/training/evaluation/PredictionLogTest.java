package io.jomed.training.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.retrieval.RetrieverHead;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionLogTest {

    @Test
    void jsonRoundTripKeepsEveryField(@TempDir Path dir) throws Exception {
        PredictionLog log = LogFixtures.handMade();
        assertThat(PredictionLog.fromJson(log.toJson())).isEqualTo(log);
        Path file = dir.resolve("log.json");
        log.write(file);
        PredictionLog back = PredictionLog.read(file);
        assertThat(back).isEqualTo(log);
        assertThat(back.labelSpace()).isEqualTo(LogFixtures.LABELS);
        ItemPrediction item = back.queries().get(1).mode(ModeEvaluator.STANDARD_RAG).items().get(2);
        assertThat(item.head()).isEqualTo(RetrieverHead.TEXT);
        assertThat(item.caseId()).isEqualTo("t1-1");
        assertThat(item.logits()).containsExactly(0f, 2f);
        assertThat(log.toJson()).contains("\"example_id\":\"q0\"", "\"case_id\"", "\"fusion_weight\"", "\"raw_score\"")
                .doesNotContain("confidence", "label_space");
    }

    @Test
    void accessorsReadColumnsOfTheLog() {
        PredictionLog log = LogFixtures.handMade();
        assertThat(log.size()).isEqualTo(4);
        assertThat(log.gold()).containsExactly(0, 1, 0, 1);
        assertThat(log.predicted(ModeEvaluator.CLOSED_BOOK)).containsExactly(0, 0, 1, 1);
        assertThat(log.correct(ModeEvaluator.STANDARD_RAG)).containsExactly(true, true, false, false);
        assertThat(log.hasItems(ModeEvaluator.STANDARD_RAG)).isTrue();
        assertThat(log.hasItems(ModeEvaluator.CLOSED_BOOK)).isFalse();
        assertThatThrownBy(() -> log.predicted("jomed")).hasMessageContaining("jomed").hasMessageContaining("closed_book");
    }

    @Test
    void theLogIsImmutable() {
        double[] p = {0.4, 0.6};
        ModePrediction m = new ModePrediction(1, p, List.of());
        p[1] = 0.9;
        assertThat(m.probabilities()).containsExactly(0.4, 0.6);
        m.probabilities()[0] = 1;
        assertThat(m.probabilities()).containsExactly(0.4, 0.6);
        assertThatThrownBy(() -> LogFixtures.handMade().queries().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void inconsistentQueriesAreRejectedWithTheExampleNamed() {
        ModePrediction ok = new ModePrediction(0, new double[] {0.7, 0.3}, List.of());
        assertThatThrownBy(() -> PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode("a")
                .addQuery(new QueryRecord("x1", 0, Map.of("b", ok))).build())
                .hasMessageContaining("x1").hasMessageContaining("[b]");
        assertThatThrownBy(() -> PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode("a")
                .addQuery(new QueryRecord("x1", 0, Map.of("a", ok))).addQuery(new QueryRecord("x1", 1, Map.of("a", ok))).build())
                .hasMessageContaining("x1 is logged twice");
        assertThatThrownBy(() -> PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode("a")
                .addQuery(new QueryRecord("x2", 2, Map.of("a", ok))).build())
                .hasMessageContaining("x2").hasMessageContaining("gold class 2");
        ModePrediction three = new ModePrediction(0, new double[] {0.5, 0.3, 0.2}, List.of());
        assertThatThrownBy(() -> PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode("a")
                .addQuery(new QueryRecord("x3", 0, Map.of("a", three))).build())
                .hasMessageContaining("x3").hasMessageContaining("3 probabilities for 2 classes");
        assertThatThrownBy(() -> new ModePrediction(2, new double[] {0.5, 0.5}, List.of())).hasMessageContaining("[-1, 2)");
        assertThatThrownBy(() -> PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).build())
                .hasMessageContaining("addMode");
        assertThatThrownBy(() -> PredictionLog.fromJson("{\"task\":\"t\",\"labels\":[\"a\"],\"positive_index\":-1,"
                + "\"modes\":[\"m\"],\"queries\":[]}")).hasMessageContaining("at least 2 distinct labels");
    }

    @Test
    void modesOfAnotherLogOfTheSameQueriesCanBeAdded() {
        PredictionLog base = LogFixtures.handMade();
        PredictionLog.Builder later = PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode("jomed");
        for (QueryRecord q : base.queries()) {
            later.addQuery(new QueryRecord(q.exampleId(), q.gold(),
                    Map.of("jomed", new ModePrediction(q.gold(), new double[] {0.5, 0.5}, List.of()))));
        }
        PredictionLog merged = base.withModesOf(later.build());
        assertThat(merged.modes()).containsExactly(ModeEvaluator.CLOSED_BOOK, ModeEvaluator.STANDARD_RAG, "jomed");
        assertThat(merged.predicted("jomed")).containsExactly(0, 1, 0, 1);
        assertThatThrownBy(() -> merged.withModesOf(later.build())).hasMessageContaining("\"jomed\" is in both logs");
    }
}
