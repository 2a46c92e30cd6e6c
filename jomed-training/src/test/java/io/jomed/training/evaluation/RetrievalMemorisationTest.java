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
import org.junit.jupiter.api.Test;

class RetrievalMemorisationTest {
    /** Queries whose first pixel is 0 get neighbours of their own label (in byte 1), others of label "x". */
    private static final Retriever RETRIEVER = new Retriever() {
        @Override
        public List<RetrievedCase> retrieve(Query query, RetrievalOptions options) {
            String label = query.image().pixel(0, 0, 0) == 0 ? Integer.toString(query.image().pixel(1, 0, 0)) : "x";
            List<RetrievedCase> out = new ArrayList<>();
            for (int r = 1; r <= options.kPerHead(); r++) {
                KnowledgeBaseCase c = KnowledgeBaseCase.builder().setId("c" + r).setImage(image(0, 0))
                        .optMetadata("label", label).build();
                out.add(new RetrievedCase(c, RetrieverHead.IMAGE, 1.0 / r, r));
                out.add(new RetrievedCase(c, RetrieverHead.TEXT, 1.0 / r, r)); // the text head must not vote
            }
            return out;
        }

        @Override
        public List<RetrieverHead> heads() {
            return List.of(RetrieverHead.IMAGE, RetrieverHead.TEXT);
        }

        @Override
        public void close() {
        }
    };

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
    void rejectsMissingQueriesAndABadK() {
        assertThatThrownBy(() -> RetrievalMemorisation.measure(RETRIEVER, List.of(), examples("v", 1, 1), 5))
                .hasMessageContaining("training and validation queries");
        assertThatThrownBy(() -> new RetrievalMemorisation(0, 0.5, 0.5)).hasMessageContaining("k must be at least 1");
    }
}
