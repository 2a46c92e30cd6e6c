package io.jomed.training.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jomed.training.evaluation.LatencySummary;
import io.jomed.training.evaluation.LogFixtures;
import io.jomed.training.evaluation.ModeEvaluator;
import io.jomed.training.evaluation.PredictionLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EvaluationReport report(PredictionLog log) {
        return EvaluationReport.builder().setDataset("breastmnist").setSplit("test").setSeed(1).setPreset("CLEAN")
                .setKPerHead(2).setLog(log).optTrainMillis(1234.5).optBootstrapResamples(200)
                .optLatency(Map.of(ModeEvaluator.STANDARD_RAG,
                        LatencySummary.ofNanos(new long[] {1_000_000, 2_000_000, 3_000_000, 4_000_000})))
                .build();
    }

    private static List<String> keys(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void theJsonHasExactlyTheSchemaKeysWithMeasuredValues(@TempDir Path dir) throws Exception {
        EvaluationReport report = report(LogFixtures.handMade());
        Path file = dir.resolve("reports/run.json");
        ReportWriter.write(report, file);
        JsonNode root = JSON.readTree(Files.readString(file));
        assertThat(keys(root)).containsExactly("schema_version", "dataset", "split", "examples", "seed", "preset",
                "k_per_head", "results", "analysis", "comparisons", "bootstrap", "timings_ms");
        assertThat(root.get("schema_version").asInt()).isEqualTo(1);
        assertThat(root.get("dataset").asText()).isEqualTo("breastmnist");
        assertThat(root.get("split").asText()).isEqualTo("test");
        assertThat(root.get("examples").asInt()).isEqualTo(4);
        assertThat(root.get("seed").asLong()).isEqualTo(1);
        assertThat(root.get("preset").asText()).isEqualTo("CLEAN");
        assertThat(root.get("k_per_head").asInt()).isEqualTo(2);

        JsonNode results = root.get("results");
        assertThat(keys(results)).containsExactly("closed_book", "standard_rag");
        JsonNode cb = results.get("closed_book");
        assertThat(keys(cb)).containsExactly("accuracy", "macro_precision", "macro_recall", "macro_f1", "auc", "ece");
        assertThat(cb.get("accuracy").asDouble()).isEqualTo(0.5);
        assertThat(cb.get("macro_f1").asDouble()).isEqualTo(0.5);
        assertThat(cb.get("auc").asDouble()).isEqualTo(0.75);
        assertThat(cb.get("ece").asDouble()).isCloseTo(0.4, within(1e-12));

        JsonNode analysis = root.get("analysis");
        assertThat(keys(analysis)).containsExactly("partition_mode", "inconsistent_share", "inconsistent_share_by_mode",
                "accuracy_consistent", "accuracy_inconsistent", "per_item_accuracy", "oracle_accuracy", "oracle_gap",
                "oracle_accuracy_consistent", "oracle_accuracy_inconsistent", "by_head");
        assertThat(analysis.get("partition_mode").asText()).isEqualTo("standard_rag");
        assertThat(analysis.get("inconsistent_share").asDouble()).isEqualTo(0.5);
        assertThat(analysis.get("accuracy_consistent").get("closed_book").asDouble()).isEqualTo(1.0);
        assertThat(analysis.get("accuracy_inconsistent").get("closed_book").asDouble()).isEqualTo(0.0);
        assertThat(keys(analysis.get("oracle_accuracy"))).containsExactly("standard_rag");
        assertThat(analysis.get("oracle_accuracy").get("standard_rag").asDouble()).isEqualTo(0.75);
        assertThat(analysis.get("oracle_gap").get("standard_rag").asDouble()).isEqualTo(0.25);
        assertThat(keys(analysis.get("by_head").get("standard_rag"))).containsExactly("image", "text");
        assertThat(keys(analysis.get("by_head").get("standard_rag").get("image")))
                .containsExactly("oracle_accuracy", "fused_accuracy", "oracle_gap");

        JsonNode comparisons = root.get("comparisons");
        assertThat(keys(comparisons)).containsExactly("standard_rag_minus_closed_book");
        JsonNode acc = comparisons.get("standard_rag_minus_closed_book").get("accuracy");
        assertThat(keys(acc)).containsExactly("difference", "lower", "upper");
        assertThat(acc.get("difference").asDouble()).isZero();
        assertThat(acc.get("lower").asDouble()).isLessThanOrEqualTo(0).isGreaterThanOrEqualTo(-1);
        assertThat(keys(comparisons.get("standard_rag_minus_closed_book"))).containsExactly("accuracy", "macro_f1");
        assertThat(root.get("bootstrap").get("resamples").asInt()).isEqualTo(200);

        JsonNode timings = root.get("timings_ms");
        assertThat(keys(timings)).containsExactly("train", "diagnose_p50", "diagnose_p95", "diagnose_by_mode");
        assertThat(timings.get("train").asDouble()).isEqualTo(1234.5);
        assertThat(timings.get("diagnose_p50").asDouble()).isEqualTo(2.0);
        assertThat(timings.get("diagnose_p95").asDouble()).isEqualTo(4.0);
        assertThat(Files.list(file.getParent())).containsExactly(file);
    }

    @Test
    void undefinedValuesAreNull() throws Exception {
        PredictionLog cbOnly = PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode(ModeEvaluator.CLOSED_BOOK)
                .addQuery(LogFixtures.handMade().queries().get(0).modes().entrySet().stream()
                        .filter(e -> e.getKey().equals(ModeEvaluator.CLOSED_BOOK)).findFirst()
                        .map(e -> new io.jomed.training.evaluation.QueryRecord("q0", 0, Map.of(e.getKey(), e.getValue())))
                        .orElseThrow())
                .build();
        EvaluationReport report = EvaluationReport.builder().setDataset("d").setSplit("test").setSeed(3).setPreset("REFERENCE")
                .setKPerHead(2).setLog(cbOnly).build();
        JsonNode root = JSON.readTree(ReportWriter.toJson(report));
        // a single gold class: no AUC; no retrieval mode: no partition; no training, no latency
        assertThat(root.get("results").get("closed_book").get("auc").isNull()).isTrue();
        assertThat(root.get("analysis").get("inconsistent_share").isNull()).isTrue();
        assertThat(root.get("analysis").get("oracle_accuracy").isEmpty()).isTrue();
        assertThat(root.get("comparisons").isEmpty()).isTrue();
        assertThat(root.get("timings_ms").get("train").isNull()).isTrue();
        assertThat(root.get("timings_ms").get("diagnose_p50").isNull()).isTrue();
        assertThat(ReportTable.markdown(report)).contains("| closed_book | 1.000 | ").doesNotContain("NaN");
    }

    @Test
    void theBuilderNamesWhatIsMissingOrWrong() {
        assertThatThrownBy(() -> EvaluationReport.builder().setDataset("d").setSplit("test").setSeed(1).setKPerHead(2)
                .setLog(LogFixtures.handMade()).build()).hasMessageContaining("preset");
        assertThatThrownBy(() -> EvaluationReport.builder().setDataset("d").setSplit("test").setSeed(1).setPreset("CLEAN")
                .setKPerHead(2).setLog(LogFixtures.handMade()).addComparison("jomed", "closed_book").build())
                .hasMessageContaining("jomed");
    }

    @Test
    void theMarkdownTableHasOneRowPerModeAndTheComparison() {
        String md = ReportTable.markdown(report(LogFixtures.handMade()));
        assertThat(md).contains("breastmnist / test, 4 examples, seed 1, preset CLEAN, k per head 2");
        assertThat(md).contains("| closed_book | 0.500 | 0.500 | 0.750 | 0.400 | 1.000 | 0.000 | - | - |");
        assertThat(md).contains("| standard_rag | 0.500 | 0.500 |").contains("| 0.750 | 2.00 |");
        assertThat(md).contains("Inconsistent share (standard_rag partition): 0.500 (2 of 4 queries)");
        assertThat(md).contains("standard_rag - closed_book: accuracy +0.000 [");
    }
}
