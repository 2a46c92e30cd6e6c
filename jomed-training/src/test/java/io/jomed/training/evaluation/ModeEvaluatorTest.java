package io.jomed.training.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.Jomed;
import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.JobCancelledException;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.testing.ConstantReader;
import io.jomed.api.testing.PixelCosineRetriever;
import io.jomed.api.testing.SyntheticCases;
import io.jomed.api.training.TaskExample;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModeEvaluatorTest {
    private static final List<KnowledgeBaseCase> CASES = SyntheticCases.cases(12).stream()
            .map(c -> c.toBuilder().optMetadata("label", c.metadata("group").orElseThrow().equals("a") ? "yes" : "no").build())
            .toList();
    private final PixelCosineRetriever retriever = new PixelCosineRetriever(CASES);
    private final ConstantReader reader = new ConstantReader();
    private final Jomed jomed = Jomed.builder().setRetriever(retriever).setReader(reader).build();
    private final Jomed jomed3 = Jomed.builder().setRetriever(retriever).setReader(reader)
            .optRetrievalOptions(RetrievalOptions.builder().optKPerHead(3).build()).build();
    private final List<TaskExample> examples = examples(6);

    private static List<TaskExample> examples(int n) {
        List<TaskExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new TaskExample("test-" + i, Query.of(SyntheticCases.image(5000 + i, 28)), i % 2 == 0 ? "yes" : "no"));
        }
        return out;
    }

    private ModeEvaluator evaluator(int batchSize) {
        return ModeEvaluator.builder().setLabelSpace(ConstantReader.LABELS)
                .addClosedBook(ModeEvaluator.CLOSED_BOOK, reader)
                .addKnn(ModeEvaluator.KNN, retriever, 3, "label")
                .addPipeline(ModeEvaluator.STANDARD_RAG, jomed)
                .addMode("wider", jomed3::diagnose)
                .optBatchSize(batchSize).optLatencySamples(4).build();
    }

    @Test
    void everyModeIsLoggedAsItsSystemAnswers() {
        List<ProgressEvent> events = new ArrayList<>();
        ModeEvaluator.Result r = evaluator(4).evaluate(examples, events::add);
        PredictionLog log = r.log();
        assertThat(log.modes()).containsExactly("closed_book", "knn", "standard_rag", "wider");
        assertThat(log.gold()).containsExactly(0, 1, 0, 1, 0, 1);
        assertThat(log.labelSpace()).isEqualTo(ConstantReader.LABELS);
        // the constant reader answers "no" without context, logits (0, 1)
        assertThat(log.predicted("closed_book")).containsOnly(1);
        double e = Math.exp(1);
        assertThat(log.probabilities("closed_book")[0][1]).isCloseTo(e / (1 + e), within(1e-12));
        assertThat(log.queries().get(0).mode("closed_book").items()).isEmpty();

        KnnVote vote = new KnnVote("label");
        for (int i = 0; i < examples.size(); i++) {
            Query q = examples.get(i).query();
            QueryRecord rec = log.queries().get(i);
            assertThat(rec.exampleId()).isEqualTo("test-" + i);

            List<RetrievedCase> top3 = retriever.retrieve(q, RetrievalOptions.builder().optKPerHead(3).build());
            ModePrediction knn = rec.mode("knn");
            assertThat(knn.predicted()).isEqualTo(ConstantReader.LABELS.indexOf(vote.vote(top3, 3).orElseThrow()));
            long yes = top3.stream().filter(c -> c.knowledgeBaseCase().metadata("label").orElseThrow().equals("yes")).count();
            assertThat(knn.probabilities()[0]).isCloseTo(yes / 3.0, within(1e-12));
            assertThat(knn.items()).extracting(ItemPrediction::caseId)
                    .containsExactlyElementsOf(top3.stream().map(RetrievedCase::caseId).toList());
            assertThat(knn.items()).allSatisfy(it -> assertThat(it.logits()).isEmpty());

            Diagnosis d = jomed.diagnose(q);
            ModePrediction rag = rec.mode("standard_rag");
            assertThat(rag.predicted()).isEqualTo(ConstantReader.LABELS.indexOf(d.answer()));
            assertThat(rag.probabilities()[0]).isEqualTo(d.probabilities().get("yes"));
            assertThat(rag.items()).hasSize(2);
            for (int j = 0; j < 2; j++) {
                CasePrediction cp = d.evidence().get(j);
                ItemPrediction it = rag.items().get(j);
                assertThat(it.caseId()).isEqualTo(cp.evidence().caseId());
                assertThat(it.rank()).isEqualTo(j + 1);
                assertThat(it.rawScore()).isEqualTo(cp.evidence().rawScore());
                assertThat(it.fusionWeight()).isEqualTo(cp.fusionWeight());
                assertThat(it.logits()).containsExactly(cp.logits().logits());
                assertThat(it.predicted()).isEqualTo(ConstantReader.LABELS.indexOf(cp.predictedLabel()));
            }
            assertThat(rec.mode("wider").items()).hasSize(3);
        }
        assertThat(r.latency()).containsOnlyKeys("standard_rag", "wider");
        assertThat(r.latency().get("standard_rag").count()).isEqualTo(4);
        assertThat(events).last().satisfies(ev -> assertThat(ev.completed()).isEqualTo(ev.total()).isEqualTo(24));
    }

    @Test
    void batchingDoesNotChangeTheLog() {
        assertThat(evaluator(1).evaluate(examples, ProgressListener.NONE).log())
                .isEqualTo(evaluator(64).evaluate(examples, ProgressListener.NONE).log());
    }

    @Test
    void aCancelledEvaluationStops() {
        ProgressListener cancelled = new ProgressListener() {
            @Override
            public void onProgress(ProgressEvent event) {
            }

            @Override
            public boolean isCancelled() {
                return true;
            }
        };
        assertThatThrownBy(() -> evaluator(4).evaluate(examples, cancelled)).isInstanceOf(JobCancelledException.class);
    }

    @Test
    void badInputIsNamed() {
        List<TaskExample> bad = List.of(new TaskExample("odd-1", examples.get(0).query(), "maybe"));
        assertThatThrownBy(() -> evaluator(4).evaluate(bad, ProgressListener.NONE))
                .hasMessageContaining("odd-1").hasMessageContaining("maybe").hasMessageContaining("[yes, no]");
        List<TaskExample> twice = List.of(examples.get(0), examples.get(0));
        assertThatThrownBy(() -> evaluator(4).evaluate(twice, ProgressListener.NONE)).hasMessageContaining("test-0");
        LabelSpace other = LabelSpace.builder().setName("other").addLabel("x").addLabel("y").build();
        assertThatThrownBy(() -> ModeEvaluator.builder().setLabelSpace(other).addPipeline("rag", jomed).build())
                .hasMessageContaining("rag").hasMessageContaining("other");
        assertThatThrownBy(() -> ModeEvaluator.builder().setLabelSpace(other).addClosedBook("cb", reader)
                .addClosedBook("cb", reader)).hasMessageContaining("\"cb\" is added twice");
    }
}
