package io.jomed.training.experiment;

import io.jomed.api.Jomed;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.training.TaskExample;
import io.jomed.reader.bundle.EncoderReference;
import io.jomed.reader.bundle.KnowledgeBaseMode;
import io.jomed.reader.bundle.ModelBundleWriter;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.training.alignment.AlignmentPair;
import io.jomed.training.alignment.AlignmentResult;
import io.jomed.training.alignment.DistinctTextKeys;
import io.jomed.training.alignment.ImageTowerAlignment;
import io.jomed.training.alignment.OutOfFoldAlignment;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistSplit;
import io.jomed.training.evaluation.KnnVote;
import io.jomed.training.evaluation.ModeEvaluator;
import io.jomed.training.phase1.Phase1Mode;
import io.jomed.training.phase1.Phase1ReaderTraining;
import io.jomed.training.phase1.Phase1Result;
import io.jomed.training.report.EvaluationReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The closed-book vs k-NN vs standard-RAG comparison on a MedMNIST dataset, end to end, with one seed driving
 * everything (method.md §1.3): align {@code f0} to the frozen text encoder {@code g0} on the train split, build
 * the Lucene knowledge base of the train split, embed training queries out of fold, train the reader with
 * retrieved context (phase 1) and a closed-book reader with the same steps and batch size, choose the k-NN
 * baseline's {@code k} on the validation split, and evaluate every mode on the test split. Optionally writes a
 * model bundle of the standard-RAG pipeline.
 *
 * <p>Not thread-safe: run one experiment at a time (the PyTorch engine trains one model at a time). Does not own
 * the text encoder.
 */
public final class MedMnistExperiment {
    private static final Logger LOG = LoggerFactory.getLogger(MedMnistExperiment.class);
    private static final int[] KNN_KS = {1, 3, 5, 10, 15, 20};

    private final MedMnistDataset dataset;
    private final TextEncoder textEncoder;
    private final String textEncoderProvider;
    private final Path workDirectory;
    private final long seed;
    private final int alignmentEpochs;
    private final int outOfFoldFolds;
    private final int phase1Passes;
    private final Path bundleDirectory;

