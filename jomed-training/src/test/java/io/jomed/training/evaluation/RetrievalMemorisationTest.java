package io.jomed.training.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.TaskExample;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class RetrievalMemorisationTest {
    /**
     * Image head: queries whose first pixel is 0 get neighbours of their own label (in byte 1), others of label "x".
     * Text head: every query's best-ranked case has label "x", the others its own label, so that its vote is right
     * from k = 3 on and independent of the image head.
     */
    private static final Retriever RETRIEVER = retriever(true);
    private static final Retriever IMAGE_ONLY = retriever(false);

    private static Retriever retriever(boolean textHead) {
        return new Retriever() {
            @Override
            public List<RetrievedCase> retrieve(Query query, RetrievalOptions options) {
                String own = Integer.toString(query.image().pixel(1, 0, 0));
                String label = query.image().pixel(0, 0, 0) == 0 ? own : "x";
                List<RetrievedCase> out = new ArrayList<>();
                for (int r = 1; r <= options.kPerHead(); r++) {
                    out.add(new RetrievedCase(labelled("i" + r, label), RetrieverHead.IMAGE, 1.0 / r, r));
                    if (textHead) {
                        out.add(new RetrievedCase(labelled("t" + r, r == 1 ? "x" : own), RetrieverHead.TEXT, 1.0 / r, r));
                    }
                }
                return out;
            }

            @Override
            public List<RetrieverHead> heads() {
                return textHead ? List.of(RetrieverHead.IMAGE, RetrieverHead.TEXT) : List.of(RetrieverHead.IMAGE);
            }

            @Override
            public void close() {
            }
        };
    }

    private static KnowledgeBaseCase labelled(String id, String label) {
        return KnowledgeBaseCase.builder().setId(id).setImage(image(0, 0)).optMetadata("label", label).build();
    }

    private static MedicalImage image(int memorised, int label) {
        return MedicalImage.ofPixels(2, 1, 1, new byte[] {(byte) memorised, (byte) label});
    }

    /** {@code n} examples of label 1; the first {@code found} find neighbours of their label. */
    private static List<TaskExample> examples(String prefix, int n, int found) {
        List<TaskExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new TaskExample(prefix + i, Query.of(image(i < found ? 0 : 1, 1)), "1"));
        }
        return out;
    }

    @Test
    void comparesTrainingWithValidationNeighbours() {
        RetrievalMemorisation m = RetrievalMemorisation.measure(RETRIEVER, examples("t", 10, 9), examples("v", 10, 6), 5);
        assertThat(m.k()).isEqualTo(5);
        assertThat(m.trainingAccuracy()).isCloseTo(0.9, within(1e-12));
        assertThat(m.validationAccuracy()).isCloseTo(0.6, within(1e-12));
        assertThat(m.gap()).isCloseTo(0.3, within(1e-12));
        assertThat(m.memorised(RetrievalMemorisation.DEFAULT_MARGIN)).isTrue();
        RetrievalMemorisation none = RetrievalMemorisation.measure(RETRIEVER, examples("t", 10, 6), examples("v", 10, 6), 5);
        assertThat(none.memorised(RetrievalMemorisation.DEFAULT_MARGIN)).isFalse();
    }

    @Test
    void measuresTheTextHeadOnItsOwnCases() {
        RetrievalMemorisation five = RetrievalMemorisation.measure(RETRIEVER, examples("t", 10, 9), examples("v", 10, 6), 5);
        assertThat(five.textHeadTrainingAccuracy()).hasValue(1.0);
        assertThat(five.textHeadValidationAccuracy()).hasValue(1.0);
        assertThat(five.textHeadGap()).hasValue(0.0);
        RetrievalMemorisation one = RetrievalMemorisation.measure(RETRIEVER, examples("t", 10, 9), examples("v", 10, 6), 1);
        assertThat(one.textHeadTrainingAccuracy()).hasValue(0.0);
        assertThat(one.trainingAccuracy()).isCloseTo(0.9, within(1e-12));
        RetrievalMemorisation imageOnly = RetrievalMemorisation.measure(IMAGE_ONLY, examples("t", 10, 9),
                examples("v", 10, 6), 5);
        assertThat(imageOnly.textHeadTrainingAccuracy()).isEmpty();
        assertThat(imageOnly.textHeadValidationAccuracy()).isEmpty();
        assertThat(imageOnly.textHeadGap()).isEmpty();
        assertThat(imageOnly.gap()).isCloseTo(0.3, within(1e-12));
    }

    @Test
    void cutsDeeperResultsToK() {
        List<TaskExample> training = examples("t", 10, 9);
        List<TaskExample> validation = examples("v", 10, 6);
        RetrievalOptions deep = RetrievalOptions.builder().optKPerHead(20).build();
        RetrievalMemorisation fromDeep = RetrievalMemorisation.of(
                RETRIEVER.retrieve(training.stream().map(TaskExample::query).toList(), deep), training,
                RETRIEVER.retrieve(validation.stream().map(TaskExample::query).toList(), deep), validation, 1);
        assertThat(fromDeep).isEqualTo(RetrievalMemorisation.measure(RETRIEVER, training, validation, 1));
    }

    @Test
    void rejectsMissingQueriesAndABadK() {
        assertThatThrownBy(() -> RetrievalMemorisation.measure(RETRIEVER, List.of(), examples("v", 1, 1), 5))
                .hasMessageContaining("training and validation queries");
        assertThatThrownBy(() -> new RetrievalMemorisation(0, 0.5, 0.5)).hasMessageContaining("k must be at least 1");
        assertThatThrownBy(() -> new RetrievalMemorisation(5, 0.5, 0.5, OptionalDouble.of(0.5), OptionalDouble.empty()))
                .hasMessageContaining("training and validation accuracies come together");
        List<TaskExample> training = examples("t", 3, 3);
        assertThatThrownBy(() -> RetrievalMemorisation.of(List.of(List.of()), training, List.of(List.of()),
                examples("v", 1, 1), 5)).hasMessageContaining("need one result list per query, got 1 for 3 training");
    }
}
