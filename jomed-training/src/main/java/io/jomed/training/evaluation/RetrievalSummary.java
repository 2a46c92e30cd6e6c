package io.jomed.training.evaluation;

import io.jomed.training.metrics.Bootstrap;
import io.jomed.training.metrics.PairedBootstrap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One dataset's retrieval evaluation summed up over its seeds: the mean test accuracy of the image head's k-NN vote
 * (each seed at its own chosen {@code k}), how much it moves between seeds, and how much it could move with another
 * sample of test images. All seeds query the same test images, so the interval of the mean resamples the test images
 * once per bootstrap round and averages the seeds' accuracies on that resample. It therefore covers the test sample's
 * noise; the seed-to-seed spread, measured on only a few seeds, is reported beside it rather than folded in.
 *
 * <p>Immutable and thread-safe.
 *
 * @param dataset the dataset
 * @param seeds the seeds summed up, in run order
 * @param knnTestMean mean over seeds of the image head's test k-NN accuracy at each seed's chosen {@code k}
 * @param knnTestSeedStandardDeviation sample standard deviation of that accuracy over seeds (0 for one seed)
 * @param knnTestCorrect right image-head votes over all seeds' test queries
 * @param knnTestAnswers all seeds' test queries ({@code seeds.size()} times the test split's size)
 * @param knnTestMeanInterval {@code knnTestMean} with its 95% bootstrap interval over test images
 * @param rawPixelTestMean mean over seeds of raw-pixel k-NN test accuracy at each seed's chosen {@code k}
 * @param knnMinusRawPixelMean mean over seeds of image-head minus raw-pixel accuracy, with its 95% paired bootstrap
 *     interval over test images
 * @param textHeadTestMean mean over seeds of the text head's test accuracy at each seed's chosen {@code k}
 * @param knnTestBalancedAccuracyMean mean over seeds of the image head's balanced accuracy (recall averaged over labels)
 * @param rawPixelTestBalancedAccuracyMean the same for raw pixels
 * @param knnTestRecallMean mean over seeds of the image head's recall of each gold label
 *     ({@link KnnTestVotes#imageHeadRecall()})
 */
public record RetrievalSummary(String dataset, List<Long> seeds, double knnTestMean, double knnTestSeedStandardDeviation,
        int knnTestCorrect, int knnTestAnswers, Bootstrap.Interval knnTestMeanInterval, double rawPixelTestMean,
        PairedBootstrap.Interval knnMinusRawPixelMean, double textHeadTestMean, double knnTestBalancedAccuracyMean,
        double rawPixelTestBalancedAccuracyMean, SortedMap<String, Double> knnTestRecallMean) {
    /** Seed of the bootstrap resampling of every summary, so that summaries are reproducible. */
    public static final long BOOTSTRAP_SEED = 1;

    public RetrievalSummary {
        Objects.requireNonNull(dataset, "dataset");
        seeds = List.copyOf(Objects.requireNonNull(seeds, "seeds"));
        Objects.requireNonNull(knnTestMeanInterval, "knnTestMeanInterval");
        Objects.requireNonNull(knnMinusRawPixelMean, "knnMinusRawPixelMean");
        SortedMap<String, Double> recall = new TreeMap<>(KnnTestVotes.LABEL_ORDER);
        recall.putAll(Objects.requireNonNull(knnTestRecallMean, "knnTestRecallMean"));
        knnTestRecallMean = Collections.unmodifiableSortedMap(recall);
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("a summary needs at least one seed");
        }
        if (knnTestCorrect < 0 || knnTestCorrect > knnTestAnswers) {
            throw new IllegalArgumentException("knnTestCorrect must lie in [0, knnTestAnswers], got " + knnTestCorrect
                    + " of " + knnTestAnswers);
        }
    }

    /**
     * What a summary needs of one run: its dataset, seed, test votes and the text head's test accuracy at the chosen
     * {@code k}. A run read back from a report file gives the same summary as the report itself.
     *
     * @param dataset the dataset
     * @param seed the run's seed
     * @param votes the test votes at the chosen {@code k}
     * @param textHeadTest the text head's test accuracy at the chosen {@code k}
     */
    public record SeedRun(String dataset, long seed, KnnTestVotes votes, double textHeadTest) {
        public SeedRun {
            Objects.requireNonNull(dataset, "dataset");
            Objects.requireNonNull(votes, "votes");
            if (!(textHeadTest >= 0 && textHeadTest <= 1)) {
                throw new IllegalArgumentException(dataset + " seed " + seed + ": textHeadTest must lie in [0, 1], got "
                        + textHeadTest);
            }
        }

        /** The parts of a report a summary needs. */
        public static SeedRun of(RetrievalReport report) {
            return new SeedRun(report.dataset(), report.seed(), report.testVotes(),
                    report.textHeadTest().get(report.selectedK()));
        }
    }

    /**
     * Sums up the runs of one dataset.
     *
     * @throws IllegalArgumentException if there is no run, the runs are of different datasets, a seed appears twice,
     *     or their test queries differ (another size or other gold labels)
     */
    public static RetrievalSummary of(List<RetrievalReport> runs) {
        Objects.requireNonNull(runs, "runs");
        return ofSeeds(runs.stream().map(SeedRun::of).toList());
    }

    /** As {@link #of}, from the parts of each run a summary needs (for example read back from report files). */
    public static RetrievalSummary ofSeeds(List<SeedRun> runs) {
        Objects.requireNonNull(runs, "runs");
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("a summary needs at least one run");
        }
        SeedRun first = runs.get(0);
        List<KnnTestVotes> votes = new ArrayList<>(runs.size());
        Set<Long> seen = new HashSet<>();
        for (SeedRun r : runs) {
            if (!r.dataset().equals(first.dataset())) {
                throw new IllegalArgumentException("cannot sum up runs of different datasets: " + first.dataset() + " and "
                        + r.dataset());
            }
            if (!seen.add(r.seed())) {
                throw new IllegalArgumentException(first.dataset() + ": seed " + r.seed() + " appears twice");
            }
            if (!r.votes().gold().equals(first.votes().gold())) {
                throw new IllegalArgumentException(first.dataset() + ": seed " + r.seed() + " was tested on other queries than seed "
                        + first.seed() + " (" + r.votes().size() + " against " + first.votes().size() + ")");
            }
            votes.add(r.votes());
        }
        int n = first.votes().size();
        double[] accuracies = votes.stream().mapToDouble(v -> (double) v.imageHeadCorrectCount() / n).toArray();
        double mean = Arrays.stream(accuracies).average().orElseThrow();
        double squares = Arrays.stream(accuracies).map(a -> (a - mean) * (a - mean)).sum();
        double sd = runs.size() > 1 ? Math.sqrt(squares / (runs.size() - 1)) : 0;
        int correct = votes.stream().mapToInt(KnnTestVotes::imageHeadCorrectCount).sum();
        Bootstrap.Interval meanInterval = Bootstrap.percentile(n,
                idx -> votes.stream().mapToDouble(v -> v.imageHeadAccuracy(idx)).average().orElseThrow(),
                KnnTestVotes.RESAMPLES, KnnTestVotes.CONFIDENCE, BOOTSTRAP_SEED);
        PairedBootstrap.Interval difference = PairedBootstrap.interval(n,
                idx -> votes.stream().mapToDouble(v -> v.imageHeadMinusRawPixel(idx)).average().orElseThrow(),
                KnnTestVotes.RESAMPLES, KnnTestVotes.CONFIDENCE, BOOTSTRAP_SEED);
        double raw = votes.stream().mapToDouble(v -> (double) v.rawPixelCorrectCount() / n).average().orElseThrow();
        SortedMap<String, Double> recall = new TreeMap<>(KnnTestVotes.LABEL_ORDER);
        for (KnnTestVotes v : votes) {
            v.imageHeadRecall().forEach((label, r) -> recall.merge(label, r / votes.size(), Double::sum));
        }
        return new RetrievalSummary(first.dataset(), runs.stream().map(SeedRun::seed).toList(), mean, sd, correct,
                n * runs.size(), meanInterval, raw, difference,
                runs.stream().mapToDouble(SeedRun::textHeadTest).average().orElseThrow(),
                votes.stream().mapToDouble(KnnTestVotes::imageHeadBalancedAccuracy).average().orElseThrow(),
                votes.stream().mapToDouble(KnnTestVotes::rawPixelBalancedAccuracy).average().orElseThrow(), recall);
    }

    /** One summary per dataset, in the order the datasets first appear among the runs. */
    public static List<RetrievalSummary> byDataset(List<RetrievalReport> runs) {
        return byDatasetOfSeeds(runs.stream().map(SeedRun::of).toList());
    }

    /** As {@link #byDataset}, from the parts of each run a summary needs. */
    public static List<RetrievalSummary> byDatasetOfSeeds(List<SeedRun> runs) {
        Map<String, List<SeedRun>> grouped = new LinkedHashMap<>();
        for (SeedRun r : runs) {
            grouped.computeIfAbsent(r.dataset(), d -> new ArrayList<>()).add(r);
        }
        return grouped.values().stream().map(RetrievalSummary::ofSeeds).toList();
    }
}
