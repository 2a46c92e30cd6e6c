package io.jomed.examples.cli;

import io.jomed.api.Jomed;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.reader.bundle.LoadedPipeline;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistLocator;
import io.jomed.training.dataset.medmnist.MedMnistSplit;
import io.jomed.training.evaluation.ModeEvaluator;
import io.jomed.training.report.EvaluationReport;
import io.jomed.training.report.ReportTable;
import io.jomed.training.report.ReportWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jomed evaluate}: evaluates a saved model bundle on a split of a MedMNIST dataset: the k-NN baseline,
 * standard RAG (the bundle's reader with untrained heads) and, when the bundle holds trained heads, JOMED, with
 * the paired interval of JOMED minus standard RAG; prints the table and writes the JSON report.
 *
 * <p>Not thread-safe; one run per instance.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Evaluate a model bundle on a MedMNIST split: k-NN, standard RAG and (with trained heads) JOMED; metrics, "
                + "inconsistency and oracle.")
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--bundle", required = true, description = "The model bundle folder.")
    Path bundle;

    @Option(names = "--dataset", required = true, description = "MedMNIST dataset name, e.g. breastmnist.")
    String dataset;

    @Option(names = "--split", defaultValue = "test", description = "train, val or test (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--knn-k", defaultValue = "5", description = "k of the k-NN baseline (default: ${DEFAULT-VALUE}).")
    int knnK;

    @Option(names = "--seed", defaultValue = "1", description = "Seed recorded in the report and used by the bootstrap.")
    long seed;

    @Option(names = "--report", description = "Write the JSON report to this file.")
    Path report;

    @Override
    public Integer call() throws Exception {
        ConsoleProgress progress = new ConsoleProgress(System.err);
        MedMnistSplit s = MedMnistSplit.valueOf(split.toUpperCase(Locale.ROOT));
        MedMnistDataset data = MedMnistDataset.load(MedMnistLocator.builder().build().locate(dataset, progress));
        try (LoadedPipeline pipeline = LoadedPipeline.open(bundle)) {
            boolean trainedHeads = !pipeline.manifest().headTowers().isEmpty();
            DualHeadRetriever untrained = DualHeadRetriever.builder().setKnowledgeBase(pipeline.knowledgeBase())
                    .setImageKeyEncoder(pipeline.retriever().queryEncoder(RetrieverHead.IMAGE).frozenEncoder())
                    .optHeads(pipeline.retriever().heads()).build();
            Jomed standardRag = Jomed.builder().setRetriever(untrained).setReader(pipeline.reader())
                    .optRetrievalOptions(pipeline.jomed().retrievalOptions())
                    .optFusionWeighting(pipeline.manifest().fusionWeighting()).build();
            ModeEvaluator.Builder modes = ModeEvaluator.builder().setLabelSpace(pipeline.reader().labelSpace())
                    .addKnn(ModeEvaluator.KNN, untrained, knnK, "label")
                    .addPipeline(ModeEvaluator.STANDARD_RAG, standardRag);
            if (trainedHeads) {
                modes.addPipeline(ModeEvaluator.JOMED, pipeline.jomed());
            }
            ModeEvaluator.Result result = modes.build().evaluate(data.examples(s), progress);
            EvaluationReport.Builder rb = EvaluationReport.builder().setDataset(dataset).setSplit(split).setSeed(seed)
                    .setPreset(pipeline.manifest().presetName().orElse("CLEAN")).setKPerHead(pipeline.jomed().retrievalOptions().kPerHead())
                    .setLog(result.log()).optLatency(result.latency());
            if (trainedHeads) {
                rb.addComparison(ModeEvaluator.JOMED, ModeEvaluator.STANDARD_RAG);
            }
            EvaluationReport r = rb.build();
            System.err.println();
            System.out.println(ReportTable.markdown(r));
            if (report != null) {
                ReportWriter.write(r, report);
                System.out.println("JSON report: " + report.toAbsolutePath());
            }
        }
        return 0;
    }
}
