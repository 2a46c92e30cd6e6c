package io.jomed.training.evaluation;

import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.kb.QueryEmbedding;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates the retriever on a MedMNIST dataset, as the foundation issue asks: aligns the image tower
 * {@code f0} to the frozen text encoder {@code g0} on the train split (model selection on val), builds a
 * Lucene knowledge base of the train split, and measures on the test split the HNSW recall@10 of the image
 * head against exact search, the k-NN majority-vote accuracy of the image head for several {@code k} (the
 * "retrieval only" baseline; {@code k} chosen by {@link KnnKSelection}), the text head's, raw-pixel k-NN beside
 * it, ingest throughput and query latency. It also compares training queries (leave-one-out) with validation queries,
 * which shows whether the tower memorised its training cases, and optionally training queries embedded out
 * of fold ({@link OutOfFoldAlignment}), which shows what a reader trained on retrieval for training queries
 * would really see.
 *
 * <p>The knowledge base is built with an HNSW graph for every segment (Lucene otherwise scans small
 * segments exhaustively), so the recall figure measures the graph search.
 *
 * <p>Not thread-safe: run one evaluation at a time (the PyTorch engine trains one model at a time).
 */
public final class RetrievalEvaluation {
    private static final Logger LOG = LoggerFactory.getLogger(RetrievalEvaluation.class);
    private static final String LABEL = "label";
    private static final int RECALL_K = 10;

    private final MedMnistDataset dataset;
    private final TextEncoder textEncoder;
    private final Function<Long, ImageTowerAlignment> alignment;
    private final Path workDirectory;
    private final int[] ks;
    private final int outOfFoldFolds;

