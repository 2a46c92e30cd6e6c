package io.jomed.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistLocator;
import io.jomed.training.evaluation.RetrievalEvaluation;
import io.jomed.training.experiment.MedMnistDefaults;
import io.jomed.training.evaluation.RetrievalReport;
import io.jomed.training.evaluation.RetrievalSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jomed retrieval-eval}: aligns {@code f0}, builds the knowledge base from the train split and reports
 * retrieval quality on the test split for each dataset and seed (see {@link RetrievalEvaluation}).
 *
 * <p>Not thread-safe; one run per instance.
 */
@Command(name = "retrieval-eval", mixinStandardHelpOptions = true,
        description = "Align the image tower f0 to MiniLM report keys, build the Lucene knowledge base from the train "
                + "split and measure retrieval on the test split: HNSW recall@10, k-NN accuracy of the image head "
                + "(k chosen on val, pooled with leave-one-out training queries unless f0 memorised them) beside "
                + "raw-pixel k-NN, train-vs-val neighbour quality, ingest and query speed.")
final class RetrievalEvalCommand implements Callable<Integer> {
    /** The {@code kind} of its JSON report. */
    static final String KIND = "retrieval-eval";

    @Option(names = "--dataset", split = ",", defaultValue = "breastmnist,retinamnist",
            description = "MedMNIST datasets at $JOMED_DATA_DIR/NAME/NAME.npz (default: ${DEFAULT-VALUE}).")
    List<String> datasets;

    @Option(names = "--seeds", split = ",", defaultValue = "1,2,3", description = "Seeds, one run each (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(names = "--work-dir", description = "Where knowledge bases are written (default: a new temporary folder).")
    Path workDir;

    @Option(names = "--report", description = "Write all figures as JSON to this file.")
    Path report;

    @Option(names = "--folds", defaultValue = "3",
            description = "Also embed training queries out of fold with this many folds, 0 to skip (default: ${DEFAULT-VALUE}).")
    int folds;

    @Option(names = "--epochs", description = "Alignment epochs (default: 30).")
    Integer epochs;

    @Mixin
    TowerOptions tower = new TowerOptions();

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("jomed-retrieval-eval");
        ConsoleProgress progress = new ConsoleProgress(System.err);
        List<RetrievalReport> reports = new ArrayList<>();
        MedMnistLocator locator = MedMnistLocator.builder().build();
        try (MiniLmTextEncoder g0 = MiniLmTextEncoder.create()) {
            for (String name : datasets) {
                MedMnistDataset dataset = MedMnistDataset.load(locator.locate(name, progress));
                RetrievalEvaluation evaluation = RetrievalEvaluation.builder().setDataset(dataset).setTextEncoder(g0)
                        .setWorkDirectory(work)
                        .setAlignment(seed -> MedMnistDefaults.alignment(dataset, seed,
                                epochs != null ? epochs : MedMnistDefaults.ALIGNMENT_EPOCHS,
                                tower.members()))
                        .optOutOfFoldFolds(folds).build();
                for (long seed : seeds) {
                    RetrievalReport r = evaluation.run(seed, progress);
                    reports.add(r);
                    System.err.println();
                    System.out.println(table(List.of(r)));
                    if (report != null) {
                        writeJson(report, reports); // after every run, so a long job leaves its finished runs behind
                    }
                }
            }
        }
        System.out.println();
        System.out.println(table(reports));
        System.out.println(summaryTable(RetrievalSummary.byDataset(reports)));
        if (report != null) {
            System.out.println("JSON report: " + report.toAbsolutePath());
        }
        return 0;
    }

