package io.jomed.retriever.reranking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.testing.ClusteredCases;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.retriever.testing.PixelImageEncoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSimilarityRerankerTest {
    @TempDir
    Path dir;

    private final PixelImageEncoder f0 = new PixelImageEncoder();
    private final List<KnowledgeBaseCase> cases = ClusteredCases.cases(12);

    private LuceneKnowledgeBase knowledgeBase() {
        LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(f0)
                .setTextEncoder(new HashingTextEncoder()).build();
        kb.ingest(cases, ProgressListener.NONE);
        return kb;
    }

    /** An evidence item for case {@code index}, with scores and logits that favour earlier items. */
    private CasePrediction item(int index, RetrieverHead head, int rank) {
        return new CasePrediction(new RetrievedCase(cases.get(index), head, 1.0 / rank, rank), 0.25,
                LabelLogits.of(new float[] {3f / rank, 0f}), "yes");
    }

    private static Diagnosis diagnosis(CasePrediction... evidence) {
        return new Diagnosis("yes", Map.of("yes", 0.7, "no", 0.3), List.of(evidence));
    }

    private static double dot(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += (double) a[i] * b[i];
        }
        return d;
    }

    @Test
    void picksTheItemMostSimilarToTheQueryImageWhicheverHeadFoundIt() {
        try (LuceneKnowledgeBase kb = knowledgeBase()) {
            ImageSimilarityReranker reranker = ImageSimilarityReranker.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0)
                    .build();
            // the query is case 5's own image (cluster 1); only the last item, found by the text head, is case 5
            Query query = Query.of(cases.get(5).image(), "is it cluster one?");
            Diagnosis d = diagnosis(item(0, RetrieverHead.IMAGE, 1), item(2, RetrieverHead.IMAGE, 2),
                    item(4, RetrieverHead.TEXT, 1), item(5, RetrieverHead.TEXT, 2));
            double[] s = reranker.similarities(query, d);
            float[] q = f0.encode(query.image());
            for (int i = 0; i < s.length; i++) {
                String id = d.evidence().get(i).evidence().caseId();
                assertThat(s[i]).isCloseTo(dot(q, kb.key(id, RetrieverHead.IMAGE).orElseThrow()), within(1e-9));
            }
            assertThat(s[3]).isCloseTo(1.0, within(1e-5));
            assertThat(reranker.select(query, d)).isEqualTo(3);
            assertThat(reranker.name()).isEqualTo("image-similarity");
        }
    }

    @Test
    void aCaseRetrievedByBothHeadsTiesAndTheEarlierItemWins() {
        try (LuceneKnowledgeBase kb = knowledgeBase()) {
            ImageSimilarityReranker reranker = ImageSimilarityReranker.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0)
                    .build();
            Query query = Query.of(cases.get(7).image());
            Diagnosis d = diagnosis(item(0, RetrieverHead.IMAGE, 1), item(7, RetrieverHead.TEXT, 1),
                    item(7, RetrieverHead.IMAGE, 2));
            assertThat(reranker.select(query, d)).isEqualTo(1);
        }
    }

    @Test
    void refusesAForeignF0NoEvidenceAndADeletedCase() {
        try (LuceneKnowledgeBase kb = knowledgeBase()) {
            assertThatThrownBy(() -> ImageSimilarityReranker.builder().setKnowledgeBase(kb)
                    .setImageKeyEncoder(new PixelImageEncoder(8, "feedface")).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("did not build this knowledge base");
            assertThatThrownBy(() -> ImageSimilarityReranker.builder().setKnowledgeBase(kb).build())
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("setImageKeyEncoder");
            ImageSimilarityReranker reranker = ImageSimilarityReranker.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0)
                    .build();
            Query query = Query.of(cases.get(1).image());
            assertThatThrownBy(() -> reranker.select(query, diagnosis()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without evidence");
            kb.delete(cases.get(2).id());
            assertThatThrownBy(() -> reranker.select(query, diagnosis(item(1, RetrieverHead.IMAGE, 1),
                    item(2, RetrieverHead.IMAGE, 2))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("evidence item case-0002 has no image key in the knowledge base; was it deleted after "
                            + "retrieval?");
        }
    }
}
