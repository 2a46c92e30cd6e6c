package io.jomed.training.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KnnKSelectionTest {
    private static Map<Integer, Double> byK(double... accuracies) {
        int[] ks = {1, 10, 50};
        Map<Integer, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < ks.length; i++) {
            m.put(ks[i], accuracies[i]);
        }
        return m;
    }

    @Test
    void poolsTrainingQueriesWhenTheyFareNoBetterThanValidationQueries() {
        // validation alone prefers k=10 (one lucky query in 100); 900 training queries clearly prefer k=50
        KnnKSelection s = KnnKSelection.choose(byK(0.50, 0.56, 0.55), 100, byK(0.48, 0.50, 0.55), 900, 0.02);

        assertThat(s.pooled()).isTrue();
        assertThat(s.memorised()).isFalse();
        assertThat(s.k()).isEqualTo(50);
        assertThat(s.memorisationGap()).isCloseTo((-0.02 - 0.06 + 0.0) / 3, within(1e-12));
        assertThat(s.validationQueries()).isEqualTo(100);
        assertThat(s.trainingQueries()).isEqualTo(900);
        assertThat(s.rule()).contains("training");
    }

    @Test
    void judgesMemorisationOnTheGapOverEveryKNotOneK() {
        // like RetinaMNIST seed 4 (session 8): at one k training queries beat 120 validation queries by +0.052, which
        // alone would say "memorised", but over all candidates they fare worse (-0.023)
        KnnKSelection s = KnnKSelection.choose(byK(0.45, 0.50, 0.62), 120, byK(0.502, 0.49, 0.509), 1080, 0.02);

        assertThat(s.memorisationGap()).isCloseTo((0.052 - 0.01 - 0.111) / 3, within(1e-12));
        assertThat(s.memorised()).isFalse();
        assertThat(new RetrievalMemorisation(5, 0.502, 0.45).memorised(KnnKSelection.DEFAULT_MARGIN)).isTrue();
    }

    @Test
    void usesValidationAloneWhenTrainingQueriesFindBetterNeighbours() {
        // training queries beat validation queries by 0.05 on average: the tower memorised them
        KnnKSelection s = KnnKSelection.choose(byK(0.91, 0.90, 0.88), 78, byK(0.99, 0.95, 0.90), 546, 0.02);

        assertThat(s.pooled()).isFalse();
        assertThat(s.memorised()).isTrue();
        assertThat(s.k()).isEqualTo(1);
        assertThat(s.memorisationGap()).isCloseTo(0.05, within(1e-12));
        assertThat(s.rule()).contains("memorised");
    }

    @Test
    void theMarginDecides() {
        Map<Integer, Double> val = byK(0.60, 0.50, 0.50);
        Map<Integer, Double> train = byK(0.50, 0.60, 0.60); // gap (-0.1 + 0.1 + 0.1) / 3 = 0.0333

        assertThat(KnnKSelection.choose(val, 100, train, 900, 0.04).k()).isEqualTo(10);
        assertThat(KnnKSelection.choose(val, 100, train, 900, 0.03).k()).isEqualTo(1);
    }

    @Test
    void tiesGoToTheSmallerK() {
        Map<Integer, Double> m = new LinkedHashMap<>();
        m.put(50, 0.5);
        m.put(10, 0.5);
        m.put(80, 0.4);

        assertThat(KnnKSelection.choose(m, 10, m, 10, 0.02).k()).isEqualTo(10);
    }

    @Test
    void rejectsMismatchedOrInvalidInput() {
        assertThatThrownBy(() -> KnnKSelection.choose(byK(0.5, 0.5, 0.5), 10, Map.of(1, 0.5), 10, 0.02))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("same non-empty k candidates");
        assertThatThrownBy(() -> KnnKSelection.choose(Map.of(), 10, Map.of(), 10, 0.02))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-empty");
        assertThatThrownBy(() -> KnnKSelection.choose(byK(0.5, 1.5, 0.5), 10, byK(0.5, 0.5, 0.5), 10, 0.02))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("k=10").hasMessageContaining("1.5");
        assertThatThrownBy(() -> KnnKSelection.choose(byK(0.5, 0.5, 0.5), 0, byK(0.5, 0.5, 0.5), 10, 0.02))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one validation");
        assertThatThrownBy(() -> KnnKSelection.choose(byK(0.5, 0.5, 0.5), 10, byK(0.5, 0.5, 0.5), 10, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("margin");
        assertThatThrownBy(() -> new KnnKSelection(0, false, 0, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k must be at least 1");
    }
}