    static String table(List<RetrievalReport> reports) {
        StringBuilder t = new StringBuilder();
        t.append("| dataset | seed | k | k chosen on (memorisation gap) | k-NN image head, test [95% CI] | raw-pixel k-NN, test | "
                + "image head minus raw pixels [95% CI] | balanced accuracy, image head / raw pixels | text head, test | image head train LOO / out-of-fold / val | "
                + "text head train LOO / val | HNSW recall@10 | align s | ingest cases/s | query p50 / p99 ms |\n");
        t.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (RetrievalReport r : reports) {
            t.append(String.format(Locale.ROOT,
                    "| %s | %d | %d | %s (%+.3f) | %.4f [%.3f, %.3f] | %.4f | %+.3f [%+.3f, %+.3f] | %.3f / %.3f | %.3f "
                            + "| %.3f / %s / %.3f "
                            + "| %.3f / %.3f | %.4f | %.0f | %.0f | %.2f / %.2f |%n",
                    r.dataset(), r.seed(), r.selectedK(), r.kSelection().rule(), r.kSelection().memorisationGap(),
                    r.knnTestAtSelectedK(), r.knnTestInterval().lower(), r.knnTestInterval().upper(),
                    r.rawPixelTestAtSelectedK(), r.knnMinusRawPixelTest().difference(), r.knnMinusRawPixelTest().lower(),
                    r.knnMinusRawPixelTest().upper(), r.testVotes().imageHeadBalancedAccuracy(),
                    r.testVotes().rawPixelBalancedAccuracy(),
                    r.textHeadTest().get(r.selectedK()), r.trainQueryAccuracy(),
                    r.trainQueryOutOfFoldAccuracy() == null ? "-" : String.format(Locale.ROOT, "%.3f", r.trainQueryOutOfFoldAccuracy()),
                    r.validationQueryAccuracy(), r.textHeadTrainingLeaveOneOut().get(r.selectedK()),
                    r.textHeadValidation().get(r.selectedK()), r.recallAt10(),
                    r.alignmentSeconds(), r.ingestCasesPerSecond(), r.queryLatency().p50(), r.queryLatency().p99()));
        }
        return t.toString();
    }

    /** One row per dataset: the means over its seeds with their intervals over test images ({@link RetrievalSummary}). */
    static String summaryTable(List<RetrievalSummary> summaries) {
        StringBuilder t = new StringBuilder();
        t.append("| dataset | seeds | k-NN image head, test: mean [95% CI over test images] | right / answers | "
                + "SD over seeds | raw-pixel k-NN, test | image head minus raw pixels [95% CI] | text head, test | "
                + "balanced accuracy, image head / raw pixels | image head recall per label |\n");
        t.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (RetrievalSummary s : summaries) {
            t.append(String.format(Locale.ROOT,
                    "| %s | %s | %.4f [%.3f, %.3f] | %d / %d | %.3f | %.4f | %+.3f [%+.3f, %+.3f] | %.3f | %.3f / %.3f | %s |%n",
                    s.dataset(), s.seeds().stream().map(String::valueOf).collect(Collectors.joining(",")), s.knnTestMean(),
                    s.knnTestMeanInterval().lower(), s.knnTestMeanInterval().upper(), s.knnTestCorrect(), s.knnTestAnswers(),
                    s.knnTestSeedStandardDeviation(), s.rawPixelTestMean(), s.knnMinusRawPixelMean().difference(),
                    s.knnMinusRawPixelMean().lower(), s.knnMinusRawPixelMean().upper(), s.textHeadTestMean(),
                    s.knnTestBalancedAccuracyMean(), s.rawPixelTestBalancedAccuracyMean(), recall(s.knnTestRecallMean())));
        }
        return t.toString();
    }

    /** Recall per label, for example {@code 0: 0.79, 1: 0.24}. */
    private static String recall(Map<String, Double> byLabel) {
        return byLabel.entrySet().stream().map(e -> String.format(Locale.ROOT, "%s: %.2f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    /** Writes the runs and their summaries as the report file that {@code retrieval-summary} reads back. */
    static void writeJson(Path file, List<RetrievalReport> reports) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("schema_version", 1);
        root.put("kind", KIND);
        root.put("date", LocalDate.now().toString());
        root.put("runs", reports);
        root.put("summaries", RetrievalSummary.byDataset(reports));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).writeValue(file.toFile(), root);
    }
}
