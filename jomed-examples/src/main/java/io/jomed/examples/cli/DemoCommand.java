package io.jomed.examples.cli;

import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistLocator;
import io.jomed.training.experiment.MedMnistExperiment;
import io.jomed.training.experiment.Phase2Defaults;
import io.jomed.training.phase2.Phase2Preset;
import io.jomed.training.phase2.Phase2Settings;
import io.jomed.training.phase2.StageResult;
import io.jomed.training.phase2.TrainingPoint;
import io.jomed.training.plot.ReportPlots;
import io.jomed.training.report.ReportTable;
import io.jomed.training.report.ReportWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jomed demo}: the whole pipeline on a MedMNIST dataset with one seed, printing the closed-book, k-NN,
 * standard-RAG and JOMED results table with the inconsistency, oracle and reranker analyses (see
 * {@link MedMnistExperiment}); with {@code --report}, the JSON report and PNG plots beside it. With {@code --bundle} it
 * is {@code train}.
 *
 * <p>Not thread-safe; one run per instance.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline on a MedMNIST dataset (default BreastMNIST): align f0, build the knowledge "
                + "base, train the reader with retrieved context and a closed-book reader, train the retriever heads with "
                + "the reader (phase 2), and compare closed-book, k-NN, standard RAG and JOMED on the test split.")
