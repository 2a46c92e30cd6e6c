package io.jomed.examples.cli;

import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistLocator;
import io.jomed.training.experiment.MedMnistExperiment;
import io.jomed.training.report.ReportTable;
import io.jomed.training.report.ReportWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jomed demo}: the whole pipeline on a MedMNIST dataset with one seed, printing the closed-book, k-NN
 * and standard-RAG results table (see {@link MedMnistExperiment}). With {@code --bundle} it is {@code train}.
 *
 * <p>Not thread-safe; one run per instance.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline on a MedMNIST dataset (default BreastMNIST): align f0, build the knowledge "
                + "base, train the reader with retrieved context and a closed-book reader, and compare closed-book, "
                + "k-NN and standard RAG on the test split.")
class DemoCommand implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "breastmnist",
            description = "MedMNIST 2D dataset at $JOMED_DATA_DIR/NAME/NAME.npz (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--seed", defaultValue = "1", description = "The one seed of the run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--report", description = "Write the JSON report of the run to this file.")
    Path report;

    @Option(names = "--work-dir", description = "Where the knowledge base is written (default: a new temporary folder).")
    Path workDir;

    @Option(names = "--folds", defaultValue = "3",
            description = "Out-of-fold folds for training queries' retrieval, 0 to turn off (default: ${DEFAULT-VALUE}).")
    int folds;

    @Option(names = "--passes", description = "Phase-1 passes over the class-balanced training stream.")
    Integer passes;

    Path bundle() {
        return null;
    }

    @Override
    public Integer call() throws Exception {
        ConsoleProgress progress = new ConsoleProgress(System.err);
        Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("jomed-demo");
        MedMnistDataset data = MedMnistDataset.load(MedMnistLocator.builder().build().locate(dataset, progress));
        try (MiniLmTextEncoder g0 = MiniLmTextEncoder.create()) {
            MedMnistExperiment.Builder b = MedMnistExperiment.builder().setDataset(data)
                    .setTextEncoder(g0, MiniLmTextEncoder.KIND).setWorkDirectory(work).optSeed(seed).optOutOfFoldFolds(folds);
            if (passes != null) {
                b.optPhase1Passes(passes);
            }
            if (bundle() != null) {
                b.optBundleDirectory(bundle());
            }
            MedMnistExperiment.Outcome outcome = b.build().run(progress);
            System.err.println();
            System.out.printf(Locale.ROOT, "%n%s, test split, seed %d (k-NN k=%d chosen on val)%n%n", dataset, seed, outcome.knnK());
            System.out.println(ReportTable.markdown(outcome.report()));
            StringBuilder t = new StringBuilder("timings:");
            for (Map.Entry<String, Double> e : outcome.timingsSeconds().entrySet()) {
                t.append(String.format(Locale.ROOT, " %s %.0f s;", e.getKey(), e.getValue()));
            }
            System.out.println(t);
            if (report != null) {
                ReportWriter.write(outcome.report(), report);
                System.out.println("JSON report: " + report.toAbsolutePath());
            }
            outcome.bundle().ifPresent(p -> System.out.println("model bundle: " + p.toAbsolutePath()));
        }
        return 0;
    }
}
