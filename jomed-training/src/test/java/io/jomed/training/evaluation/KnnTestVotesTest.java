package io.jomed.training.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KnnTestVotesTest {

    /** {@code n} queries of gold "0"; the image head is right on the first {@code imageRight}, raw pixels on the first {@code rawRight}. */
    static KnnTestVotes votes(int n, int imageRight, int rawRight) {
        List<String> gold = new ArrayList<>();
        List<String> image = new ArrayList<>();
        List<String> raw = new ArrayList<>();
        for (int q = 0; q < n; q++) {
            gold.add("0");
            image.add(q < imageRight ? "0" : "1");
            raw.add(q < rawRight ? "0" : "2");
        }
        return new KnnTestVotes(gold, image, raw);
    }

    @Test
    void countsAndAccuraciesOverChosenQueries() {
        KnnTestVotes v = votes(10, 7, 4);
        assertThat(v.size()).isEqualTo(10);
        assertThat(v.imageHeadCorrectCount()).isEqualTo(7);
        assertThat(v.rawPixelCorrectCount()).isEqualTo(4);
        assertThat(v.imageHeadAccuracy(new int[] {0, 0, 9, 9})).isEqualTo(0.5);
        assertThat(v.imageHeadMinusRawPixel(new int[] {0, 5, 9})).isEqualTo(1.0 / 3); // 1-1, 1-0, 0-0
    }

    @Test
    void intervalsCoverTheObservedFiguresAndAreReproducible() {
        KnnTestVotes v = votes(400, 212, 180);
        var accuracy = v.imageHeadInterval(5);
        assertThat(accuracy.estimate()).isEqualTo(0.53);
        assertThat(accuracy.lower()).isLessThan(0.53).isGreaterThan(0.45);
        assertThat(accuracy.upper()).isGreaterThan(0.53).isLessThan(0.61);
        assertThat(v.imageHeadInterval(5)).isEqualTo(accuracy);
        var difference = v.imageHeadMinusRawPixelInterval(5);
        assertThat(difference.difference()).isEqualTo(0.08);
        // every raw-pixel hit is an image-head hit: the paired interval is far narrower than the accuracies' own
        assertThat(difference.lower()).isGreaterThan(0.05);
        assertThat(difference.upper()).isLessThan(0.11);
    }

    @Test
    void recallPerLabelShowsTheRareLabelAMajorityVoteNeverGives() {
        // ten queries of "0", two of "10", one of "2": the image head answers "0" throughout, raw pixels get one "10"
        List<String> gold = new ArrayList<>(java.util.Collections.nCopies(10, "0"));
        gold.addAll(List.of("10", "10", "2"));
        List<String> image = java.util.Collections.nCopies(13, "0");
        List<String> raw = new ArrayList<>(java.util.Collections.nCopies(10, "2"));
        raw.addAll(List.of("10", "0", "0"));
        KnnTestVotes v = new KnnTestVotes(gold, image, raw);
        assertThat(v.imageHeadRecall()).containsExactly(java.util.Map.entry("0", 1.0), java.util.Map.entry("2", 0.0),
                java.util.Map.entry("10", 0.0));
        assertThat(v.imageHeadBalancedAccuracy()).isEqualTo(1.0 / 3);
        assertThat(v.rawPixelRecall()).containsExactly(java.util.Map.entry("0", 0.0), java.util.Map.entry("2", 0.0),
                java.util.Map.entry("10", 0.5));
        assertThat(v.rawPixelBalancedAccuracy()).isEqualTo(0.5 / 3);
        assertThat(v.imageHeadCorrectCount() / 13.0).isGreaterThan(0.75); // the accuracy hides it
    }

    @Test
    void aVoteMissingForAQueryIsAnError() {
        assertThatThrownBy(() -> new KnnTestVotes(List.of("0", "1"), List.of("0"), List.of("0", "1")))
                .hasMessageContaining("2 gold labels, 1 image-head and 2 raw-pixel votes");
        assertThatThrownBy(() -> new KnnTestVotes(List.of(), List.of(), List.of())).hasMessageContaining("at least one query");
    }
}
