package io.jomed.retriever.kb;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.BytesRef;

/**
 * An on-disk Lucene index of unit keys by id, without cases: the key storage and search of
 * {@link LuceneKnowledgeBase} (same HNSW formats, {@link KeyQuantization} choices, HNSW search with exact
 * rescoring and exhaustive scan) for callers that hold their own embeddings, such as benchmarks at sizes where
 * storing images would dominate, or an external case store.
 *
 * <p>Keys are added with {@link #add} (an upsert by id) from any number of threads, become searchable at
 * {@link #commit}, and can be merged into one graph with {@link #forceMerge}. Scores are exact dot products
 * {@code q . k} in double precision with the raw query; ties go to the smaller id.
 *
 * <p>Thread-safe: adds, searches and commits may run concurrently; close it only after all other calls have
 * returned. Only one instance may hold a directory at a time.
 */
public final class LuceneKeyIndex implements Closeable {

    private static final String FIELD_ID = "id";
    private static final String FIELD_KEY = "key";

    private final Path path;
    private final int dimension;
    private final Directory directory;
    private final ExecutorService mergeExecutor;
    private final IndexWriter writer;
    private final SearcherManager searcherManager;
    private final SegmentIds segmentIds = new SegmentIds(FIELD_ID);
    private volatile boolean closed;

