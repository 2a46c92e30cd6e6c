package io.jomed.training.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.training.analysis.InconsistencyAnalysis;
import io.jomed.training.analysis.OracleAnalysis;
import io.jomed.training.analysis.RerankerComparison;
import io.jomed.training.analysis.SubsetAccuracy;
import io.jomed.training.evaluation.LatencySummary;
import io.jomed.training.evaluation.ModeComparison;
import io.jomed.training.evaluation.ModeMetrics;
import io.jomed.training.metrics.PairedBootstrap.Interval;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes an {@link EvaluationReport} as JSON, schema version 1, snake_case keys. Values that are not
 * defined (an AUC with a single gold class, an empty subset, an analysis without its partition mode, no
 * training) are {@code null}. The layout:
 *
 * <pre>
 * {"schema_version": 1, "dataset", "split", "examples", "seed", "preset", "k_per_head",
 *  "results": {mode: {"accuracy", "macro_precision", "macro_recall", "macro_f1", "auc", "ece"}},
 *  "analysis": {"partition_mode", "inconsistent_share", "inconsistent_share_by_mode": {mode},
 *               "accuracy_consistent": {mode}, "accuracy_inconsistent": {mode},
 *               "per_item_accuracy": {mode: {"all", "consistent", "inconsistent"}},
 *               "oracle_accuracy": {mode}, "oracle_gap": {mode},
 *               "oracle_accuracy_consistent": {mode}, "oracle_accuracy_inconsistent": {mode},
 *               "by_head": {mode: {head: {"oracle_accuracy", "fused_accuracy", "oracle_gap"}}},
 *               "rerankers": {mode: {reranker: {"accuracy", "accuracy_consistent", "accuracy_inconsistent",
 *                                               "fused_accuracy", "oracle_accuracy", "gap_closed"}}},
 *               "skipped_stages": [{"stage", "reason"}],
 *               "training_retrieval": {"k", "train_knn_accuracy", "val_knn_accuracy", "train_text_head_accuracy",
 *                                      "val_text_head_accuracy", "out_of_fold_folds"},
 *               "knn_selection": {"k", "pooled", "memorisation_gap", "validation_queries", "training_queries"}},
 *  "comparisons": {"A_minus_B": {"accuracy": {"difference", "lower", "upper"}, "macro_f1": {...}}},
 *  "bootstrap": {"resamples", "confidence", "seed"},
 *  "timings_ms": {"train", "diagnose_p50", "diagnose_p95", "diagnose_by_mode": {mode: {"p50", "p95", "p99", "mean"}}}}
 * </pre>
 * {@code rerankers} holds the {@link RerankerComparison}s (subsets of the same partition as the other
 * analyses, {@code gap_closed = (accuracy - fused_accuracy) / (oracle_accuracy - fused_accuracy)}); it and
 * {@code skipped_stages} (training stages skipped, with the reason, in order) are always present, possibly
 * empty; {@code training_retrieval} and {@code knn_selection} (how the k-NN mode's {@code k} was chosen,
 * {@link io.jomed.training.evaluation.KnnKSelection}) only when the report has them, and the text-head keys of
 * {@code training_retrieval} only when the retriever has a text head. Later schema additions add keys; they never rename
 * these.
 *
 * <p>Stateless and thread-safe.
 */
