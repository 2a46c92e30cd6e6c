package io.jomed.training.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.training.evaluation.ItemSelection;
import io.jomed.training.evaluation.LogFixtures;
import io.jomed.training.evaluation.ModeEvaluator;
import io.jomed.training.evaluation.PredictionLog;
import org.junit.jupiter.api.Test;

class InconsistencyAnalysisTest {
    private final PredictionLog log = LogFixtures.handMade();

    @Test
    void theStandardRagPartitionSplitsTheHandMadeLog() {
        InconsistencyAnalysis a = InconsistencyAnalysis.of(log, ModeEvaluator.STANDARD_RAG, ItemSelection.ALL);
        // item predictions 0000, 1011, 1011, 0000: queries 1 and 2 disagree
        assertThat(InconsistencyAnalysis.partition(log, ModeEvaluator.STANDARD_RAG, ItemSelection.ALL))
                .containsExactly(false, true, true, false);
        assertThat(a.inconsistentCount()).isEqualTo(2);
        assertThat(a.inconsistentShare()).isEqualTo(0.5);
        // closed book right on q0, q3 (consistent), wrong on q1, q2 (inconsistent)
        assertThat(a.accuracy().get(ModeEvaluator.CLOSED_BOOK)).isEqualTo(new SubsetAccuracy(0.5, 1.0, 0.0));
        // standard RAG right on q0, q1
        assertThat(a.accuracy().get(ModeEvaluator.STANDARD_RAG)).isEqualTo(new SubsetAccuracy(0.5, 0.5, 0.5));
        // per item: q0 4/4, q1 3/4, q2 1/4, q3 0/4
        assertThat(a.perItemAccuracy().get(ModeEvaluator.STANDARD_RAG)).isEqualTo(new SubsetAccuracy(0.5, 0.5, 0.5));
        assertThat(a.perItemAccuracy()).doesNotContainKey(ModeEvaluator.CLOSED_BOOK);
        assertThat(a.ownShare()).containsOnlyKeys(ModeEvaluator.STANDARD_RAG).containsEntry(ModeEvaluator.STANDARD_RAG, 0.5);
    }

    @Test
    void restrictingToOneHeadOrTheTopItemChangesTheSet() {
        // text head alone: 00, 11, 11, 00 -> every query consistent
        InconsistencyAnalysis text = InconsistencyAnalysis.of(log, ModeEvaluator.STANDARD_RAG,
                ItemSelection.head(RetrieverHead.TEXT));
        assertThat(text.inconsistentShare()).isZero();
        assertThat(text.accuracy().get(ModeEvaluator.CLOSED_BOOK).inconsistent()).isNaN();
        // best item per head: (image 1, text 1) = 00, 11, 11, 00
        assertThat(InconsistencyAnalysis.of(log, ModeEvaluator.STANDARD_RAG, ItemSelection.topK(1)).inconsistentShare()).isZero();
        // image head: 00, 10, 10, 00
        assertThat(InconsistencyAnalysis.of(log, ModeEvaluator.STANDARD_RAG, ItemSelection.head(RetrieverHead.IMAGE))
                .inconsistentShare()).isEqualTo(0.5);
    }

    @Test
    void aModeWithoutItemsCannotDefineThePartition() {
        assertThatThrownBy(() -> InconsistencyAnalysis.of(log, ModeEvaluator.CLOSED_BOOK, ItemSelection.ALL))
                .hasMessageContaining("closed_book").hasMessageContaining("no retrieved items");
        assertThatThrownBy(() -> InconsistencyAnalysis.of(log, "jomed", ItemSelection.ALL)).hasMessageContaining("jomed");
    }
}
