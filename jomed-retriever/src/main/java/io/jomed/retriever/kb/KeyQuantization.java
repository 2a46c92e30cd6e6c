package io.jomed.retriever.kb;

import java.util.concurrent.ExecutorService;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.util.quantization.QuantizedByteVectorValues.ScalarEncoding;

/**
 * How the HNSW graph of a key field stores the keys it navigates by. Every choice also keeps the full-precision
 * keys, so jomed's exact rescoring of the candidates (and exact search) is unaffected; quantization trades
 * graph-search accuracy for a smaller, faster-to-scan copy of the keys.
 *
 * <p>Immutable and thread-safe.
 */
public enum KeyQuantization {
    /** 32-bit floats ({@link Lucene99HnswVectorsFormat}); the default. */
    NONE,
    /** 8 bits per dimension ({@link Lucene104HnswScalarQuantizedVectorsFormat}, unsigned byte encoding). */
    INT8,
    /** 4 bits per dimension ({@link Lucene104HnswScalarQuantizedVectorsFormat}, packed nibbles). */
    INT4;

    /**
     * The Lucene vectors format for this quantization.
     *
     * @param maxConn HNSW maximum connections per node (M)
     * @param beamWidth HNSW beam width at construction (efConstruction)
     * @param mergeWorkers threads that build a merged graph; 1 builds it on the merging thread
     * @param mergeExecutor executor of the merge workers; null when {@code mergeWorkers} is 1
     * @param graphThreshold Lucene's tiny-segment threshold below which no graph is built
     */
    KnnVectorsFormat format(int maxConn, int beamWidth, int mergeWorkers, ExecutorService mergeExecutor, int graphThreshold) {
        return switch (this) {
            case NONE -> new Lucene99HnswVectorsFormat(maxConn, beamWidth, mergeWorkers, mergeExecutor, graphThreshold);
            case INT8 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.UNSIGNED_BYTE, maxConn, beamWidth,
                    mergeWorkers, mergeExecutor, graphThreshold);
            case INT4 -> new Lucene104HnswScalarQuantizedVectorsFormat(ScalarEncoding.PACKED_NIBBLE, maxConn, beamWidth,
                    mergeWorkers, mergeExecutor, graphThreshold);
        };
    }
}
