package io.jomed.training.evaluation;

import io.jomed.training.metrics.Bootstrap;
import io.jomed.training.metrics.PairedBootstrap;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one retrieval evaluation measured on one dataset and seed (issue: foundation evidence).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param dataset dataset name
 * @param seed the run's seed
 * @param kbSize cases in the knowledge base (the train split)
 * @param tower the aligned tower's configuration ({@link io.jomed.retriever.encoding.ImageTowerConfig#toCanonicalString()})
 * @param alignmentSeconds wall time of aligning {@code f0}
 * @param alignmentEpochs epochs run; {@code bestEpoch} the one kept (validation top-1)
 * @param bestEpoch the selected epoch
 * @param ingestCasesPerSecond ingest throughput, encoding and commit included
 * @param recallAt10 mean recall@10 of the HNSW image-head search against exact search over the test queries
 * @param kSelection how the {@code k} of the image-head k-NN vote was chosen ({@link KnnKSelection}: on the validation
 *     split, pooled with the training split's leave-one-out queries when the tower did not memorise them)
 * @param knnValidation image-head k-NN accuracy per {@code k} on the validation split
 * @param knnTrainingLeaveOneOut image-head k-NN accuracy per {@code k} for training queries, own case excluded
 * @param knnTest image-head k-NN accuracy per {@code k} on the test split
 * @param textHeadTest text-head (nearest report) k-NN accuracy per {@code k} on the test split
 * @param textHeadValidation the same on the validation split
 * @param textHeadTrainingLeaveOneOut the same for training queries, own case excluded: with
 *     {@code textHeadValidation}, whether the tower's cross-modal head is better on its training cases than on unseen
 *     ones (the image head's figures say this for the image head)
 * @param rawPixelTest raw-pixel k-NN accuracy per {@code k} on the test split
 * @param trainQueryAccuracy image-head k-NN accuracy at the selected {@code k} for training queries, leave-one-out
 * @param validationQueryAccuracy the same for validation queries
 * @param trainQueryOutOfFoldAccuracy the same for training queries embedded out of fold (see
 *     {@link io.jomed.training.alignment.OutOfFoldAlignment}), or null when not measured
 * @param queryLatency latency of one {@code retrieve} (f0 encoding, both heads, k = 2) over test queries
 * @param testVotes the test queries' gold labels and their image-head and raw-pixel votes at the selected {@code k}
 * @param knnTestInterval the image head's test accuracy at the selected {@code k} with its 95% bootstrap interval over
 *     test images ({@link KnnTestVotes#imageHeadInterval}, resampled with the run's seed)
 * @param knnMinusRawPixelTest the image head's minus raw pixels' test accuracy at the selected {@code k}, with its 95%
 *     paired bootstrap interval ({@link KnnTestVotes#imageHeadMinusRawPixelInterval}, the run's seed)
 */
public record RetrievalReport(String dataset, long seed, int kbSize, String tower, double alignmentSeconds,
        int alignmentEpochs, int bestEpoch, double ingestCasesPerSecond, double recallAt10, KnnKSelection kSelection,
        Map<Integer, Double> knnValidation, Map<Integer, Double> knnTrainingLeaveOneOut, Map<Integer, Double> knnTest,
        Map<Integer, Double> textHeadTest, Map<Integer, Double> textHeadValidation,
        Map<Integer, Double> textHeadTrainingLeaveOneOut, Map<Integer, Double> rawPixelTest, double trainQueryAccuracy,
        double validationQueryAccuracy, Double trainQueryOutOfFoldAccuracy, LatencySummary queryLatency,
        KnnTestVotes testVotes, Bootstrap.Interval knnTestInterval, PairedBootstrap.Interval knnMinusRawPixelTest) {

    public RetrievalReport {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(tower, "tower");
        Objects.requireNonNull(kSelection, "kSelection");
        knnValidation = sorted(knnValidation);
        knnTrainingLeaveOneOut = sorted(knnTrainingLeaveOneOut);
        knnTest = sorted(knnTest);
        textHeadTest = sorted(textHeadTest);
        textHeadValidation = sorted(textHeadValidation);
        textHeadTrainingLeaveOneOut = sorted(textHeadTrainingLeaveOneOut);
        rawPixelTest = sorted(rawPixelTest);
        Objects.requireNonNull(queryLatency, "queryLatency");
        Objects.requireNonNull(testVotes, "testVotes");
        Objects.requireNonNull(knnTestInterval, "knnTestInterval");
        Objects.requireNonNull(knnMinusRawPixelTest, "knnMinusRawPixelTest");
        int k = kSelection.k();
        if (!knnTest.containsKey(k) || !rawPixelTest.containsKey(k)) {
            throw new IllegalArgumentException("the selected k = " + k + " has no test accuracy among " + knnTest.keySet());
        }
        double votes = (double) testVotes.imageHeadCorrectCount() / testVotes.size();
        if (Math.abs(votes - knnTest.get(k)) > 1e-9 || Math.abs(knnTestInterval.estimate() - votes) > 1e-9) {
            throw new IllegalArgumentException("the test votes give accuracy " + votes + " at k = " + k
                    + ", but knnTest says " + knnTest.get(k) + " and the interval " + knnTestInterval.estimate());
        }
    }

    private static Map<Integer, Double> sorted(Map<Integer, Double> m) {
        return Collections.unmodifiableMap(new TreeMap<>(m));
    }

    /** The {@code k} of the image-head k-NN vote, chosen by {@link #kSelection()}. */
    public int selectedK() {
        return kSelection.k();
    }

    /** Test accuracy of the image-head k-NN vote at the selected {@code k}. */
    public double knnTestAtSelectedK() {
        return knnTest.get(selectedK());
    }

    /** Raw-pixel k-NN test accuracy at the same {@code k}. */
    public double rawPixelTestAtSelectedK() {
        return rawPixelTest.get(selectedK());
    }
}
