package io.jomed.retriever.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.testing.SyntheticCases;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.retriever.testing.PixelImageEncoder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DualHeadRetrieverTest {
    @TempDir
    Path dir;

    /** A "trained tower" for tests: f0 of the image flipped left to right. */
    private static final class FlippedEncoder implements ImageEncoder {
        private final PixelImageEncoder inner = new PixelImageEncoder(8, "0badc0de");

        @Override
        public int dimension() {
            return inner.dimension();
        }

        @Override
        public EncoderFingerprint fingerprint() {
            return inner.fingerprint();
        }

        @Override
        public float[][] encode(List<MedicalImage> images) {
            return inner.encode(images.stream().map(FlippedEncoder::flip).toList());
        }

        static MedicalImage flip(MedicalImage m) {
            byte[] px = m.pixels();
            byte[] out = new byte[px.length];
            for (int y = 0; y < m.height(); y++) {
                for (int x = 0; x < m.width(); x++) {
                    out[y * m.width() + x] = px[y * m.width() + (m.width() - 1 - x)];
                }
            }
            return MedicalImage.ofPixels(m.width(), m.height(), 1, out);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aTrainedHeadScoresWithTheUnnormalisedMixtureOfItsTowerAndF0() {
        PixelImageEncoder f0 = new PixelImageEncoder();
        FlippedEncoder tower = new FlippedEncoder();
        List<KnowledgeBaseCase> cases = SyntheticCases.cases(20);
        try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(f0)
                .setTextEncoder(new HashingTextEncoder()).build()) {
            kb.ingest(cases, ProgressListener.NONE);
            DualHeadRetriever retriever = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0)
                    .optTrainedTower(RetrieverHead.IMAGE, tower).build();
            MedicalImage query = cases.get(3).image();
            float[] e = QueryEncoder.mix(tower.encode(query), f0.encode(query), 0.15);
            double norm = 0;
            for (float v : e) {
                norm += v * v;
            }
            assertThat(Math.sqrt(norm)).as("e_h is not renormalised").isLessThan(1.0);

            List<RetrievedCase> results = retriever.retrieve(Query.of(query), RetrievalOptions.builder().optKPerHead(5).build());
            for (RetrievedCase r : results) {
                float[] key = kb.key(r.caseId(), r.head()).orElseThrow();
                float[] q = r.head() == RetrieverHead.IMAGE ? e : f0.encode(query);
                double expected = 0;
                for (int i = 0; i < key.length; i++) {
                    expected += (double) q[i] * key[i];
                }
                assertThat(r.rawScore()).isCloseTo(expected, within(1e-6));
            }
            assertThat(retriever.queryEncoder(RetrieverHead.TEXT).learnedEncoder()).isEmpty();
            assertThat(retriever.queryEncoder(RetrieverHead.IMAGE).learnedEncoder()).containsSame(tower);
        }
    }

    @Test
    void batchRetrievalEqualsOneByOne() {
        PixelImageEncoder f0 = new PixelImageEncoder();
        List<KnowledgeBaseCase> cases = SyntheticCases.cases(15);
        try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(f0)
                .setTextEncoder(new HashingTextEncoder()).build()) {
            kb.ingest(cases, ProgressListener.NONE);
            DualHeadRetriever retriever = DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0).build();
            List<Query> queries = cases.stream().map(c -> Query.of(c.image())).toList();
            List<List<RetrievedCase>> batch = retriever.retrieve(queries, RetrievalOptions.DEFAULT);
            for (int i = 0; i < queries.size(); i++) {
                assertThat(batch.get(i)).isEqualTo(retriever.retrieve(queries.get(i)));
            }
        }
    }

    @Test
    void refusesAnF0ThatDidNotBuildTheKnowledgeBaseAndATowerOfTheWrongDimension() {
        PixelImageEncoder f0 = new PixelImageEncoder();
        try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(f0)
                .setTextEncoder(new HashingTextEncoder()).build()) {
            assertThatThrownBy(() -> DualHeadRetriever.builder().setKnowledgeBase(kb)
                    .setImageKeyEncoder(new PixelImageEncoder(8, "feedface")).build())
                    .hasMessageContaining("did not build this knowledge base");
            assertThatThrownBy(() -> DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0)
                    .optTrainedTower(RetrieverHead.TEXT, new PixelImageEncoder(4, "0badf00d")).build())
                    .hasMessageContaining("dimension 16 but f0 has 64");
            assertThatThrownBy(() -> DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0)
                    .optHeads(List.of(RetrieverHead.IMAGE)).optTrainedTower(RetrieverHead.TEXT, f0).build())
                    .hasMessageContaining("not among");
        }
    }
}