    private LuceneKeyIndex(Builder b) throws IOException {
        this.path = b.directory;
        this.dimension = b.dimension;
        this.mergeExecutor = b.mergeThreads > 1 ? Executors.newFixedThreadPool(b.mergeThreads, r -> {
            Thread t = new Thread(r, "jomed-key-index-merge");
            t.setDaemon(true);
            return t;
        }) : null;
        KnnVectorsFormat vectors = b.quantization.format(b.maxConn, b.beamWidth, b.mergeThreads, mergeExecutor,
                Lucene99HnswVectorsFormat.HNSW_GRAPH_THRESHOLD);
        Codec codec = new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return vectors;
            }
        };
        IndexWriterConfig config = new IndexWriterConfig()
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                .setCodec(codec)
                .setRAMBufferSizeMB(b.ramBufferMb)
                .setCommitOnClose(false);
        Directory dir = null;
        IndexWriter w = null;
        try {
            Files.createDirectories(b.directory);
            dir = FSDirectory.open(b.directory);
            try {
                w = new IndexWriter(dir, config);
            } catch (LockObtainFailedException e) {
                throw new IllegalStateException("key index at " + path + " is already open for writing", e);
            }
            if (DirectoryReader.indexExists(dir)) {
                checkDimension(dir, b.dimension, b.directory);
            } else {
                w.commit();
            }
            this.directory = dir;
            this.writer = w;
            this.searcherManager = new SearcherManager(w, null);
        } catch (IOException | RuntimeException e) {
            if (w != null) {
                try {
                    w.rollback();
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (dir != null) {
                try {
                    dir.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (mergeExecutor != null) {
                mergeExecutor.shutdownNow();
            }
            throw e;
        }
    }

    private static void checkDimension(Directory dir, int dimension, Path path) throws IOException {
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
            for (var leaf : reader.leaves()) {
                var info = leaf.reader().getFieldInfos().fieldInfo(FIELD_KEY);
                if (info != null && info.getVectorDimension() != dimension) {
                    throw new IllegalArgumentException("key index at " + path + " holds keys of dimension "
                            + info.getVectorDimension() + ", not " + dimension);
                }
            }
        }
    }

    /** A builder; directory and dimension are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The index folder. */
    public Path directory() {
        return path;
    }

    /** The dimension of every key. */
    public int dimension() {
        return dimension;
    }

    /**
     * Adds a key, replacing any key with the same id; searchable after the next {@link #commit}.
     *
     * @param key a unit vector (L2 norm within 1e-3 of 1) of this index's dimension; copied
     * @throws IllegalArgumentException if the id is empty, or the key has another dimension, a non-finite value
     *     or is not unit length
     */
    public void add(String id, float[] key) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        ensureOpen();
        if (id.isEmpty()) {
            throw new IllegalArgumentException("key id must not be empty");
        }
        checkKey("key " + id, key);
        double norm = Math.sqrt(KeySearch.dot(key, key));
        if (Math.abs(norm - 1) > LuceneKnowledgeBase.UNIT_NORM_TOLERANCE) {
            throw new IllegalArgumentException("key " + id + " has L2 norm " + norm + "; keys must be unit vectors");
        }
        Document doc = new Document();
        doc.add(new StringField(FIELD_ID, id, Field.Store.NO));
        doc.add(new SortedDocValuesField(FIELD_ID, new BytesRef(id)));
        doc.add(new KnnFloatVectorField(FIELD_KEY, key.clone(), VectorSimilarityFunction.DOT_PRODUCT));
        try {
            writer.updateDocument(new Term(FIELD_ID, id), doc);
        } catch (IOException e) {
            throw new UncheckedIOException("adding key " + id + " to key index at " + path + " failed: " + e.getMessage(), e);
        }
    }

    /** Makes all added keys durable and searchable. */
    public void commit() {
        ensureOpen();
        try {
            writer.commit();
            searcherManager.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException("committing key index at " + path + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Merges the index down to at most {@code maxSegments} segments (one HNSW graph each), commits and refreshes.
     * Graph merges use the builder's merge threads.
     */
    public void forceMerge(int maxSegments) {
        if (maxSegments < 1) {
            throw new IllegalArgumentException("maxSegments must be at least 1, got " + maxSegments);
        }
        ensureOpen();
        try {
            writer.forceMerge(maxSegments);
            commit();
        } catch (IOException e) {
            throw new UncheckedIOException("merging key index at " + path + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The best {@code k} keys by HNSW search for {@code candidates} keys, rescored exactly; best first.
     *
     * @param query the query vector (any non-zero norm) of this index's dimension
     * @param candidates the HNSW search breadth, at least {@code k}
     */
    public List<ScoredCaseId> search(float[] query, int k, int candidates) {
        checkQuery(query, k);
        if (candidates < k) {
            throw new IllegalArgumentException("candidates must be at least k = " + k + ", got " + candidates);
        }
        return read(searcher -> ids(KeySearch.approximate(searcher, FIELD_KEY, segmentIds, query, candidates, null, k)));
    }

    /** The exact best {@code k} keys by an exhaustive scan; best first. */
    public List<ScoredCaseId> searchExact(float[] query, int k) {
        checkQuery(query, k);
        return read(searcher -> ids(KeySearch.exact(searcher, FIELD_KEY, segmentIds, query, null, k)));
    }

    /** Number of live keys in the last commit. */
    public int size() {
        return read(searcher -> searcher.getIndexReader().numDocs());
    }

    /** Number of segments (HNSW graphs) in the last commit. */
    public int segments() {
        return read(searcher -> searcher.getIndexReader().leaves().size());
    }

    /** Bytes of all files of the last commit on disk. */
    public long bytesOnDisk() {
        ensureOpen();
        try {
            long bytes = 0;
            for (String file : org.apache.lucene.index.SegmentInfos.readLatestCommit(directory).files(true)) {
                bytes += directory.fileLength(file);
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("reading key index at " + path + " failed: " + e.getMessage(), e);
        }
    }

    private static List<ScoredCaseId> ids(List<KeySearch.Hit> hits) {
        return hits.stream().map(h -> new ScoredCaseId(h.id(), h.score())).toList();
    }

    private void checkQuery(float[] query, int k) {
        Objects.requireNonNull(query, "query");
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        checkKey("query", query);
        if (KeySearch.dot(query, query) == 0) {
            throw new IllegalArgumentException("query is the zero vector");
        }
    }

    private void checkKey(String what, float[] v) {
        if (v.length != dimension) {
            throw new IllegalArgumentException(what + " has dimension " + v.length + ", key index at " + path
                    + " holds dimension " + dimension);
        }
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new IllegalArgumentException(what + " has a non-finite value at index " + i + ": " + v[i]);
            }
        }
    }

    private <T> T read(SearcherWork<T> work) {
        ensureOpen();
        return SearcherWork.on(searcherManager, "key index at " + path, work);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("key index at " + path + " is closed");
        }
    }

    /** Releases the index; keys added since the last {@link #commit} are discarded. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        for (Closeable c : new Closeable[] {searcherManager, writer::rollback, directory}) {
            try {
                c.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (mergeExecutor != null) {
            mergeExecutor.shutdownNow();
            try {
                mergeExecutor.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure != null) {
            throw new UncheckedIOException("closing key index at " + path + " failed: " + failure.getMessage(), failure);
        }
    }

    @Override
    public String toString() {
        return "LuceneKeyIndex[" + path + ", dimension=" + dimension + "]";
    }

    /** Builder of a {@link LuceneKeyIndex}; not thread-safe. */
    public static final class Builder {
        private Path directory;
        private int dimension;
        private int maxConn = Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN;
        private int beamWidth = Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH;
        private KeyQuantization quantization = KeyQuantization.NONE;
        private int mergeThreads = 1;
        private double ramBufferMb = IndexWriterConfig.DEFAULT_RAM_BUFFER_SIZE_MB;

        private Builder() {
        }

        /** The index folder; created when missing. Required. */
        public Builder setDirectory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** The dimension of every key, 1 to Lucene's vector limit. Required. */
        public Builder setDimension(int dimension) {
            int max = new Lucene99HnswVectorsFormat().getMaxDimensions(FIELD_KEY);
            if (dimension < 1 || dimension > max) {
                throw new IllegalArgumentException("dimension must be in [1, " + max + "], got " + dimension);
            }
            this.dimension = dimension;
            return this;
        }

        /** HNSW maximum connections per node (M), 1 to 512; default 16. */
        public Builder optHnswMaxConn(int maxConn) {
            if (maxConn < 1 || maxConn > Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN) {
                throw new IllegalArgumentException("HNSW maxConn must be in [1, " + Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN
                        + "], got " + maxConn);
            }
            this.maxConn = maxConn;
            return this;
        }

        /** HNSW beam width at construction (efConstruction), 1 to 3,200; default 100. */
        public Builder optHnswBeamWidth(int beamWidth) {
            if (beamWidth < 1 || beamWidth > Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH) {
                throw new IllegalArgumentException("HNSW beam width must be in [1, "
                        + Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH + "], got " + beamWidth);
            }
            this.beamWidth = beamWidth;
            return this;
        }

        /** How the graph stores keys; default {@link KeyQuantization#NONE}. */
        public Builder optQuantization(KeyQuantization quantization) {
            this.quantization = Objects.requireNonNull(quantization, "quantization");
            return this;
        }

        /** Threads that build a merged graph, 1 to 64; default 1. */
        public Builder optMergeThreads(int threads) {
            if (threads < 1 || threads > 64) {
                throw new IllegalArgumentException("merge threads must be in [1, 64], got " + threads);
            }
            this.mergeThreads = threads;
            return this;
        }

        /** Heap for buffered keys before a segment is flushed, in MiB, 1 to 16,384; default 16. */
        public Builder optRamBufferMb(double megabytes) {
            if (!(megabytes >= 1 && megabytes <= 16_384)) {
                throw new IllegalArgumentException("RAM buffer must be in [1, 16384] MiB, got " + megabytes);
            }
            this.ramBufferMb = megabytes;
            return this;
        }

        /**
         * Opens the index at the directory, or creates an empty one there.
         *
         * @throws IllegalStateException if directory or dimension is missing, or another writer holds the folder
         * @throws UncheckedIOException if the index cannot be read or created
         */
        public LuceneKeyIndex build() {
            if (directory == null) {
                throw new IllegalStateException("directory is required: call setDirectory");
            }
            if (dimension == 0) {
                throw new IllegalStateException("dimension is required: call setDimension");
            }
            if (Files.exists(directory) && !Files.isDirectory(directory)) {
                throw new IllegalArgumentException("key index directory " + directory + " is not a folder");
            }
            try {
                return new LuceneKeyIndex(this);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open key index at " + directory + ": " + e.getMessage(), e);
            }
        }
    }
}