public final class ReportWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ReportWriter() {
    }

    /** The report as a JSON tree. */
    public static ObjectNode toTree(EvaluationReport report) {
        Objects.requireNonNull(report, "report");
        ObjectNode root = NODES.objectNode();
        root.put("schema_version", EvaluationReport.SCHEMA_VERSION);
        root.put("dataset", report.dataset());
        root.put("split", report.split());
        root.put("examples", report.examples());
        root.put("seed", report.seed());
        root.put("preset", report.preset());
        root.put("k_per_head", report.kPerHead());
        ObjectNode results = root.putObject("results");
        for (Map.Entry<String, ModeMetrics> e : report.results().entrySet()) {
            ModeMetrics m = e.getValue();
            ObjectNode r = results.putObject(e.getKey());
            number(r, "accuracy", m.accuracy());
            number(r, "macro_precision", m.macroPrecision());
            number(r, "macro_recall", m.macroRecall());
            number(r, "macro_f1", m.macroF1());
            number(r, "auc", m.auc());
            number(r, "ece", m.ece());
        }
        analysis(root.putObject("analysis"), report);
        ObjectNode comparisons = root.putObject("comparisons");
        for (ModeComparison c : report.comparisons()) {
            ObjectNode node = comparisons.putObject(c.key());
            interval(node.putObject("accuracy"), c.accuracy());
            interval(node.putObject("macro_f1"), c.macroF1());
        }
        ObjectNode bootstrap = root.putObject("bootstrap");
        bootstrap.put("resamples", report.bootstrapResamples());
        bootstrap.put("confidence", ModeComparison.DEFAULT_CONFIDENCE);
        bootstrap.put("seed", report.seed());
        ObjectNode timings = root.putObject("timings_ms");
        number(timings, "train", report.trainMillis().isPresent() ? report.trainMillis().getAsDouble() : Double.NaN);
        number(timings, "diagnose_p50", report.headlineLatency().map(LatencySummary::p50).orElse(Double.NaN));
        number(timings, "diagnose_p95", report.headlineLatency().map(LatencySummary::p95).orElse(Double.NaN));
        ObjectNode byMode = timings.putObject("diagnose_by_mode");
        for (Map.Entry<String, LatencySummary> e : report.latency().entrySet()) {
            ObjectNode l = byMode.putObject(e.getKey());
            number(l, "p50", e.getValue().p50());
            number(l, "p95", e.getValue().p95());
            number(l, "p99", e.getValue().p99());
            number(l, "mean", e.getValue().mean());
        }
        return root;
    }

    private static void analysis(ObjectNode node, EvaluationReport report) {
        node.put("partition_mode", report.partitionMode());
        InconsistencyAnalysis inc = report.inconsistency().orElse(null);
        OracleAnalysis oracle = report.oracle().orElse(null);
        number(node, "inconsistent_share", inc == null ? Double.NaN : inc.inconsistentShare());
        ObjectNode own = node.putObject("inconsistent_share_by_mode");
        ObjectNode consistent = node.putObject("accuracy_consistent");
        ObjectNode inconsistent = node.putObject("accuracy_inconsistent");
        ObjectNode perItem = node.putObject("per_item_accuracy");
        ObjectNode oracleAcc = node.putObject("oracle_accuracy");
        ObjectNode oracleGap = node.putObject("oracle_gap");
        ObjectNode oracleCons = node.putObject("oracle_accuracy_consistent");
        ObjectNode oracleInc = node.putObject("oracle_accuracy_inconsistent");
        ObjectNode byHead = node.putObject("by_head");
        if (inc != null) {
            inc.ownShare().forEach((mode, share) -> number(own, mode, share));
            for (Map.Entry<String, SubsetAccuracy> e : inc.accuracy().entrySet()) {
                number(consistent, e.getKey(), e.getValue().consistent());
                number(inconsistent, e.getKey(), e.getValue().inconsistent());
            }
            for (Map.Entry<String, SubsetAccuracy> e : inc.perItemAccuracy().entrySet()) {
                ObjectNode m = perItem.putObject(e.getKey());
                number(m, "all", e.getValue().all());
                number(m, "consistent", e.getValue().consistent());
                number(m, "inconsistent", e.getValue().inconsistent());
            }
        }
        if (oracle != null) {
            for (Map.Entry<String, OracleAnalysis.ModeOracle> e : oracle.modes().entrySet()) {
                OracleAnalysis.ModeOracle o = e.getValue();
                number(oracleAcc, e.getKey(), o.oracle().all());
                number(oracleGap, e.getKey(), o.gap());
                number(oracleCons, e.getKey(), o.oracle().consistent());
                number(oracleInc, e.getKey(), o.oracle().inconsistent());
                ObjectNode heads = byHead.putObject(e.getKey());
                for (Map.Entry<RetrieverHead, OracleAnalysis.HeadOracle> h : o.heads().entrySet()) {
                    ObjectNode head = heads.putObject(h.getKey().name().toLowerCase(Locale.ROOT));
                    number(head, "oracle_accuracy", h.getValue().oracle());
                    number(head, "fused_accuracy", h.getValue().fused());
                    number(head, "oracle_gap", h.getValue().gap());
                }
            }
        }
        ObjectNode rerankers = node.putObject("rerankers");
        for (Map.Entry<String, RerankerComparison> e : report.rerankers().entrySet()) {
            ObjectNode mode = rerankers.putObject(e.getKey());
            for (Map.Entry<String, RerankerComparison.RerankerResult> r : e.getValue().rerankers().entrySet()) {
                RerankerComparison.RerankerResult result = r.getValue();
                ObjectNode reranker = mode.putObject(r.getKey());
                number(reranker, "accuracy", result.accuracy().all());
                number(reranker, "accuracy_consistent", result.accuracy().consistent());
                number(reranker, "accuracy_inconsistent", result.accuracy().inconsistent());
                number(reranker, "fused_accuracy", result.fusedAccuracy());
                number(reranker, "oracle_accuracy", result.oracleAccuracy());
                number(reranker, "gap_closed", result.gapClosed());
            }
        }
        ArrayNode skipped = node.putArray("skipped_stages");
        report.skippedStages().forEach((stage, reason) -> skipped.addObject().put("stage", stage).put("reason", reason));
        report.trainingRetrieval().ifPresent(m -> {
            ObjectNode retrieval = node.putObject("training_retrieval").put("k", m.k())
                    .put("train_knn_accuracy", m.trainingAccuracy()).put("val_knn_accuracy", m.validationAccuracy());
            m.textHeadTrainingAccuracy().ifPresent(a -> retrieval.put("train_text_head_accuracy", a));
            m.textHeadValidationAccuracy().ifPresent(a -> retrieval.put("val_text_head_accuracy", a));
            retrieval.put("out_of_fold_folds", report.outOfFoldFolds());
        });
        report.knnSelection().ifPresent(k -> node.putObject("knn_selection").put("k", k.k()).put("pooled", k.pooled())
                .put("memorisation_gap", k.memorisationGap()).put("validation_queries", k.validationQueries())
                .put("training_queries", k.trainingQueries()));
    }

    private static void interval(ObjectNode node, Interval interval) {
        number(node, "difference", interval.difference());
        number(node, "lower", interval.lower());
        number(node, "upper", interval.upper());
    }

    private static void number(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }

    /** The report as indented JSON. */
    public static String toJson(EvaluationReport report) {
        try {
            return JSON.writeValueAsString(toTree(report));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the report to a file atomically (a temporary file in the same directory, then a move), so an
     * existing report is never left half-written.
     */
    public static void write(EvaluationReport report, Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        String json = toJson(report);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, json);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