    private MedMnistExperiment(Builder b) {
        this.dataset = b.dataset;
        this.textEncoder = b.textEncoder;
        this.textEncoderProvider = b.textEncoderProvider;
        this.workDirectory = b.workDirectory;
        this.seed = b.seed;
        this.alignmentEpochs = b.alignmentEpochs;
        this.outOfFoldFolds = b.outOfFoldFolds;
        this.phase1Passes = b.phase1Passes;
        this.bundleDirectory = b.bundleDirectory;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What one run produced. Immutable and thread-safe. */
    public record Outcome(EvaluationReport report, int knnK, Phase1Result rag, Phase1Result closedBook,
            Optional<Path> bundle, Map<String, Double> timingsSeconds) {
    }

    /** Runs every step and evaluates on the test split. */
    public Outcome run(ProgressListener listener) {
        Objects.requireNonNull(listener, "listener");
        long started = System.nanoTime();
        Map<String, Double> timings = new LinkedHashMap<>();
        List<KnowledgeBaseCase> train = dataset.cases(MedMnistSplit.TRAIN);
        List<KnowledgeBaseCase> val = dataset.cases(MedMnistSplit.VAL);
        DistinctTextKeys keys = DistinctTextKeys.encode(textEncoder, train, val);
        List<AlignmentPair> trainPairs = keys.pairs(train);
        List<AlignmentPair> valPairs = keys.pairs(val);
        ImageTowerAlignment alignment = MedMnistDefaults.alignment(dataset, seed, alignmentEpochs);

        long t = System.nanoTime();
        try (AlignmentResult aligned = alignment.align(trainPairs, valPairs, listener);
                ImageTowerEncoder f0 = new ImageTowerEncoder(aligned.tower())) {
            timings.put("align", seconds(t));
            Map<String, float[]> outOfFold = new HashMap<>();
            if (outOfFoldFolds > 0) {
                t = System.nanoTime();
                float[][] oof = OutOfFoldAlignment.embed(alignment, trainPairs, valPairs, outOfFoldFolds, seed, listener);
                for (int i = 0; i < train.size(); i++) {
                    outOfFold.put(train.get(i).id(), oof[i]);
                }
                timings.put("out_of_fold", seconds(t));
            }
            Path kbDir = Files.createDirectories(workDirectory.resolve(dataset.name() + "-seed" + seed + "-kb"));
            try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(kbDir).setImageEncoder(f0)
                    .setTextEncoder(textEncoder).build()) {
                t = System.nanoTime();
                kb.ingest(train, listener);
                timings.put("ingest", seconds(t));
                DualHeadRetriever retriever = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0).build();
                List<TaskExample> trainExamples = dataset.examples(MedMnistSplit.TRAIN);
                List<TaskExample> valExamples = dataset.examples(MedMnistSplit.VAL);
                List<TaskExample> testExamples = dataset.examples(MedMnistSplit.TEST);

                try (ClassifierReaderModel ragModel = newReaderModel(); ClassifierReaderModel cbModel = newReaderModel()) {
                    t = System.nanoTime();
                    Phase1Result rag = phase1(retriever, ragModel, trainExamples, valExamples, outOfFold, Phase1Mode.RETRIEVAL_AUGMENTED,
                            0).train(listener);
                    Phase1Result closedBook = phase1(retriever, cbModel, trainExamples, valExamples, outOfFold,
                            Phase1Mode.CLOSED_BOOK, rag.steps()).train(listener);
                    double trainMillis = (System.nanoTime() - t) / 1e6;
                    timings.put("phase1", rag.elapsed().toNanos() / 1e9);
                    timings.put("closed_book", closedBook.elapsed().toNanos() / 1e9);

                    int knnK = selectKnnK(retriever, valExamples);
                    try (ClassifierReader ragReader = ClassifierReader.builder().setModel(ragModel).setTextEncoder(textEncoder).build();
                            ClassifierReader cbReader = ClassifierReader.builder().setModel(cbModel).setTextEncoder(textEncoder).build()) {
                        Jomed standardRag = Jomed.builder().setRetriever(retriever).setReader(ragReader).build();
                        t = System.nanoTime();
                        ModeEvaluator.Result evaluated = ModeEvaluator.builder().setLabelSpace(dataset.task().labelSpace())
                                .addClosedBook(ModeEvaluator.CLOSED_BOOK, cbReader)
                                .addKnn(ModeEvaluator.KNN, retriever, knnK, "label")
                                .addPipeline(ModeEvaluator.STANDARD_RAG, standardRag)
                                .build().evaluate(testExamples, listener);
                        timings.put("evaluate", seconds(t));
                        EvaluationReport report = EvaluationReport.builder().setDataset(dataset.name()).setSplit("test")
                                .setSeed(seed).setPreset("CLEAN").setKPerHead(RetrievalOptions.DEFAULT.kPerHead())
                                .setLog(evaluated.log()).optTrainMillis(trainMillis).optLatency(evaluated.latency()).build();
                        Optional<Path> bundle = Optional.empty();
                        if (bundleDirectory != null) {
                            bundle = Optional.of(writeBundle(aligned, ragModel, kb));
                        }
                        timings.put("total", seconds(started));
                        listener.onProgress(ProgressEvent.of("experiment", dataset.name(), 1, 1,
                                java.time.Duration.ofNanos(System.nanoTime() - started)));
                        return new Outcome(report, knnK, rag, closedBook, bundle, timings);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write under " + workDirectory, e);
        }
    }

    private Path writeBundle(AlignmentResult aligned, ClassifierReaderModel model, LuceneKnowledgeBase kb) {
        EncoderReference g0 = EncoderReference.of(textEncoderProvider, Map.of(), textEncoder);
        ModelBundleWriter.builder().setImageKeyEncoder(aligned.tower()).setTextKeyEncoder(g0).setReaderModel(model)
                .setKnowledgeBase(kb, KnowledgeBaseMode.PATH)
                .optPreset("CLEAN", Map.of("dataset", dataset.name(), "seed", Long.toString(seed),
                        "alignment_epochs", Integer.toString(alignmentEpochs), "out_of_fold_folds", Integer.toString(outOfFoldFolds),
                        "phase1_passes", Integer.toString(phase1Passes)))
                .build().write(bundleDirectory);
        LOG.info("wrote the model bundle to {}", bundleDirectory);
        return bundleDirectory;
    }

    private ClassifierReaderModel newReaderModel() {
        var image = dataset.image(MedMnistSplit.TRAIN, 0);
        ClassifierReaderConfig config = ClassifierReaderConfig.builder().setImageSize(image.width(), image.height())
                .setChannels(image.channels()).setTextEncoder(textEncoder.fingerprint())
                .optDefaultQuestion(dataset.task().question()).optSeed(seed).build();
        return ClassifierReaderModel.create(config, dataset.task().labelSpace());
    }

    private Phase1ReaderTraining phase1(DualHeadRetriever retriever, ClassifierReaderModel model, List<TaskExample> train,
            List<TaskExample> val, Map<String, float[]> outOfFold, Phase1Mode mode, long steps) {
        Phase1ReaderTraining.Builder b = Phase1ReaderTraining.builder().setRetriever(retriever).setModel(model)
                .setTextEncoder(textEncoder).setTrainingExamples(train).setValidationExamples(val).optMode(mode)
                .optPasses(phase1Passes).optSeed(seed);
        if (!outOfFold.isEmpty()) {
            b.optOutOfFoldEmbeddings(outOfFold);
        }
        if (steps > 0) {
            b.optTotalSteps(steps);
        }
        return b.build();
    }

    /** The k of the retrieval-only baseline with the best validation accuracy (ties: the smaller k). */
    private static int selectKnnK(DualHeadRetriever retriever, List<TaskExample> val) {
        var results = retriever.retrieve(val.stream().map(TaskExample::query).toList(),
                RetrievalOptions.builder().optKPerHead(KNN_KS[KNN_KS.length - 1]).build());
        List<List<io.jomed.api.retrieval.RetrievedCase>> imageHead = results.stream()
                .map(r -> r.stream().filter(c -> c.head() == io.jomed.api.retrieval.RetrieverHead.IMAGE).toList()).toList();
        return KnnVote.bestK(new KnnVote("label").accuracyByK(imageHead,
                val.stream().map(TaskExample::goldLabel).toList(), KNN_KS));
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** Builder for {@link MedMnistExperiment}; not thread-safe. */
    public static final class Builder {
        private MedMnistDataset dataset;
        private TextEncoder textEncoder;
        private String textEncoderProvider = "minilm-l6-v2-q";
        private Path workDirectory;
        private long seed = 1;
        private int alignmentEpochs = MedMnistDefaults.ALIGNMENT_EPOCHS;
        private int outOfFoldFolds = 3;
        private int phase1Passes = Phase1Defaults.PASSES;
        private Path bundleDirectory;

        private Builder() {
        }

        public Builder setDataset(MedMnistDataset dataset) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
            return this;
        }

        /**
         * The frozen text encoder {@code g0} and the {@link io.jomed.api.spi.TextEncoderProvider} name that makes it
         * again when a bundle is opened.
         */
        public Builder setTextEncoder(TextEncoder textEncoder, String providerName) {
            this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
            this.textEncoderProvider = Objects.requireNonNull(providerName, "providerName");
            return this;
        }

        /** Where the knowledge base is written. */
        public Builder setWorkDirectory(Path workDirectory) {
            this.workDirectory = Objects.requireNonNull(workDirectory, "workDirectory");
            return this;
        }

        /** The one seed of the run; default 1. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optAlignmentEpochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("alignment epochs must be positive, got " + epochs);
            }
            this.alignmentEpochs = epochs;
            return this;
        }

        /** Out-of-fold folds for training queries' retrieval in phase 1; 0 turns it off; default 3. */
        public Builder optOutOfFoldFolds(int folds) {
            if (folds < 0 || folds == 1) {
                throw new IllegalArgumentException("out-of-fold folds must be 0 (off) or at least 2, got " + folds);
            }
            this.outOfFoldFolds = folds;
            return this;
        }

        /** Passes of phase 1 over the class-balanced training stream. */
        public Builder optPhase1Passes(int passes) {
            if (passes < 1) {
                throw new IllegalArgumentException("phase-1 passes must be positive, got " + passes);
            }
            this.phase1Passes = passes;
            return this;
        }

        /** Also write a model bundle of the standard-RAG pipeline here (the knowledge base referenced by path). */
        public Builder optBundleDirectory(Path directory) {
            this.bundleDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        public MedMnistExperiment build() {
            if (dataset == null || textEncoder == null || workDirectory == null) {
                throw new IllegalStateException("dataset, text encoder and work directory are required");
            }
            return new MedMnistExperiment(this);
        }
    }
}