class DemoCommand implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "breastmnist",
            description = "MedMNIST 2D dataset at $JOMED_DATA_DIR/NAME/NAME.npz (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--seed", defaultValue = "1", description = "The one seed of the run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--report", description = "Write the JSON report of the run to this file.")
    Path report;

    @Option(names = "--predictions", description = "Write the test split's prediction log (per query and mode: the "
            + "probability of every class and every retrieved case with its logits) as JSON to this file.")
    Path predictions;

    @Option(names = "--work-dir", description = "Where the knowledge base is written (default: a new temporary folder).")
    Path workDir;

    @Option(names = "--folds", defaultValue = "auto",
            description = "Out-of-fold folds for training queries' retrieval: a number (0 turns it off) or auto, 3 folds "
                    + "only when the aligned tower memorised its training cases (default: ${DEFAULT-VALUE}).")
    String folds;

    @Option(names = "--passes", description = "Phase-1 passes over the class-balanced training stream.")
    Integer passes;

    @Mixin
    TowerOptions tower = new TowerOptions();

    @Option(names = "--reader-augmentation", arity = "1", paramLabel = "true|false",
            description = "Train the reader (and the closed-book baseline) on shifted (and, for fundus images, flipped) "
                    + "images; default: the measured default.")
    Boolean readerAugmentation;

    @Option(names = "--preset", defaultValue = "CLEAN",
            description = "Phase-2 preset, CLEAN or REFERENCE (method.md §2.11; default: ${DEFAULT-VALUE}).")
    Phase2Preset preset;

    @Option(names = "--phase2-passes", description = "Phase-2 passes over the class-balanced training stream per stage.")
    Integer phase2Passes;

    @Option(names = "--phase2-lr", description = "Phase-2 peak learning rate.")
    Double phase2LearningRate;

    Path bundle() {
        return null;
    }

    private Phase2Settings phase2Settings() {
        Phase2Settings.Builder b = Phase2Defaults.settings().toBuilder().optPreset(preset);
        if (phase2Passes != null) {
            b.optPasses(phase2Passes);
        }
        if (phase2LearningRate != null) {
            b.optLearningRate(phase2LearningRate);
        }
        return b.build();
    }

    /** PNG plots beside the report: phase-2 loss and validation accuracy per step, accuracy by subset per mode. */
    static List<Path> writePlots(MedMnistExperiment.Outcome outcome, Path report) throws IOException {
        String base = report.getFileName().toString().replaceFirst("\\.json$", "");
        Path dir = report.toAbsolutePath().getParent();
        List<Path> written = new ArrayList<>();
        Map<String, double[][]> loss = new LinkedHashMap<>();
        Map<String, double[][]> accuracy = new LinkedHashMap<>();
        for (StageResult stage : outcome.phase2()) {
            if (stage.wasSkipped()) {
                continue;
            }
            List<TrainingPoint> points = stage.curve();
            List<TrainingPoint> withLoss = points.stream().filter(p -> Double.isFinite(p.trainingLoss())).toList();
            loss.put(stage.stageName(), new double[][] {withLoss.stream().mapToDouble(TrainingPoint::step).toArray(),
                withLoss.stream().mapToDouble(TrainingPoint::trainingLoss).toArray()});
            accuracy.put(stage.stageName(), new double[][] {points.stream().mapToDouble(TrainingPoint::step).toArray(),
                points.stream().mapToDouble(TrainingPoint::validationAccuracy).toArray()});
        }
        if (!loss.isEmpty() && loss.values().stream().allMatch(v -> v[0].length > 0)) {
            Path file = dir.resolve(base + "-phase2-loss.png");
            ReportPlots.trainingCurve(file, "phase 2: training KL loss (mean since the previous point)", "KL loss", loss);
            written.add(file);
            file = dir.resolve(base + "-phase2-validation.png");
            ReportPlots.trainingCurve(file, "phase 2: fused validation accuracy", "accuracy", accuracy);
            written.add(file);
        }
        if (outcome.report().inconsistency().isPresent()) {
            Path file = dir.resolve(base + "-accuracy-by-subset.png");
            ReportPlots.accuracyBySubset(outcome.report(), file);
            written.add(file);
        }
        return written;
    }

    @Override
    public Integer call() throws Exception {
        ConsoleProgress progress = new ConsoleProgress(System.err);
        Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("jomed-demo");
        MedMnistDataset data = MedMnistDataset.load(MedMnistLocator.builder().build().locate(dataset, progress));
        try (MiniLmTextEncoder g0 = MiniLmTextEncoder.create()) {
            MedMnistExperiment.Builder b = MedMnistExperiment.builder().setDataset(data)
                    .setTextEncoder(g0, MiniLmTextEncoder.KIND).setWorkDirectory(work).optSeed(seed);
            if (folds.equals("auto")) {
                b.optOutOfFoldWhenMemorised(3);
            } else {
                try {
                    b.optOutOfFoldFolds(Integer.parseInt(folds));
                } catch (NumberFormatException e) {
                    throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                            "--folds takes a number of folds or auto, got \"" + folds + "\"");
                }
            }
            if (passes != null) {
                b.optPhase1Passes(passes);
            }
            b.optTowerMembers(tower.members());
            if (readerAugmentation != null) {
                b.optReaderAugmentation(readerAugmentation);
            }
            if (bundle() != null) {
                b.optBundleDirectory(bundle());
            }
            b.optPhase2Settings(phase2Settings());
            MedMnistExperiment.Outcome outcome = b.build().run(progress);
            System.err.println();
            System.out.printf(Locale.ROOT, "%n%s, test split, seed %d (k-NN k=%d chosen on %s)%n%n", dataset, seed,
                    outcome.knnSelection().k(), outcome.knnSelection().rule());
            System.out.println(ReportTable.markdown(outcome.report()));
            StringBuilder t = new StringBuilder("timings:");
            for (Map.Entry<String, Double> e : outcome.timingsSeconds().entrySet()) {
                t.append(String.format(Locale.ROOT, " %s %.0f s;", e.getKey(), e.getValue()));
            }
            System.out.println(t);
            System.out.printf(Locale.ROOT, "training retrieval: %d-NN accuracy of training queries (own case excluded) / "
                    + "validation queries: image head %.3f / %.3f, text head %.3f / %.3f; image-head gap over every k %+.3f; "
                    + "training queries retrieved with %s%n",
                    outcome.memorisation().k(), outcome.memorisation().trainingAccuracy(),
                    outcome.memorisation().validationAccuracy(),
                    outcome.memorisation().textHeadTrainingAccuracy().orElse(Double.NaN),
                    outcome.memorisation().textHeadValidationAccuracy().orElse(Double.NaN),
                    outcome.knnSelection().memorisationGap(), outcome.outOfFoldFoldsUsed() > 0
                            ? "out-of-fold embeddings (" + outcome.outOfFoldFoldsUsed() + " folds)" : "the aligned tower's embeddings");
            for (StageResult stage : outcome.phase2()) {
                System.out.println(stage.wasSkipped() ? stage.stageName() + ": skipped: " + stage.skippedBecause().get()
                        : String.format(Locale.ROOT, "%s: %d steps, kept step %d, fused validation accuracy %.3f (step 0: %.3f), "
                                + "reader pairs scored %d, reused %d", stage.stageName(), stage.steps(), stage.selectedStep(),
                                stage.selectedValidationAccuracy(), stage.initialValidationAccuracy(), stage.readerPairsScored(),
                                stage.readerPairsReused()));
            }
            if (report != null) {
                ReportWriter.write(outcome.report(), report);
                System.out.println("JSON report: " + report.toAbsolutePath());
                for (Path plot : writePlots(outcome, report)) {
                    System.out.println("plot: " + plot.toAbsolutePath());
                }
            }
            if (predictions != null) {
                outcome.report().log().write(predictions);
                System.out.println("prediction log: " + predictions.toAbsolutePath());
            }
            outcome.bundle().ifPresent(p -> System.out.println("model bundle: " + p.toAbsolutePath()));
        }
        return 0;
    }
}
