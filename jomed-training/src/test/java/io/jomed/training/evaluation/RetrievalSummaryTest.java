package io.jomed.training.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrievalSummaryTest {

    /** A report whose test votes are {@code votes}, at k = 5, with the text head at {@code textHead}. */
    static RetrievalReport report(String dataset, long seed, KnnTestVotes votes, double textHead) {
        int k = 5;
        double knn = (double) votes.imageHeadCorrectCount() / votes.size();
        double raw = 0;
        for (int q = 0; q < votes.size(); q++) {
            raw += votes.rawPixelCorrect(q) ? 1.0 / votes.size() : 0;
        }
        Map<Integer, Double> one = Map.of(k, 0.5);
        return new RetrievalReport(dataset, seed, 100, "tower", 1, 1, 1, 10, 1, new KnnKSelection(k, true, -0.01, 10, 90),
                one, one, Map.of(k, knn), Map.of(k, textHead), one, one, Map.of(k, raw), 0.5, 0.5, null,
                LatencySummary.ofNanos(new long[] {1_000_000}), votes, votes.imageHeadInterval(seed),
                votes.imageHeadMinusRawPixelInterval(seed));
    }

    @Test
    void meansCountsAndTheIntervalOfTheMeanOverSeeds() {
        List<RetrievalReport> runs = List.of(report("retinamnist", 1, KnnTestVotesTest.votes(400, 200, 180), 0.54),
                report("retinamnist", 2, KnnTestVotesTest.votes(400, 213, 180), 0.53),
                report("retinamnist", 3, KnnTestVotesTest.votes(400, 217, 190), 0.55));
        RetrievalSummary s = RetrievalSummary.of(runs);
        assertThat(s.dataset()).isEqualTo("retinamnist");
        assertThat(s.seeds()).containsExactly(1L, 2L, 3L);
        assertThat(s.knnTestCorrect()).isEqualTo(630);
        assertThat(s.knnTestAnswers()).isEqualTo(1200);
        assertThat(s.knnTestMean()).isCloseTo(0.525, within(1e-12));
        // accuracies 0.5, 0.5325, 0.5425 around 0.525: sample SD sqrt((0.025^2 + 0.0075^2 + 0.0175^2) / 2)
        assertThat(s.knnTestSeedStandardDeviation()).isCloseTo(0.022220, within(1e-6));
        assertThat(s.knnTestMeanInterval().estimate()).isCloseTo(0.525, within(1e-12));
        assertThat(s.knnTestMeanInterval().contains(0.53)).isTrue();
        assertThat(s.knnTestMeanInterval().upper() - s.knnTestMeanInterval().lower()).isBetween(0.06, 0.12);
        assertThat(s.rawPixelTestMean()).isCloseTo((180 + 180 + 190) / 1200.0, within(1e-12));
        assertThat(s.knnMinusRawPixelMean().difference()).isCloseTo(0.525 - 550 / 1200.0, within(1e-12));
        assertThat(s.knnMinusRawPixelMean().lower()).isGreaterThan(0.0);
        assertThat(s.textHeadTestMean()).isCloseTo(0.54, within(1e-12));
        // a single gold label: recall is the accuracy, and so is the balanced accuracy
        assertThat(s.knnTestRecallMean()).containsOnlyKeys("0");
        assertThat(s.knnTestRecallMean().get("0")).isCloseTo(0.525, within(1e-12));
        assertThat(s.knnTestBalancedAccuracyMean()).isCloseTo(0.525, within(1e-12));
        assertThat(s.rawPixelTestBalancedAccuracyMean()).isCloseTo(550 / 1200.0, within(1e-12));
        assertThat(RetrievalSummary.of(runs)).isEqualTo(s);
        // the parts a summary needs, as a report file gives them back, make the same summary
        assertThat(RetrievalSummary.ofSeeds(List.of(new RetrievalSummary.SeedRun("retinamnist", 1, runs.get(0).testVotes(), 0.54),
                new RetrievalSummary.SeedRun("retinamnist", 2, runs.get(1).testVotes(), 0.53),
                new RetrievalSummary.SeedRun("retinamnist", 3, runs.get(2).testVotes(), 0.55)))).isEqualTo(s);
    }

    @Test
    void recallPerLabelIsAveragedOverSeeds() {
        KnnTestVotes first = new KnnTestVotes(List.of("0", "0", "1", "1"), List.of("0", "0", "0", "1"), List.of("0", "1", "0", "0"));
        KnnTestVotes second = new KnnTestVotes(List.of("0", "0", "1", "1"), List.of("0", "1", "0", "0"), List.of("0", "0", "1", "1"));
        RetrievalSummary s = RetrievalSummary.ofSeeds(List.of(new RetrievalSummary.SeedRun("d", 1, first, 0.5),
                new RetrievalSummary.SeedRun("d", 2, second, 0.5)));
        assertThat(s.knnTestRecallMean()).containsExactly(Map.entry("0", 0.75), Map.entry("1", 0.25));
        assertThat(s.knnTestBalancedAccuracyMean()).isEqualTo(0.5);
        assertThat(s.rawPixelTestBalancedAccuracyMean()).isEqualTo((0.25 + 1.0) / 2);
    }

    @Test
    void oneSummaryPerDatasetInTheOrderTheyFirstAppear() {
        List<RetrievalSummary> all = RetrievalSummary.byDataset(List.of(
                report("breastmnist", 1, KnnTestVotesTest.votes(156, 140, 130), 0.86),
                report("retinamnist", 1, KnnTestVotesTest.votes(400, 200, 180), 0.54),
                report("breastmnist", 2, KnnTestVotesTest.votes(156, 138, 130), 0.87)));
        assertThat(all).extracting(RetrievalSummary::dataset).containsExactly("breastmnist", "retinamnist");
        assertThat(all.get(0).seeds()).containsExactly(1L, 2L);
        assertThat(all.get(1).knnTestSeedStandardDeviation()).isZero();
    }

    @Test
    void runsOfOtherDatasetsOrOtherTestQueriesCannotBeSummedUp() {
        RetrievalReport retina = report("retinamnist", 1, KnnTestVotesTest.votes(400, 200, 180), 0.54);
        assertThatThrownBy(() -> RetrievalSummary.of(List.of(retina, report("breastmnist", 2,
                KnnTestVotesTest.votes(156, 140, 130), 0.86)))).hasMessageContaining("different datasets: retinamnist and breastmnist");
        assertThatThrownBy(() -> RetrievalSummary.of(List.of(retina, report("retinamnist", 2,
                KnnTestVotesTest.votes(399, 200, 180), 0.54)))).hasMessageContaining("seed 2 was tested on other queries than seed 1");
        assertThatThrownBy(() -> RetrievalSummary.of(List.of())).hasMessageContaining("at least one run");
        assertThatThrownBy(() -> RetrievalSummary.of(List.of(retina, retina))).hasMessageContaining("retinamnist: seed 1 appears twice");
    }

    @Test
    void aReportWhoseVotesContradictItsAccuracyIsRejected() {
        KnnTestVotes votes = KnnTestVotesTest.votes(10, 7, 4);
        RetrievalReport ok = report("d", 1, votes, 0.5);
        assertThatThrownBy(() -> new RetrievalReport("d", 1, 100, "tower", 1, 1, 1, 10, 1, ok.kSelection(), ok.knnValidation(),
                ok.knnTrainingLeaveOneOut(), Map.of(5, 0.6), ok.textHeadTest(), ok.textHeadValidation(),
                ok.textHeadTrainingLeaveOneOut(), ok.rawPixelTest(), 0.5, 0.5, null, ok.queryLatency(), votes,
                ok.knnTestInterval(), ok.knnMinusRawPixelTest())).hasMessageContaining("the test votes give accuracy 0.7 at k = 5");
    }
}