    private RetrievalEvaluation(Builder b) {
        this.dataset = b.dataset;
        this.textEncoder = b.textEncoder;
        this.alignment = b.alignment;
        this.workDirectory = b.workDirectory;
        this.ks = b.ks;
        this.outOfFoldFolds = b.outOfFoldFolds;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Runs the whole evaluation with one seed. */
    public RetrievalReport run(long seed, ProgressListener listener) {
        Objects.requireNonNull(listener, "listener");
        String name = dataset.name();
        List<KnowledgeBaseCase> train = dataset.cases(MedMnistSplit.TRAIN);
        List<KnowledgeBaseCase> valCases = dataset.cases(MedMnistSplit.VAL);
        DistinctTextKeys textKeys = DistinctTextKeys.encode(textEncoder, train, valCases);
        List<AlignmentPair> trainPairs = textKeys.pairs(train);
        List<AlignmentPair> valPairs = textKeys.pairs(valCases);

        LOG.info("{} seed {}: aligning f0 on {} training pairs", name, seed, trainPairs.size());
        try (AlignmentResult aligned = alignment.apply(seed).align(trainPairs, valPairs, listener);
                ImageTowerEncoder f0 = new ImageTowerEncoder(aligned.tower())) {
            Path kbDir = Files.createDirectories(workDirectory.resolve(name + "-seed" + seed + "-kb"));
            try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(kbDir).setImageEncoder(f0)
                    .setTextEncoder(textEncoder).optHnswGraphThreshold(0).build()) {
                var ingest = kb.ingest(train, listener);
                DualHeadRetriever retriever = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0).build();
                int maxK = Arrays.stream(ks).max().orElseThrow();

                Split val = split(MedMnistSplit.VAL);
                Split test = split(MedMnistSplit.TEST);
                Map<RetrieverHead, float[][]> valEmb = retriever.embed(val.images());
                Map<RetrieverHead, float[][]> testEmb = retriever.embed(test.images());
                Map<Integer, Double> knnVal = knnAccuracy(kb, f0, RetrieverHead.IMAGE, valEmb, val, maxK, false);
                List<List<RetrievedCase>> testRanked = ranked(kb, f0, RetrieverHead.IMAGE, testEmb, test, maxK, false);
                Map<Integer, Double> knnTest = new KnnVote(LABEL).accuracyByK(testRanked, test.labels(), ks);
                Map<Integer, Double> textTest = knnAccuracy(kb, f0, RetrieverHead.TEXT, testEmb, test, maxK, false);
                Split trainSplit = split(MedMnistSplit.TRAIN);
                Map<RetrieverHead, float[][]> trainEmb = retriever.embed(trainSplit.images());
                Map<Integer, Double> knnTrain = knnAccuracy(kb, f0, RetrieverHead.IMAGE, trainEmb, trainSplit, maxK, true);
                Map<Integer, Double> textVal = knnAccuracy(kb, f0, RetrieverHead.TEXT, valEmb, val, maxK, false);
                Map<Integer, Double> textTrain = knnAccuracy(kb, f0, RetrieverHead.TEXT, trainEmb, trainSplit, maxK, true);
                KnnKSelection selection = KnnKSelection.choose(knnVal, val.images().size(), knnTrain,
                        trainSplit.images().size(), KnnKSelection.DEFAULT_MARGIN);
                int selectedK = selection.k();
                LOG.info("{} seed {}: k-NN k = {} chosen on {} (memorisation gap {})", name, seed, selectedK, selection.rule(),
                        String.format(Locale.ROOT, "%+.3f", selection.memorisationGap()));
                double trainAcc = knnTrain.get(selectedK);

                Double outOfFold = null;
                if (outOfFoldFolds > 0) {
                    float[][] oof = OutOfFoldAlignment.embed(alignment.apply(seed), trainPairs, valPairs, outOfFoldFolds, seed,
                            listener);
                    outOfFold = knnAccuracy(kb, f0, RetrieverHead.IMAGE, Map.of(RetrieverHead.IMAGE, oof), trainSplit, maxK,
                            true).get(selectedK);
                }

                double recall = recallAt10(kb, f0, testEmb.get(RetrieverHead.IMAGE), test);
                LatencySummary latency = latency(retriever, test);

                RawPixelKnn raw = new RawPixelKnn(trainSplit.images(), trainSplit.labels());
                Map<Integer, List<String>> rawTestVotes = raw.predictions(test.images(), ks);
                Map<Integer, Double> rawTest = new LinkedHashMap<>();
                rawTestVotes.forEach((k, votes) -> rawTest.put(k, KnnVote.accuracy(votes, test.labels())));
                KnnTestVotes testVotes = new KnnTestVotes(test.labels(),
                        new KnnVote(LABEL).predictions(testRanked, selectedK), rawTestVotes.get(selectedK));
                listener.onProgress(ProgressEvent.of("retrieval-eval", name, 1, 1, aligned.elapsed()));
                return new RetrievalReport(name, seed, kb.size(), aligned.tower().config().toCanonicalString(),
                        aligned.elapsed().toNanos() / 1e9, aligned.epochs().size(), aligned.bestEpoch(),
                        ingest.casesPerSecond(), recall, selection, knnVal, knnTrain, knnTest, textTest, textVal, textTrain,
                        rawTest, trainAcc, knnVal.get(selectedK), outOfFold, latency, testVotes,
                        testVotes.imageHeadInterval(seed), testVotes.imageHeadMinusRawPixelInterval(seed));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the knowledge base under " + workDirectory, e);
        }
    }

    private record Split(List<MedicalImage> images, List<String> labels, List<String> ids) {
    }

