package io.jomed.api.reranking;

import static io.jomed.api.retrieval.RetrieverHead.IMAGE;
import static io.jomed.api.retrieval.RetrieverHead.TEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.testing.SyntheticCases;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuiltInRerankersTest {
    private static final List<KnowledgeBaseCase> CASES = SyntheticCases.cases(6);
    private static final Query QUERY = Query.of(SyntheticCases.image(7, 28), "signs of cancer?");
    private static final List<String> LABELS = List.of("yes", "no", "maybe");

    /** One evidence item: its head, rank, logits over (yes, no, maybe) and the label those logits predict. */
    private static CasePrediction item(int caseIndex, RetrieverHead head, int rank, float... logits) {
        LabelLogits l = LabelLogits.of(logits);
        return new CasePrediction(new RetrievedCase(CASES.get(caseIndex), head, 1.0 / rank, rank), 0.25, l,
                LABELS.get(l.predicted()));
    }

    private static Diagnosis diagnosis(String answer, CasePrediction... evidence) {
        Map<String, Double> p = new LinkedHashMap<>();
        LABELS.forEach(label -> p.put(label, label.equals(answer) ? 0.6 : 0.2));
        return new Diagnosis(answer, p, List.of(evidence));
    }

    @Test
    void topRankedPicksTheBestRankOfItsHeadWhereverItSits() {
        Diagnosis d = diagnosis("yes", item(0, TEXT, 1, 3, 0, 0), item(1, IMAGE, 2, 0, 3, 0),
                item(2, IMAGE, 1, 0, 0, 3), item(3, TEXT, 2, 3, 0, 0));
        assertThat(new TopRankedReranker().select(QUERY, d)).isEqualTo(2);
        assertThat(new TopRankedReranker().rerank(QUERY, d)).isEqualTo("maybe");
        assertThat(new TopRankedReranker(RetrieverHead.TEXT).select(QUERY, d)).isZero();
        assertThat(new TopRankedReranker().name()).isEqualTo("top-ranked-image");
        assertThat(new TopRankedReranker(RetrieverHead.TEXT).name()).isEqualTo("top-ranked-text");
    }

    @Test
    void topRankedFallsBackToTheFirstItemWhenItsHeadRetrievedNothing() {
        Diagnosis textOnly = diagnosis("no", item(0, TEXT, 2, 0, 3, 0), item(1, TEXT, 1, 3, 0, 0));
        assertThat(new TopRankedReranker(RetrieverHead.IMAGE).select(QUERY, textOnly)).isZero();
        assertThat(new TopRankedReranker(RetrieverHead.TEXT).select(QUERY, textOnly)).isEqualTo(1);
    }

    @Test
    void topRankedTakesTheEarlierOfTwoItemsWithTheSameRank() {
        Diagnosis d = diagnosis("no", item(0, TEXT, 1, 0, 3, 0), item(1, IMAGE, 1, 3, 0, 0),
                item(2, IMAGE, 1, 0, 0, 3));
        assertThat(new TopRankedReranker().select(QUERY, d)).isEqualTo(1);
    }

    @Test
    void readerConfidencePicksTheHighestMaximumProbabilityNotTheHighestLogit() {
        // item 0: logits (5, 4.9, 4.9), max p ~ 0.36; item 1: (1, -3, -3), max p ~ 0.96; item 2: (0, 2, 0), ~ 0.79
        Diagnosis d = diagnosis("yes", item(0, IMAGE, 1, 5f, 4.9f, 4.9f), item(1, IMAGE, 2, 1f, -3f, -3f),
                item(2, TEXT, 1, 0f, 2f, 0f));
        assertThat(new ReaderConfidenceReranker().select(QUERY, d)).isEqualTo(1);
        assertThat(new ReaderConfidenceReranker().name()).isEqualTo("reader-confidence");
    }

    @Test
    void readerConfidenceTiesGoToTheEarlierItem() {
        // the same confidence for different labels: (0, 2, 0) and (2, 0, 0)
        Diagnosis d = diagnosis("yes", item(0, IMAGE, 1, 0f, 0f, 0f), item(1, TEXT, 1, 0f, 2f, 0f),
                item(2, IMAGE, 2, 2f, 0f, 0f));
        assertThat(new ReaderConfidenceReranker().select(QUERY, d)).isEqualTo(1);
    }

    @Test
    void majorityVotePicksTheEarliestItemOfTheMostFrequentLabel() {
        Diagnosis d = diagnosis("yes", item(0, IMAGE, 1, 3, 0, 0), item(1, IMAGE, 2, 0, 3, 0),
                item(2, TEXT, 1, 0, 3, 0), item(3, TEXT, 2, 0, 0, 3));
        // no: 2 votes against yes 1, maybe 1; the fused answer does not matter without a tie
        assertThat(new MajorityVoteReranker().select(QUERY, d)).isEqualTo(1);
        assertThat(new MajorityVoteReranker().name()).isEqualTo("majority-vote");
    }

    @Test
    void majorityVoteTiesAreBrokenByTheFusedAnswer() {
        CasePrediction[] items = {item(0, IMAGE, 1, 3, 0, 0), item(1, IMAGE, 2, 0, 3, 0),
            item(2, TEXT, 1, 0, 3, 0), item(3, TEXT, 2, 3, 0, 0)};
        // yes 2, no 2
        assertThat(new MajorityVoteReranker().select(QUERY, diagnosis("no", items))).isEqualTo(1);
        assertThat(new MajorityVoteReranker().select(QUERY, diagnosis("yes", items))).isZero();
        // the fused answer is not among the tied labels: the tied label seen first wins
        assertThat(new MajorityVoteReranker().select(QUERY, diagnosis("maybe", items))).isZero();
    }

    @Test
    void aFusedAnswerOutsideTheTieDoesNotBeatAMajority() {
        Diagnosis d = diagnosis("yes", item(0, IMAGE, 1, 3, 0, 0), item(1, IMAGE, 2, 0, 0, 3),
                item(2, TEXT, 1, 0, 0, 3));
        assertThat(new MajorityVoteReranker().select(QUERY, d)).isEqualTo(1);
    }

    @Test
    void everyBuiltInRefusesADiagnosisWithoutEvidence() {
        Diagnosis empty = diagnosis("yes");
        for (Reranker r : List.of(new TopRankedReranker(), new ReaderConfidenceReranker(), new MajorityVoteReranker())) {
            assertThatThrownBy(() -> r.select(QUERY, empty)).as(r.name())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("without evidence");
            assertThatThrownBy(() -> r.select(null, diagnosis("yes", item(0, IMAGE, 1, 3, 0, 0))))
                    .isInstanceOf(NullPointerException.class).hasMessageContaining("query");
        }
        assertThatThrownBy(() -> new TopRankedReranker(null)).hasMessageContaining("head");
    }

    @Test
    void rerankRefusesAnIndexOutsideTheEvidence() {
        Reranker broken = new Reranker() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public int select(Query query, Diagnosis diagnosis) {
                return diagnosis.evidence().size();
            }
        };
        assertThatThrownBy(() -> broken.rerank(QUERY, diagnosis("yes", item(0, IMAGE, 1, 3, 0, 0))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("reranker broken chose item 1 of a diagnosis with 1 evidence items");
    }
}
