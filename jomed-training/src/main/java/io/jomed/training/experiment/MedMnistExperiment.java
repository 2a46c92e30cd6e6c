package io.jomed.training.experiment;

import io.jomed.api.Jomed;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.reranking.MajorityVoteReranker;
import io.jomed.api.reranking.ReaderConfidenceReranker;
import io.jomed.api.reranking.TopRankedReranker;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.TaskExample;
import io.jomed.reader.bundle.EncoderReference;
import io.jomed.reader.bundle.KnowledgeBaseMode;
import io.jomed.reader.bundle.ModelBundleWriter;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.image.ImageAugmentation;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.reranking.ImageSimilarityReranker;
import io.jomed.retriever.retrieval.DualHeadRetriever;
import io.jomed.training.alignment.AlignmentPair;
import io.jomed.training.alignment.AlignmentResult;
import io.jomed.training.alignment.DistinctTextKeys;
import io.jomed.training.alignment.ImageTowerAlignment;
import io.jomed.training.alignment.OutOfFoldAlignment;
import io.jomed.training.analysis.InconsistencyAnalysis;
import io.jomed.training.analysis.RerankerComparison;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistSplit;
import io.jomed.training.evaluation.ItemSelection;
import io.jomed.training.evaluation.KnnKSelection;
import io.jomed.training.evaluation.KnnVote;
import io.jomed.training.evaluation.ModeEvaluator;
import io.jomed.training.evaluation.RetrievalMemorisation;
import io.jomed.training.phase1.Phase1Mode;
import io.jomed.training.phase1.Phase1ReaderTraining;
import io.jomed.training.phase1.Phase1Result;
import io.jomed.training.phase2.Phase2Result;
import io.jomed.training.phase2.Phase2RetrieverTraining;
import io.jomed.training.phase2.Phase2Settings;
import io.jomed.training.phase2.StageResult;
import io.jomed.training.report.EvaluationReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The closed-book vs k-NN vs standard-RAG vs JOMED comparison on a MedMNIST dataset, end to end, with one seed
 * driving everything (method.md §1.3): align {@code f0} to the frozen text encoder {@code g0} on the train split,
 * build the Lucene knowledge base of the train split, embed training queries out of fold, train the reader with
 * retrieved context (phase 1) and a closed-book reader with the same steps and batch size, train the retriever
 * heads with the frozen phase-1 reader (phase 2), choose the k-NN baseline's {@code k} on the validation split,
 * and evaluate every mode on the test split: standard RAG and JOMED share the phase-1 reader, so their
 * difference is the trained retriever's. The report carries the inconsistency, oracle and reranker analyses.
 * Optionally writes a model bundle of the JOMED pipeline.
 *
 * <p>Not thread-safe: run one experiment at a time (the PyTorch engine trains one model at a time). Does not own
 * the text encoder.
 */
public final class MedMnistExperiment {
    private static final Logger LOG = LoggerFactory.getLogger(MedMnistExperiment.class);
    private static final int[] KNN_KS = KnnVote.candidateKs();

    private final MedMnistDataset dataset;
    private final TextEncoder textEncoder;
    private final String textEncoderProvider;
    private final Path workDirectory;
    private final long seed;
    private final int alignmentEpochs;
    private final int towerMembers;
    private final int outOfFoldFolds;
    private final boolean outOfFoldWhenMemorised;
    private final int phase1Passes;
    private final boolean readerAugmentation;
    private final Path bundleDirectory;
    private final Phase2Settings phase2Settings;