    private Split split(MedMnistSplit split) {
        int n = dataset.size(split);
        List<MedicalImage> images = new ArrayList<>(n);
        List<String> labels = new ArrayList<>(n);
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            images.add(dataset.image(split, i));
            labels.add(dataset.label(split, i));
            ids.add(dataset.caseId(split, i));
        }
        return new Split(images, labels, ids);
    }

    /**
     * k-NN vote accuracy for every k of {@code ks} (searching {@code maxK} deep); leave-one-out excludes each query's own
     * case (same image and same id).
     */
    private Map<Integer, Double> knnAccuracy(LuceneKnowledgeBase kb, ImageTowerEncoder f0, RetrieverHead head,
            Map<RetrieverHead, float[][]> embeddings, Split split, int maxK, boolean leaveOneOut) {
        return new KnnVote(LABEL).accuracyByK(ranked(kb, f0, head, embeddings, split, maxK, leaveOneOut), split.labels(), ks);
    }

    /** Each query's {@code maxK} best cases of one head; leave-one-out excludes each query's own case. */
    private static List<List<RetrievedCase>> ranked(LuceneKnowledgeBase kb, ImageTowerEncoder f0, RetrieverHead head,
            Map<RetrieverHead, float[][]> embeddings, Split split, int maxK, boolean leaveOneOut) {
        float[][] e = embeddings.get(head);
        List<List<RetrievedCase>> ranked = new ArrayList<>(e.length);
        for (int q = 0; q < e.length; q++) {
            RetrievalOptions.Builder options = RetrievalOptions.builder().optKPerHead(maxK);
            if (leaveOneOut) {
                options.optExcludeCaseId(split.ids().get(q));
            }
            ranked.add(kb.search(head, QueryEmbedding.of(e[q], f0.fingerprint(), split.images().get(q).contentHash()),
                    options.build()));
        }
        return ranked;
    }

    private static double recallAt10(LuceneKnowledgeBase kb, ImageTowerEncoder f0, float[][] embeddings, Split split) {
        double sum = 0;
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(RECALL_K).build();
        for (int q = 0; q < embeddings.length; q++) {
            QueryEmbedding e = QueryEmbedding.of(embeddings[q], f0.fingerprint(), split.images().get(q).contentHash());
            List<String> exact = kb.searchExact(RetrieverHead.IMAGE, e, options).stream().map(RetrievedCase::caseId).toList();
            List<String> approx = kb.search(RetrieverHead.IMAGE, e, options).stream().map(RetrievedCase::caseId).toList();
            sum += (double) approx.stream().filter(exact::contains).count() / exact.size();
        }
        return sum / embeddings.length;
    }

    private static LatencySummary latency(DualHeadRetriever retriever, Split split) {
        for (int i = 0; i < Math.min(20, split.images().size()); i++) {
            retriever.retrieve(Query.of(split.images().get(i)));
        }
        long[] nanos = new long[split.images().size()];
        for (int i = 0; i < nanos.length; i++) {
            long t = System.nanoTime();
            retriever.retrieve(Query.of(split.images().get(i)));
            nanos[i] = System.nanoTime() - t;
        }
        return LatencySummary.ofNanos(nanos);
    }

    /** Builder for {@link RetrievalEvaluation}; not thread-safe. */
    public static final class Builder {
        private MedMnistDataset dataset;
        private TextEncoder textEncoder;
        private Function<Long, ImageTowerAlignment> alignment;
        private Path workDirectory;
        private int[] ks = KnnVote.candidateKs();
        private int outOfFoldFolds;

        private Builder() {
        }

        public Builder setDataset(MedMnistDataset dataset) {
            this.dataset = Objects.requireNonNull(dataset, "dataset");
            return this;
        }

        /** The frozen text key encoder {@code g0}. */
        public Builder setTextEncoder(TextEncoder textEncoder) {
            this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
            return this;
        }

        /** Makes the alignment of {@code f0} for a seed. */
        public Builder setAlignment(Function<Long, ImageTowerAlignment> alignment) {
            this.alignment = Objects.requireNonNull(alignment, "alignment");
            return this;
        }

        /** Where the knowledge bases are written, one folder per dataset and seed. */
        public Builder setWorkDirectory(Path workDirectory) {
            this.workDirectory = Objects.requireNonNull(workDirectory, "workDirectory");
            return this;
        }

        /** The k values of the k-NN vote; default {@link KnnVote#candidateKs()}. */
        public Builder optKs(int... ks) {
            if (ks.length == 0 || Arrays.stream(ks).anyMatch(k -> k < 1)) {
                throw new IllegalArgumentException("ks must be non-empty and positive, got " + Arrays.toString(ks));
            }
            this.ks = ks.clone();
            return this;
        }

        /**
         * Also measure training queries embedded out of fold with this many folds (costs {@code folds} more
         * alignments, each on {@code (folds - 1) / folds} of the training split); 0, the default, skips it.
         */
        public Builder optOutOfFoldFolds(int folds) {
            if (folds < 0 || folds == 1) {
                throw new IllegalArgumentException("outOfFoldFolds must be 0 (off) or at least 2, got " + folds);
            }
            this.outOfFoldFolds = folds;
            return this;
        }

        public RetrievalEvaluation build() {
            if (dataset == null || textEncoder == null || alignment == null || workDirectory == null) {
                throw new IllegalStateException("dataset, text encoder, alignment and work directory are required");
            }
            return new RetrievalEvaluation(this);
        }
    }
}
