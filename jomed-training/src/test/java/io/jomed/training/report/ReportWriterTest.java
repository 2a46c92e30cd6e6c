package io.jomed.training.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reranking.MajorityVoteReranker;
import io.jomed.api.reranking.ReaderConfidenceReranker;
import io.jomed.api.retrieval.Query;
import io.jomed.api.testing.SyntheticCases;
import io.jomed.training.analysis.InconsistencyAnalysis;
import io.jomed.training.analysis.RerankerComparison;
import io.jomed.training.analysis.SubsetAccuracy;
import io.jomed.training.evaluation.ItemSelection;
import io.jomed.training.evaluation.KnnKSelection;
import io.jomed.training.evaluation.LatencySummary;
import io.jomed.training.evaluation.LogFixtures;
import io.jomed.training.evaluation.ModeEvaluator;
import io.jomed.training.evaluation.ModePrediction;
import io.jomed.training.evaluation.PredictionLog;
import io.jomed.training.evaluation.QueryRecord;
import io.jomed.training.evaluation.RetrievalMemorisation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
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
    void writesTheTrainingRetrievalWhenItWasMeasured(@TempDir Path dir) throws Exception {
        EvaluationReport report = EvaluationReport.builder().setDataset("retinamnist").setSplit("test").setSeed(1)
                .setPreset("CLEAN").setKPerHead(2).setLog(LogFixtures.handMade())
                .optTrainingRetrieval(new RetrievalMemorisation(5, 0.527, 0.558, OptionalDouble.of(0.54),
                        OptionalDouble.of(0.6)), 0).build();
        Path file = dir.resolve("run.json");
        ReportWriter.write(report, file);
        JsonNode node = JSON.readTree(Files.readString(file)).get("analysis").get("training_retrieval");
        assertThat(keys(node)).containsExactly("k", "train_knn_accuracy", "val_knn_accuracy", "train_text_head_accuracy",
                "val_text_head_accuracy", "out_of_fold_folds");
        assertThat(node.get("k").asInt()).isEqualTo(5);
        assertThat(node.get("train_knn_accuracy").asDouble()).isEqualTo(0.527);
        assertThat(node.get("val_knn_accuracy").asDouble()).isEqualTo(0.558);
        assertThat(node.get("train_text_head_accuracy").asDouble()).isEqualTo(0.54);
        assertThat(node.get("val_text_head_accuracy").asDouble()).isEqualTo(0.6);
        assertThat(node.get("out_of_fold_folds").asInt()).isZero();
        assertThat(JSON.readTree(Files.readString(file)).get("analysis").has("knn_selection")).isFalse();
    }

    @Test
    void leavesTheTextHeadOutOfTheTrainingRetrievalOfAnImageOnlyRetriever(@TempDir Path dir) throws Exception {
        EvaluationReport report = EvaluationReport.builder().setDataset("retinamnist").setSplit("test").setSeed(1)
                .setPreset("CLEAN").setKPerHead(2).setLog(LogFixtures.handMade())
                .optTrainingRetrieval(new RetrievalMemorisation(5, 0.527, 0.558), 3).build();
        Path file = dir.resolve("run.json");
        ReportWriter.write(report, file);
        JsonNode node = JSON.readTree(Files.readString(file)).get("analysis").get("training_retrieval");
        assertThat(keys(node)).containsExactly("k", "train_knn_accuracy", "val_knn_accuracy", "out_of_fold_folds");
        assertThat(node.get("out_of_fold_folds").asInt()).isEqualTo(3);
    }

    @Test
    void writesHowTheKnnKWasChosen(@TempDir Path dir) throws Exception {
        EvaluationReport report = EvaluationReport.builder().setDataset("retinamnist").setSplit("test").setSeed(1)
                .setPreset("CLEAN").setKPerHead(2).setLog(LogFixtures.handMade())
                .optKnnSelection(new KnnKSelection(80, true, -0.012, 120, 1080)).build();
        Path file = dir.resolve("run.json");
        ReportWriter.write(report, file);
        JsonNode node = JSON.readTree(Files.readString(file)).get("analysis").get("knn_selection");
        assertThat(keys(node)).containsExactly("k", "pooled", "memorisation_gap", "validation_queries", "training_queries");
        assertThat(node.get("k").asInt()).isEqualTo(80);
        assertThat(node.get("pooled").asBoolean()).isTrue();
        assertThat(node.get("memorisation_gap").asDouble()).isEqualTo(-0.012);
        assertThat(node.get("validation_queries").asInt()).isEqualTo(120);
        assertThat(node.get("training_queries").asInt()).isEqualTo(1080);
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
                "oracle_accuracy_consistent", "oracle_accuracy_inconsistent", "by_head", "rerankers", "skipped_stages");
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
        assertThat(analysis.get("rerankers").isObject()).isTrue();
        assertThat(analysis.get("rerankers").isEmpty()).isTrue();
        assertThat(analysis.get("skipped_stages").isArray()).isTrue();
        assertThat(analysis.get("skipped_stages").isEmpty()).isTrue();

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

    /** {@link LogFixtures#rerankable()} with majority vote and reader confidence compared on standard RAG. */
    private static EvaluationReport rerankedReport() {
        PredictionLog log = LogFixtures.rerankable();
        RerankerComparison comparison = RerankerComparison.builder().setLog(log).setMode(ModeEvaluator.STANDARD_RAG)
                .setPartition(InconsistencyAnalysis.partition(log, ModeEvaluator.STANDARD_RAG, ItemSelection.ALL))
                .setCaseLookup(id -> Optional.of(KnowledgeBaseCase.builder().setId(id).setImage(SyntheticCases.image(1, 28))
                        .build()))
                .setQueryLookup(id -> Optional.of(Query.of(SyntheticCases.image(2, 28))))
                .addReranker(new MajorityVoteReranker()).addReranker(new ReaderConfidenceReranker()).build();
        Map<String, String> skipped = new LinkedHashMap<>();
        skipped.put("phase2.text", "the text index holds 2 distinct keys, fewer than K = 50");
        skipped.put("phase2.image", "no validation split");
        return EvaluationReport.builder().setDataset("breastmnist").setSplit("test").setSeed(1).setPreset("CLEAN")
                .setKPerHead(2).setLog(log).optBootstrapResamples(50).optRerankers(List.of(comparison))
                .optSkippedStages(skipped).build();
    }

    @Test
    void rerankersAndSkippedStagesAreWrittenUnderAnalysis() throws Exception {
        EvaluationReport report = rerankedReport();
        assertThat(report.rerankers()).containsOnlyKeys(ModeEvaluator.STANDARD_RAG);
        JsonNode analysis = JSON.readTree(ReportWriter.toJson(report)).get("analysis");
        // by hand (LogFixtures.rerankable): fused 0.4, oracle 0.8; majority vote 0.6 (consistent q0, q3: 0.5;
        // inconsistent q1, q2, q4: 2/3), reader confidence 0.2 (0.5 and 0)
        assertThat(JSON.writeValueAsString(analysis.get("rerankers"))).isEqualTo("{\"standard_rag\":{"
                + "\"majority-vote\":{\"accuracy\":0.6,\"accuracy_consistent\":0.5,\"accuracy_inconsistent\":0.6666666666666666,"
                + "\"fused_accuracy\":0.4,\"oracle_accuracy\":0.8,\"gap_closed\":0.4999999999999999},"
                + "\"reader-confidence\":{\"accuracy\":0.2,\"accuracy_consistent\":0.5,\"accuracy_inconsistent\":0.0,"
                + "\"fused_accuracy\":0.4,\"oracle_accuracy\":0.8,\"gap_closed\":-0.5}}}");
        assertThat(JSON.writeValueAsString(analysis.get("skipped_stages"))).isEqualTo("["
                + "{\"stage\":\"phase2.text\",\"reason\":\"the text index holds 2 distinct keys, fewer than K = 50\"},"
                + "{\"stage\":\"phase2.image\",\"reason\":\"no validation split\"}]");
    }

    @Test
    void anUndefinedGapClosedIsNull() throws Exception {
        // a comparison whose oracle equals its fused accuracy has no gap to close
        PredictionLog log = LogFixtures.rerankable();
        RerankerComparison.RerankerResult flat = new RerankerComparison.RerankerResult(
                new SubsetAccuracy(0.4, 0.5, Double.NaN), 0.4, 0.4);
        RerankerComparison c = new RerankerComparison(ModeEvaluator.STANDARD_RAG, ItemSelection.ALL,
                flat.accuracy(), flat.accuracy(), Map.of("flat", flat));
        EvaluationReport report = EvaluationReport.builder().setDataset("d").setSplit("test").setSeed(1).setPreset("CLEAN")
                .setKPerHead(2).setLog(log).optBootstrapResamples(10).optRerankers(List.of(c)).build();
        JsonNode flatNode = JSON.readTree(ReportWriter.toJson(report)).get("analysis").get("rerankers")
                .get(ModeEvaluator.STANDARD_RAG).get("flat");
        assertThat(flatNode.get("gap_closed").isNull()).isTrue();
        assertThat(flatNode.get("accuracy_inconsistent").isNull()).isTrue();
        assertThat(ReportTable.markdown(report)).contains("| standard_rag | flat | 0.400 | 0.500 | - | 0.400 | 0.400 | - |");
    }

    @Test
    void theBuilderRefusesRerankersOfAnUnloggedOrRepeatedModeAndBlankSkipReasons() {
        RerankerComparison c = rerankedReport().rerankers().get(ModeEvaluator.STANDARD_RAG);
        assertThatThrownBy(() -> EvaluationReport.builder().optRerankers(List.of(c, c)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("two reranker comparisons of mode \"standard_rag\"");
        PredictionLog cbOnly = PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode(ModeEvaluator.CLOSED_BOOK)
                .addQuery(new QueryRecord("q0", 0, Map.of(ModeEvaluator.CLOSED_BOOK,
                        new ModePrediction(0, new double[] {0.9, 0.1}, List.of()))))
                .build();
        assertThatThrownBy(() -> EvaluationReport.builder().setDataset("d").setSplit("test").setSeed(1).setPreset("CLEAN")
                .setKPerHead(2).setLog(cbOnly).optRerankers(List.of(c)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mode \"standard_rag\" is not in the log");
        assertThatThrownBy(() -> EvaluationReport.builder().optSkippedStages(Map.of("phase2.text", " ")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the reason for skipping stage phase2.text is blank");
    }

    @Test
    void theMarkdownHasARerankerTableAndTheSkippedStagesOnlyWhenPresent() {
        String md = ReportTable.markdown(rerankedReport());
        assertThat(md).contains("| mode | reranker | accuracy | acc. consistent | acc. inconsistent | fused | oracle | gap closed |");
        assertThat(md).contains("| standard_rag | majority-vote | 0.600 | 0.500 | 0.667 | 0.400 | 0.800 | 0.500 |");
        assertThat(md).contains("| standard_rag | reader-confidence | 0.200 | 0.500 | 0.000 | 0.400 | 0.800 | -0.500 |");
        assertThat(md).contains("Skipped phase2.text: the text index holds 2 distinct keys, fewer than K = 50\n"
                + "Skipped phase2.image: no validation split\n");
        String plain = ReportTable.markdown(report(LogFixtures.handMade()));
        assertThat(plain).doesNotContain("| reranker |").doesNotContain("Skipped");
    }
}