    private MedMnistExperiment(Builder b) {
        this.dataset = b.dataset;
        this.textEncoder = b.textEncoder;
        this.textEncoderProvider = b.textEncoderProvider;
        this.workDirectory = b.workDirectory;
        this.seed = b.seed;
        this.alignmentEpochs = b.alignmentEpochs;
        this.towerMembers = b.towerMembers;
        this.outOfFoldFolds = b.outOfFoldFolds;
        this.outOfFoldWhenMemorised = b.outOfFoldWhenMemorised;
        this.phase1Passes = b.phase1Passes;
        this.readerAugmentation = b.readerAugmentation;
        this.bundleDirectory = b.bundleDirectory;
        this.phase2Settings = b.phase2Settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What one run produced. Immutable and thread-safe. */
    public record Outcome(EvaluationReport report, KnnKSelection knnSelection, Phase1Result rag, Phase1Result closedBook,
            List<StageResult> phase2, Map<String, String> phase2Metadata, Optional<Path> bundle, Map<String, Double> timingsSeconds,
            RetrievalMemorisation memorisation, int outOfFoldFoldsUsed) {
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
        ImageTowerAlignment alignment = MedMnistDefaults.alignment(dataset, seed, alignmentEpochs, towerMembers);

        long t = System.nanoTime();
        try (AlignmentResult aligned = alignment.align(trainPairs, valPairs, listener);
                ImageTowerEncoder f0 = new ImageTowerEncoder(aligned.tower())) {
            timings.put("align", seconds(t));
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

                TrainingRetrieval trainingRetrieval = TrainingRetrieval.measure(retriever, trainExamples, valExamples);
                RetrievalMemorisation memorisation = trainingRetrieval.memorisation();
                KnnKSelection knnSelection = trainingRetrieval.knnSelection();
                // one verdict per run: the gap averaged over every candidate k, not the 5-NN gap alone (which on 120
                // validation images disagreed with it on 5 of 21 demo runs, RESULTS.md)
                int folds = outOfFoldWhenMemorised && !knnSelection.memorised() ? 0 : outOfFoldFolds;
                LOG.info("{}-NN accuracy of training queries (own case excluded) / validation queries: image head {} / {}, "
                        + "text head {} / {}; image-head gap over every k {}: {}", memorisation.k(),
                        fmt(memorisation.trainingAccuracy()), fmt(memorisation.validationAccuracy()),
                        fmt(memorisation.textHeadTrainingAccuracy().orElse(Double.NaN)),
                        fmt(memorisation.textHeadValidationAccuracy().orElse(Double.NaN)),
                        fmt(knnSelection.memorisationGap()),
                        folds > 0 ? "training queries retrieve with out-of-fold embeddings (" + folds + " folds)"
                                : "training queries retrieve with the aligned tower's embeddings");
                Map<String, float[]> outOfFold = new HashMap<>();
                if (folds > 0) {
                    t = System.nanoTime();
                    float[][] oof = OutOfFoldAlignment.embed(alignment, trainPairs, valPairs, folds, seed, listener);
                    for (int i = 0; i < train.size(); i++) {
                        outOfFold.put(train.get(i).id(), oof[i]);
                    }
                    timings.put("out_of_fold", seconds(t));
                }

                try (ClassifierReaderModel ragModel = newReaderModel(); ClassifierReaderModel cbModel = newReaderModel()) {
                    t = System.nanoTime();
                    Phase1Result rag = phase1(retriever, ragModel, trainExamples, valExamples, outOfFold, Phase1Mode.RETRIEVAL_AUGMENTED,
                            0).train(listener);
                    Phase1Result closedBook = phase1(retriever, cbModel, trainExamples, valExamples, outOfFold,
                            Phase1Mode.CLOSED_BOOK, rag.steps()).train(listener);
                    timings.put("phase1", rag.elapsed().toNanos() / 1e9);
                    timings.put("closed_book", closedBook.elapsed().toNanos() / 1e9);

                    int knnK = knnSelection.k();
                    LOG.info("k-NN baseline: k = {} chosen on {} (memorisation gap {})", knnK, knnSelection.rule(),
                            fmt(knnSelection.memorisationGap()));
                    try (ClassifierReader ragReader = ClassifierReader.builder().setModel(ragModel).setTextEncoder(textEncoder).build();
                            ClassifierReader cbReader = ClassifierReader.builder().setModel(cbModel).setTextEncoder(textEncoder).build();
                            Phase2Result phase2 = phase2(kb, aligned.tower(), ragReader, trainExamples, valExamples, outOfFold, kbDir,
                                    listener);
                            HeadEncoders heads = HeadEncoders.of(phase2)) {
                        double trainMillis = (System.nanoTime() - t) / 1e6;
                        timings.put("phase2", phase2.elapsed().toNanos() / 1e9);
                        Jomed standardRag = Jomed.builder().setRetriever(retriever).setReader(ragReader).build();
                        DualHeadRetriever.Builder trained = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0)
                                .optAlpha(phase2Settings.alpha());
                        heads.encoders().forEach(trained::optTrainedTower);
                        Jomed jomed = Jomed.builder().setRetriever(trained.build()).setReader(ragReader)
                                .optFusionWeighting(phase2Settings.fusionWeighting()).build();
                        t = System.nanoTime();
                        ModeEvaluator.Result evaluated = ModeEvaluator.builder().setLabelSpace(dataset.task().labelSpace())
                                .addClosedBook(ModeEvaluator.CLOSED_BOOK, cbReader)
                                .addKnn(ModeEvaluator.KNN, retriever, knnK, "label")
                                .addPipeline(ModeEvaluator.STANDARD_RAG, standardRag)
                                .addPipeline(ModeEvaluator.JOMED, jomed)
                                .build().evaluate(testExamples, listener);
                        timings.put("evaluate", seconds(t));
                        EvaluationReport report = report(evaluated, trainMillis, kb, f0, testExamples, phase2, memorisation,
                                folds, knnSelection);
                        Optional<Path> bundle = Optional.empty();
                        if (bundleDirectory != null) {
                            bundle = Optional.of(writeBundle(aligned, ragModel, kb, phase2, folds));
                        }
                        timings.put("total", seconds(started));
                        listener.onProgress(ProgressEvent.of("experiment", dataset.name(), 1, 1,
                                java.time.Duration.ofNanos(System.nanoTime() - started)));
                        return new Outcome(report, knnSelection, rag, closedBook, phase2.stages(), phase2.metadata(), bundle, timings,
                                memorisation, folds);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write under " + workDirectory, e);
        }
    }

    private EvaluationReport report(ModeEvaluator.Result evaluated, double trainMillis, LuceneKnowledgeBase kb, ImageTowerEncoder f0,
            List<TaskExample> test, Phase2Result phase2, RetrievalMemorisation memorisation, int folds,
            KnnKSelection knnSelection) {
        var log = evaluated.log();
        ItemSelection selection = ItemSelection.ALL;
        boolean[] partition = InconsistencyAnalysis.partition(log, ModeEvaluator.STANDARD_RAG, selection);
        List<RerankerComparison> rerankers = new ArrayList<>();
        for (String mode : List.of(ModeEvaluator.STANDARD_RAG, ModeEvaluator.JOMED)) {
            rerankers.add(RerankerComparison.builder().setLog(log).setMode(mode).setPartition(partition)
                    .setCaseLookup(kb::find).setExamples(test).optItemSelection(selection)
                    .addReranker(new TopRankedReranker(RetrieverHead.IMAGE))
                    .addReranker(new ReaderConfidenceReranker())
                    .addReranker(new MajorityVoteReranker())
                    .addReranker(ImageSimilarityReranker.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0).build())
                    .build());
        }
        return EvaluationReport.builder().setDataset(dataset.name()).setSplit("test").setSeed(seed)
                .setPreset(phase2Settings.preset().name()).setKPerHead(RetrievalOptions.DEFAULT.kPerHead()).setLog(log)
                .addComparison(ModeEvaluator.STANDARD_RAG, ModeEvaluator.CLOSED_BOOK)
                .addComparison(ModeEvaluator.JOMED, ModeEvaluator.STANDARD_RAG)
                .optRerankers(rerankers).optSkippedStages(phase2.skippedStages()).optTrainingRetrieval(memorisation, folds)
                .optKnnSelection(knnSelection).optTrainMillis(trainMillis).optLatency(evaluated.latency()).build();
    }

    private Phase2Result phase2(LuceneKnowledgeBase kb, ImageTower f0, ClassifierReader reader,
            List<TaskExample> train, List<TaskExample> val, Map<String, float[]> outOfFold, Path kbDir, ProgressListener listener) {
        Phase2RetrieverTraining.Builder b = Phase2RetrieverTraining.builder().setKnowledgeBase(kb).setImageKeyTower(f0)
                .setReader(reader).setTrainingExamples(train).setValidationExamples(val).optSettings(phase2Settings).optSeed(seed)
                .optCheckpointDirectory(kbDir.resolveSibling(kbDir.getFileName() + "-phase2")).optResume(false);
        if (!outOfFold.isEmpty()) {
            b.optOutOfFoldEmbeddings(outOfFold);
        }
        return b.build().train(listener);
    }

    /** Inference encoders of the trained heads; closes them. */
    private record HeadEncoders(Map<RetrieverHead, ImageTowerEncoder> encoders) implements AutoCloseable {
        static HeadEncoders of(Phase2Result phase2) {
            Map<RetrieverHead, ImageTowerEncoder> out = new EnumMap<>(RetrieverHead.class);
            phase2.towers().forEach((h, tower) -> out.put(h, new ImageTowerEncoder(tower)));
            return new HeadEncoders(out);
        }

        @Override
        public void close() {
            encoders.values().forEach(ImageTowerEncoder::close);
        }
    }

    private Path writeBundle(AlignmentResult aligned, ClassifierReaderModel model, LuceneKnowledgeBase kb, Phase2Result phase2,
            int folds) {
        EncoderReference g0 = EncoderReference.of(textEncoderProvider, Map.of(), textEncoder);
        Map<String, String> configuration = new LinkedHashMap<>();
        configuration.put("dataset", dataset.name());
        configuration.put("seed", Long.toString(seed));
        configuration.put("alignment_epochs", Integer.toString(alignmentEpochs));
        configuration.put("tower_members", Integer.toString(towerMembers));
        configuration.put("out_of_fold_folds", Integer.toString(folds));
        configuration.put("phase1_passes", Integer.toString(phase1Passes));
        configuration.put("phase1_augmentation", Boolean.toString(readerAugmentation));
        configuration.putAll(phase2.metadata());
        ModelBundleWriter.Builder writer = ModelBundleWriter.builder().setImageKeyEncoder(aligned.tower()).setTextKeyEncoder(g0)
                .setReaderModel(model).setKnowledgeBase(kb, KnowledgeBaseMode.PATH)
                .optPreset(phase2Settings.preset().name(), configuration).optAlpha(phase2Settings.alpha())
                .optFusionWeighting(phase2Settings.fusionWeighting());
        phase2.towers().forEach(writer::optHeadTower);
        writer.build().write(bundleDirectory);
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
                .optPasses(phase1Passes).optSeed(seed)
                .optAugmentation(readerAugmentation ? MedMnistDefaults.augmentation(dataset) : ImageAugmentation.NONE);
        if (!outOfFold.isEmpty()) {
            b.optOutOfFoldEmbeddings(outOfFold);
        }
        if (steps > 0) {
            b.optTotalSteps(steps);
        }
        return b.build();
    }

    /**
     * What one retrieval of the training queries (own case excluded) and the validation queries, deep enough for every
     * candidate k, tells: whether the tower memorised its training cases, and the k of the retrieval-only baseline, chosen
     * by {@link KnnKSelection} on the validation queries and, unless the tower memorised them, the training queries. The
     * retrieved lists (about 170,000 cases for RetinaMNIST) are dropped once both are measured.
     */
    private record TrainingRetrieval(RetrievalMemorisation memorisation, KnnKSelection knnSelection) {
        static TrainingRetrieval measure(DualHeadRetriever retriever, List<TaskExample> train, List<TaskExample> val) {
            RetrievalOptions deep = RetrievalOptions.builder().optKPerHead(KNN_KS[KNN_KS.length - 1]).build();
            List<List<RetrievedCase>> trainResults = retriever.retrieve(queries(train), deep);
            List<List<RetrievedCase>> valResults = retriever.retrieve(queries(val), deep);
            return new TrainingRetrieval(
                    RetrievalMemorisation.of(trainResults, train, valResults, val, RetrievalMemorisation.DEFAULT_K),
                    KnnKSelection.choose(imageHeadKnn(valResults, val), val.size(), imageHeadKnn(trainResults, train),
                            train.size(), KnnKSelection.DEFAULT_MARGIN));
        }

        private static List<Query> queries(List<TaskExample> examples) {
            return examples.stream().map(TaskExample::query).toList();
        }

        /** Image-head k-NN vote accuracy for every candidate k. */
        private static Map<Integer, Double> imageHeadKnn(List<List<RetrievedCase>> results, List<TaskExample> examples) {
            return new KnnVote("label").accuracyByK(KnnVote.oneHead(results, RetrieverHead.IMAGE), examples.stream().map(TaskExample::goldLabel).toList(), KNN_KS);
        }
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.3f", v);
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
        private int towerMembers = MedMnistDefaults.TOWER_MEMBERS;
        private int outOfFoldFolds = 3;
        private boolean outOfFoldWhenMemorised = true;
        private int phase1Passes = Phase1Defaults.PASSES;
        private boolean readerAugmentation = Phase1Defaults.AUGMENTATION;
        private Path bundleDirectory;
        private Phase2Settings phase2Settings = Phase2Defaults.settings();

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

        /** Ensemble members of the image tower {@code f0}; default {@value MedMnistDefaults#TOWER_MEMBERS}. */
        public Builder optTowerMembers(int members) {
            if (members < 1 || members > ImageTowerConfig.MAX_MEMBERS) {
                throw new IllegalArgumentException("tower members must be between 1 and " + ImageTowerConfig.MAX_MEMBERS
                        + ", got " + members);
            }
            this.towerMembers = members;
            return this;
        }

        /**
         * Out-of-fold folds for training queries' retrieval in phases 1 and 2, always; 0 turns it off. The default is
         * {@link #optOutOfFoldWhenMemorised} with 3 folds.
         */
        public Builder optOutOfFoldFolds(int folds) {
            if (folds < 0 || folds == 1) {
                throw new IllegalArgumentException("out-of-fold folds must be 0 (off) or at least 2, got " + folds);
            }
            this.outOfFoldFolds = folds;
            this.outOfFoldWhenMemorised = false;
            return this;
        }

        /**
         * Training queries retrieve with out-of-fold embeddings ({@code folds} folds) only when the aligned tower
         * memorised its training cases ({@link KnnKSelection#memorised()}: training queries' image-head k-NN accuracy,
         * own case excluded, averaged over the candidate k, above validation queries' by more than
         * {@value KnnKSelection#DEFAULT_MARGIN}), and with the aligned tower's own embeddings otherwise. The default,
         * with 3 folds.
         */
        public Builder optOutOfFoldWhenMemorised(int folds) {
            if (folds < 2) {
                throw new IllegalArgumentException("out-of-fold folds must be at least 2, got " + folds);
            }
            this.outOfFoldFolds = folds;
            this.outOfFoldWhenMemorised = true;
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

        /**
         * Whether phase 1 (both the retrieval-augmented reader and the closed-book baseline) trains on augmented
         * images, the dataset's {@link MedMnistDefaults#augmentation augmentation}; default
         * {@value Phase1Defaults#AUGMENTATION}.
         */
        public Builder optReaderAugmentation(boolean augment) {
            this.readerAugmentation = augment;
            return this;
        }

        /** Also write a model bundle of the standard-RAG pipeline here (the knowledge base referenced by path). */
        public Builder optBundleDirectory(Path directory) {
            this.bundleDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Phase-2 preset and switches; default {@link Phase2Defaults#settings()}. */
        public Builder optPhase2Settings(Phase2Settings settings) {
            this.phase2Settings = Objects.requireNonNull(settings, "settings");
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
