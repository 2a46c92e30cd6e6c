package io.jomed.retriever.kb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.retriever.testing.HashingTextEncoder;
import io.jomed.retriever.testing.PixelImageEncoder;
import io.jomed.retriever.testing.ClusteredCases;
import java.nio.file.Path;
import java.util.List;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.hnsw.HnswGraphProvider;
import org.apache.lucene.codecs.perfield.PerFieldKnnVectorsFormat;
import org.apache.lucene.index.CodecReader;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FieldInfo;
import org.apache.lucene.index.IndexOptions;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.hnsw.HnswGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the on-disk layout: field kinds, the HNSW vector format and its parameters. */
class LuceneKnowledgeBaseIndexLayoutTest {

    private static final PixelImageEncoder IMAGES = new PixelImageEncoder();
    private static final HashingTextEncoder TEXTS = new HashingTextEncoder();

    @TempDir
    Path dir;

    @Test
    void fieldsAndHnswParametersAreAsDocumented() throws Exception {
        try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(IMAGES)
                .setTextEncoder(TEXTS).optHnswMaxConn(5).optHnswBeamWidth(40).optHnswGraphThreshold(0)
                .optIngestBatchSize(200).build()) {
            kb.ingest(ClusteredCases.clustered("g", 150, 3, 11), ProgressListener.NONE);
        }
        try (FSDirectory d = FSDirectory.open(dir); DirectoryReader reader = DirectoryReader.open(d)) {
            assertThat(reader.leaves()).hasSize(1);
            LeafReaderContext leaf = reader.leaves().get(0);
            FieldInfo id = leaf.reader().getFieldInfos().fieldInfo("id");
            assertThat(id.getIndexOptions()).isEqualTo(IndexOptions.DOCS);
            FieldInfo text = leaf.reader().getFieldInfos().fieldInfo("text");
            assertThat(text.getIndexOptions()).isEqualTo(IndexOptions.DOCS_AND_FREQS_AND_POSITIONS);
            assertThat(leaf.reader().getFieldInfos().fieldInfo("meta.cluster").getIndexOptions())
                    .isEqualTo(IndexOptions.DOCS);
            for (String field : List.of("key.image", "key.text")) {
                FieldInfo info = leaf.reader().getFieldInfos().fieldInfo(field);
                assertThat(info.getVectorSimilarityFunction()).isEqualTo(VectorSimilarityFunction.DOT_PRODUCT);
                assertThat(info.getVectorDimension()).isEqualTo(64);
                assertThat(info.getAttribute(PerFieldKnnVectorsFormat.PER_FIELD_FORMAT_KEY))
                        .isEqualTo("Lucene99HnswVectorsFormat");
                KnnVectorsReader vectors = ((PerFieldKnnVectorsFormat.FieldsReader) ((CodecReader) leaf.reader())
                        .getVectorReader()).getFieldReader(field);
                HnswGraph graph = ((HnswGraphProvider) vectors).getGraph(field);
                assertThat(graph.size()).isEqualTo(150);
                assertThat(graph.maxConn()).isEqualTo(5);
            }
        }
    }

    @Test
    void withLucenesDefaultThresholdASmallSegmentHasNoGraphAndIsScannedExactly() throws Exception {
        try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(IMAGES)
                .setTextEncoder(TEXTS).optIngestBatchSize(200).build()) {
            kb.ingest(ClusteredCases.clustered("g", 150, 3, 11), ProgressListener.NONE);
        }
        try (FSDirectory d = FSDirectory.open(dir); DirectoryReader reader = DirectoryReader.open(d)) {
            LeafReaderContext leaf = reader.leaves().get(0);
            KnnVectorsReader vectors = ((PerFieldKnnVectorsFormat.FieldsReader) ((CodecReader) leaf.reader())
                    .getVectorReader()).getFieldReader("key.image");
            assertThat(((HnswGraphProvider) vectors).getGraph("key.image").size()).isZero();
        }
    }

    @Test
    void keysWithinTheUnitToleranceAreAcceptedAndStoredAsGiven() {
        float scale = 1.0005f;
        ImageEncoder almostUnit = new ImageEncoder() {
            @Override
            public int dimension() {
                return IMAGES.dimension();
            }

            @Override
            public EncoderFingerprint fingerprint() {
                return IMAGES.fingerprint();
            }

            @Override
            public float[][] encode(List<MedicalImage> images) {
                float[][] keys = IMAGES.encode(images);
                for (float[] key : keys) {
                    for (int i = 0; i < key.length; i++) {
                        key[i] *= scale;
                    }
                }
                return keys;
            }

            @Override
            public void close() {
            }
        };
        KnowledgeBaseCase c = ClusteredCases.cases(1).get(0);
        try (LuceneKnowledgeBase kb = LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(almostUnit)
                .setTextEncoder(TEXTS).build()) {
            kb.upsert(c);
            assertThat(kb.key(c.id(), RetrieverHead.IMAGE)).hasValueSatisfying(
                    k -> assertThat(k).containsExactly(almostUnit.encode(c.image())));
        }
    }

    @Test
    void aDirectoryWithAForeignIndexIsRefused() throws Exception {
        try (FSDirectory d = FSDirectory.open(dir);
                var w = new org.apache.lucene.index.IndexWriter(d, new org.apache.lucene.index.IndexWriterConfig())) {
            w.commit();
        }
        assertThatThrownBy(() -> LuceneKnowledgeBase.builder().setDirectory(dir).setImageEncoder(IMAGES)
                .setTextEncoder(TEXTS).build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not a jomed knowledge base").hasMessageContaining(dir.toString());
    }
}
