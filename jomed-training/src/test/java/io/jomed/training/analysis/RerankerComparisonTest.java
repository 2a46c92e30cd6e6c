package io.jomed.training.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reranking.MajorityVoteReranker;
import io.jomed.api.reranking.ReaderConfidenceReranker;
import io.jomed.api.reranking.Reranker;
import io.jomed.api.reranking.TopRankedReranker;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.testing.SyntheticCases;
import io.jomed.api.training.TaskExample;
import io.jomed.training.evaluation.ItemPrediction;
import io.jomed.training.evaluation.ItemSelection;
import io.jomed.training.evaluation.LogFixtures;
import io.jomed.training.evaluation.ModeEvaluator;
import io.jomed.training.evaluation.ModePrediction;
import io.jomed.training.evaluation.PredictionLog;
import io.jomed.training.evaluation.QueryRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RerankerComparisonTest {
    private static final String RAG = ModeEvaluator.STANDARD_RAG;

    /** The cases and examples of {@link LogFixtures#rerankable()}: synthetic images, distinct per id. */
    private static final Map<String, KnowledgeBaseCase> CASES = new LinkedHashMap<>();
    private static final List<TaskExample> EXAMPLES = new ArrayList<>();

    static {
        for (QueryRecord q : LogFixtures.rerankable().queries()) {
            for (ItemPrediction item : q.mode(RAG).items()) {
                CASES.put(item.caseId(), KnowledgeBaseCase.builder().setId(item.caseId())
                        .setImage(SyntheticCases.image(CASES.size(), 28)).build());
            }
            EXAMPLES.add(new TaskExample(q.exampleId(), Query.of(SyntheticCases.image(100 + EXAMPLES.size(), 28),
                    "malignant?"), LogFixtures.LABELS.label(q.gold())));
        }
    }

    private static final Function<String, Optional<KnowledgeBaseCase>> LOOKUP = id -> Optional.ofNullable(CASES.get(id));

    /** {@link LogFixtures#rerankable()}, whose figures are worked out by hand there. */
    static PredictionLog log() {
        return LogFixtures.rerankable();
    }

    private static RerankerComparison.Builder builder(PredictionLog log) {
        return RerankerComparison.builder().setLog(log).setMode(RAG)
                .setPartition(InconsistencyAnalysis.partition(log, RAG, ItemSelection.ALL))
                .setCaseLookup(LOOKUP).setExamples(EXAMPLES);
    }

    private static RerankerComparison compareBuiltIns(PredictionLog log) {
        return builder(log).addReranker(new TopRankedReranker()).addReranker(new TopRankedReranker(RetrieverHead.TEXT))
                .addReranker(new MajorityVoteReranker()).addReranker(new ReaderConfidenceReranker()).build();
    }

    @Test
    void theBuiltInsMatchTheHandComputation() {
        RerankerComparison c = compareBuiltIns(log());
        assertThat(c.mode()).isEqualTo(RAG);
        // partition: q1, q2, q4 inconsistent
        assertThat(c.fused()).isEqualTo(new SubsetAccuracy(0.4, 0.5, 1.0 / 3));
        assertThat(c.oracle()).isEqualTo(new SubsetAccuracy(0.8, 0.5, 1.0));
        assertThat(c.rerankers()).containsOnlyKeys("top-ranked-image", "top-ranked-text", "majority-vote",
                "reader-confidence");
        assertThat(List.copyOf(c.rerankers().keySet())).containsExactly("top-ranked-image", "top-ranked-text",
                "majority-vote", "reader-confidence");

        RerankerComparison.RerankerResult image = c.rerankers().get("top-ranked-image");
        assertThat(image.accuracy()).isEqualTo(new SubsetAccuracy(0.4, 0.5, 1.0 / 3));
        assertThat(image.gapClosed()).isCloseTo(0.0, within(1e-12));

        RerankerComparison.RerankerResult text = c.rerankers().get("top-ranked-text");
        assertThat(text.accuracy()).isEqualTo(new SubsetAccuracy(0.8, 0.5, 1.0));
        assertThat(text.gapClosed()).isCloseTo(1.0, within(1e-12));

        RerankerComparison.RerankerResult vote = c.rerankers().get("majority-vote");
        assertThat(vote.accuracy()).isEqualTo(new SubsetAccuracy(0.6, 0.5, 2.0 / 3));
        assertThat(vote.gapClosed()).isCloseTo(0.5, within(1e-12));

        RerankerComparison.RerankerResult confidence = c.rerankers().get("reader-confidence");
        assertThat(confidence.accuracy()).isEqualTo(new SubsetAccuracy(0.2, 0.5, 0.0));
        assertThat(confidence.gapClosed()).isCloseTo(-0.5, within(1e-12));
        for (RerankerComparison.RerankerResult r : c.rerankers().values()) {
            assertThat(r.fusedAccuracy()).isEqualTo(0.4);
            assertThat(r.oracleAccuracy()).isEqualTo(0.8);
            assertThat(r.accuracy().all()).isLessThanOrEqualTo(r.oracleAccuracy());
        }
    }

    @Test
    void theGivenPartitionDefinesTheSubsets() {
        PredictionLog log = log();
        boolean[] allConsistent = new boolean[log.size()];
        RerankerComparison c = builder(log).setPartition(allConsistent).addReranker(new MajorityVoteReranker()).build();
        assertThat(c.rerankers().get("majority-vote").accuracy().consistent()).isEqualTo(0.6);
        assertThat(c.rerankers().get("majority-vote").accuracy().inconsistent()).isNaN();
        assertThat(c.fused().consistent()).isEqualTo(0.4);
    }

    @Test
    void theRerankerSeesTheExamplesQueryAndTheRebuiltDiagnosisWithoutTheGoldLabel() {
        PredictionLog log = log();
        List<Query> seenQueries = new ArrayList<>();
        List<Diagnosis> seen = new ArrayList<>();
        Reranker recording = new Reranker() {
            @Override
            public String name() {
                return "recording";
            }

            @Override
            public int select(Query query, Diagnosis diagnosis) {
                seenQueries.add(query);
                seen.add(diagnosis);
                return diagnosis.evidence().size() - 1;
            }
        };
        RerankerComparison c = builder(log).addReranker(recording).build();
        assertThat(seenQueries).containsExactlyElementsOf(EXAMPLES.stream().map(TaskExample::query).toList());
        Diagnosis q1 = seen.get(1);
        assertThat(q1.answer()).isEqualTo("yes");
        assertThat(q1.probabilities()).containsExactly(Map.entry("yes", 0.6), Map.entry("no", 0.4));
        assertThat(q1.evidence()).extracting(e -> e.evidence().caseId()).containsExactly("i1-1", "i2-1", "t1-1", "t2-1");
        assertThat(q1.evidence()).extracting(e -> e.evidence().head()).containsExactly(RetrieverHead.IMAGE,
                RetrieverHead.IMAGE, RetrieverHead.TEXT, RetrieverHead.TEXT);
        assertThat(q1.evidence()).extracting(e -> e.evidence().rank()).containsExactly(1, 2, 1, 2);
        assertThat(q1.evidence()).extracting(CasePrediction::predictedLabel).containsExactly("yes", "no", "no", "no");
        CasePrediction first = q1.evidence().get(0);
        assertThat(first.logits().logits()).containsExactly(4f, 0f);
        assertThat(first.evidence().rawScore()).isEqualTo(0.9);
        assertThat(first.fusionWeight()).isEqualTo(0.25);
        assertThat(first.evidence().knowledgeBaseCase()).isSameAs(CASES.get("i1-1"));
        // the last item (text 2) predicts 0 1 1 0 0 against gold 0 1 0 1 1: right on q0 and q1
        assertThat(c.rerankers().get("recording").accuracy().all()).isEqualTo(0.4);
    }

    @Test
    void theSelectionLimitsTheItemsARerankerSees() {
        RerankerComparison c = builder(log()).optItemSelection(ItemSelection.head(RetrieverHead.TEXT))
                .addReranker(new TopRankedReranker(RetrieverHead.IMAGE)).build();
        // no image item is selected, so it falls back to the first text item: right on q0, q1, q2, q4
        assertThat(c.rerankers().get("top-ranked-image").accuracy().all()).isEqualTo(0.8);
        // text items 00, 11, 01, 00, 10: the oracle misses q3 only
        assertThat(c.oracle().all()).isEqualTo(0.8);
        assertThat(c.selection()).isEqualTo(ItemSelection.head(RetrieverHead.TEXT));
    }

    @Test
    void gapClosedIsNanWhenTheOracleEqualsTheFusedAccuracy() {
        assertThat(new RerankerComparison.RerankerResult(new SubsetAccuracy(0.5, 0.5, 0.5), 0.7, 0.7).gapClosed()).isNaN();
        // LogFixtures.handMade(): every built-in equals the fused 0.5, below the oracle 0.75
        PredictionLog handMade = LogFixtures.handMade();
        Function<String, Optional<KnowledgeBaseCase>> any = id -> Optional.of(KnowledgeBaseCase.builder().setId(id)
                .setImage(SyntheticCases.image(1, 28)).build());
        RerankerComparison c = RerankerComparison.builder().setLog(handMade).setMode(RAG)
                .setPartition(InconsistencyAnalysis.partition(handMade, RAG, ItemSelection.ALL)).setCaseLookup(any)
                .setQueryLookup(id -> Optional.of(Query.of(SyntheticCases.image(2, 28))))
                .addReranker(new MajorityVoteReranker()).build();
        assertThat(c.rerankers().get("majority-vote").gapClosed()).isZero();
    }

    @Test
    void anInvalidItemPredictionBecomesTheInvalidLabelAndIsNeverRight() {
        PredictionLog log = PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode(RAG)
                .addQuery(new QueryRecord("q0", 0, Map.of(RAG, new ModePrediction(0, new double[] {0.7, 0.3}, List.of(
                        new ItemPrediction(RetrieverHead.IMAGE, 1, "i1-0", 0.9, 0.5, new float[] {0, 0}, -1),
                        new ItemPrediction(RetrieverHead.IMAGE, 2, "i2-0", 0.8, 0.5, new float[] {1, 0}, 0))))))
                .build();
        Diagnosis d = RerankerComparison.diagnosis(log, log.queries().get(0), RAG, ItemSelection.ALL, LOOKUP);
        assertThat(d.evidence()).extracting(CasePrediction::predictedLabel)
                .containsExactly(RerankerComparison.INVALID_LABEL, "yes");
        RerankerComparison c = RerankerComparison.builder().setLog(log).setMode(RAG).setPartition(new boolean[] {true})
                .setCaseLookup(LOOKUP).setExamples(EXAMPLES).addReranker(new TopRankedReranker()).build();
        assertThat(c.rerankers().get("top-ranked-image").accuracy().all()).isZero();
        assertThat(c.oracle().all()).isEqualTo(1.0);
    }

    @Test
    void missingSettingsAndInconsistentInputsAreNamed() {
        PredictionLog log = log();
        assertThatThrownBy(() -> RerankerComparison.builder().setLog(log).setMode(RAG).setPartition(new boolean[5])
                .setCaseLookup(LOOKUP).setExamples(EXAMPLES).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("call addReranker");
        assertThatThrownBy(() -> RerankerComparison.builder().setLog(log).setMode(RAG).setCaseLookup(LOOKUP)
                .setExamples(EXAMPLES).addReranker(new MajorityVoteReranker()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("call setPartition");
        assertThatThrownBy(() -> builder(log).setPartition(new boolean[3]).addReranker(new MajorityVoteReranker()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the partition covers 3 queries, the log holds 5");
        assertThatThrownBy(() -> builder(log).setMode("jomed").addReranker(new MajorityVoteReranker()).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mode \"jomed\" is not in the log");
        assertThatThrownBy(() -> builder(log).addReranker(new MajorityVoteReranker()).addReranker(new MajorityVoteReranker()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("two rerankers are named \"majority-vote\"");
        assertThatThrownBy(() -> builder(log).setCaseLookup(id -> id.equals("t2-3") ? Optional.empty() : LOOKUP.apply(id))
                .addReranker(new MajorityVoteReranker()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example q3, mode standard_rag: case t2-3 is not in the case lookup");
        assertThatThrownBy(() -> builder(log).setExamples(EXAMPLES.subList(0, 2)).addReranker(new MajorityVoteReranker())
                .build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("example q2 is not in the query lookup");
        Reranker outOfRange = new Reranker() {
            @Override
            public String name() {
                return "out-of-range";
            }

            @Override
            public int select(Query query, Diagnosis diagnosis) {
                return -1;
            }
        };
        assertThatThrownBy(() -> builder(log).addReranker(outOfRange).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("reranker out-of-range chose item -1 of example q0, which has 4 items");
    }

    @Test
    void aModeWithoutItemsOrWithoutLogitsCannotBeReranked() {
        PredictionLog handMade = LogFixtures.handMade();
        assertThatThrownBy(() -> RerankerComparison.builder().setLog(handMade).setMode(ModeEvaluator.CLOSED_BOOK)
                .setPartition(new boolean[4]).setCaseLookup(LOOKUP).setExamples(EXAMPLES)
                .addReranker(new MajorityVoteReranker()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mode \"closed_book\" logged no retrieved items, so there is nothing to rerank");
        PredictionLog knn = PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode(ModeEvaluator.KNN)
                .addQuery(new QueryRecord("q0", 0, Map.of(ModeEvaluator.KNN, new ModePrediction(0, new double[] {1, 0},
                        List.of(new ItemPrediction(RetrieverHead.IMAGE, 1, "i1-0", 0.9, 1, new float[0], 0))))))
                .build();
        assertThatThrownBy(() -> RerankerComparison.builder().setLog(knn).setMode(ModeEvaluator.KNN)
                .setPartition(new boolean[1]).setCaseLookup(LOOKUP).setExamples(EXAMPLES)
                .addReranker(new MajorityVoteReranker()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example q0, mode knn, case i1-0: the item carries no reader logits");
    }
}
