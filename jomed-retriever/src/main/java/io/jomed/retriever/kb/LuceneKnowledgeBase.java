package io.jomed.retriever.kb;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.IngestSummary;
import io.jomed.api.kb.KnowledgeBase;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.kb.QueryEmbedding;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import javax.imageio.ImageIO;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link KnowledgeBase} backed by one Lucene index on disk ({@link FSDirectory}, memory-mapped on 64-bit
 * JVMs).
 *
 * <p><b>Index layout.</b> One document per case with the fields
 * <ul>
 *   <li>{@code id}: {@link StringField}, stored, plus sorted doc values for cheap id scans;</li>
 *   <li>{@code text}: the report or caption, {@link TextField}, stored and BM25-indexed;</li>
 *   <li>{@code image}: the decoded image re-encoded as a lossless PNG ({@link ImageIO}), stored; it is
 *       decoded back to the same pixels (grey stays grey, RGB stays RGB) when a case is read;</li>
 *   <li>{@code content_hash}: {@link MedicalImage#contentHash()}, {@link StringField}, stored;</li>
 *   <li>{@code meta.<key>}: one stored {@link StringField} per metadata entry, in the case's key order, so
 *       that exact-match filters work;</li>
 *   <li>{@code key.image} = {@code f0(image)} and {@code key.text} = {@code g0(text)}:
 *       {@link KnnFloatVectorField}s with {@link VectorSimilarityFunction#DOT_PRODUCT} over unit keys, indexed
 *       as HNSW graphs ({@link Lucene99HnswVectorsFormat}, or a quantized format chosen with
 *       {@link Builder#optKeyQuantization}, with this knowledge base's {@code maxConn}, beam width and
 *       tiny-segment threshold, through an override of the default codec {@link Lucene104Codec};
 *       segments too small for a graph to pay off are scanned exhaustively by Lucene).</li>
 * </ul>
 * The commit user data record a format version, the fingerprints and dimensions of both key encoders.
 * Opening an existing index with encoders of other fingerprints fails.
 *
 * <p><b>Queries.</b> Both heads embed the query <em>image</em> with towers built on the frozen image
 * encoder {@code f0}: a {@link QueryEmbedding} must therefore carry the fingerprint of this knowledge
 * base's IMAGE key encoder for either head, and have the dimension of the head's keys. A search runs
 * Lucene's HNSW search for {@code max(overFetch * k, minCandidates)} candidates over a unit-normalised copy of the query, with
 * exclusions and metadata filters applied as a pre-filter, then rescores the candidates exactly with the
 * raw query vector: {@code s = e_h . k_d} in double precision. Lucene's own score {@code (1 + dot) / 2} is
 * never returned. Ties are broken by ascending case id.
 *
 * <p><b>Atomicity.</b> Every mutating call ends with exactly one commit or none: a failed or cancelled
 * ingest is rolled back and the previous commit stays intact. Searches read the last commit through a
 * {@link SearcherManager} over the directory, refreshed after each commit.
 *
 * <p>The encoders are owned by the caller and not closed by {@link #close()}. Only one
 * {@code LuceneKnowledgeBase} (one writer) may hold a directory at a time.
 *
 * <p>Thread-safe: many threads may search and read while one thread writes; writes are serialised by a
 * lock. Close it only after all other calls have returned.
 */
public final class LuceneKnowledgeBase implements KnowledgeBase {

    /** Version of the index layout described above, recorded in the commit user data. */
    public static final String FORMAT_VERSION = "1";

    static final String FIELD_ID = "id";
    static final String FIELD_TEXT = "text";
    static final String FIELD_IMAGE = "image";
    static final String FIELD_CONTENT_HASH = "content_hash";
    static final String METADATA_PREFIX = "meta.";
    static final String FIELD_KEY_IMAGE = "key.image";
    static final String FIELD_KEY_TEXT = "key.text";

    static final String COMMIT_FORMAT = "jomed.kb.format";
    static final String COMMIT_IMAGE_ENCODER = "jomed.kb.encoder.image";
    static final String COMMIT_TEXT_ENCODER = "jomed.kb.encoder.text";
    static final String COMMIT_IMAGE_DIMENSION = "jomed.kb.dimension.image";
    static final String COMMIT_TEXT_DIMENSION = "jomed.kb.dimension.text";

    /** Largest allowed deviation of a key's L2 norm from 1. */
    static final double UNIT_NORM_TOLERANCE = 1e-3;

    private static final Logger LOG = LoggerFactory.getLogger(LuceneKnowledgeBase.class);

    private final Path path;
    private final Directory directory;
    private final ImageEncoder imageEncoder;
    private final TextEncoder textEncoder;
    private final EncoderFingerprint imageFingerprint;
    private final EncoderFingerprint textFingerprint;
    private final int ingestBatchSize;
    private final int overFetch;
    private final int minCandidates;
    private final int hnswMaxConn;
    private final int hnswBeamWidth;
    private final int hnswGraphThreshold;
    private final KeyQuantization keyQuantization;
    private final SegmentIds segmentIds = new SegmentIds(FIELD_ID);
    private final ReentrantLock writeLock = new ReentrantLock();
    private final SearcherManager searcherManager;
    private IndexWriter writer; // guarded by writeLock; null after a failed re-open
    private volatile boolean closed;

    private LuceneKnowledgeBase(Builder b, Directory directory) throws IOException {
        this.path = b.directory;
        this.directory = directory;
        this.imageEncoder = b.imageEncoder;
        this.textEncoder = b.textEncoder;
        this.imageFingerprint = b.imageEncoder.fingerprint();
        this.textFingerprint = b.textEncoder.fingerprint();
        this.ingestBatchSize = b.ingestBatchSize;
        this.overFetch = b.overFetch;
        this.minCandidates = b.minCandidates;
        this.hnswMaxConn = b.hnswMaxConn;
        this.hnswBeamWidth = b.hnswBeamWidth;
        this.hnswGraphThreshold = b.hnswGraphThreshold;
        this.keyQuantization = b.keyQuantization;
        this.writer = openWriter();
        try {
            if (DirectoryReader.indexExists(directory)) {
                checkCommitData(SegmentInfos.readLatestCommit(directory).getUserData());
            } else {
                writer.setLiveCommitData(commitData().entrySet());
                writer.commit();
                LOG.info("created knowledge base at {} (image encoder {}, text encoder {})", path, imageFingerprint,
                        textFingerprint);
            }
            this.searcherManager = new SearcherManager(directory, null);
        } catch (IOException | RuntimeException e) {
            try {
                writer.rollback();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** A builder; directory and both encoders are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The folder holding the index. */
    public Path directory() {
        return path;
    }

    // ------------------------------------------------------------------------------------------ writing

    @Override
    public IngestSummary ingest(Iterable<KnowledgeBaseCase> cases, ProgressListener listener) {
        Objects.requireNonNull(cases, "cases");
        Objects.requireNonNull(listener, "listener");
        long start = System.nanoTime();
        long total = cases instanceof Collection<?> c ? c.size() : 0;
        writeLock.lock();
        try {
            ensureOpen();
            IndexWriter w = writer();
            IndexSearcher searcher = searcherManager.acquire();
            Iterator<KnowledgeBaseCase> iterator = null;
            try {
                listener.checkCancelled("ingest");
                iterator = Objects.requireNonNull(cases.iterator(), "cases.iterator()");
                Set<String> seen = new HashSet<>();
                List<KnowledgeBaseCase> batch = new ArrayList<>(ingestBatchSize);
                int added = 0;
                int replaced = 0;
                long completed = 0;
                while (true) {
                    batch.clear();
                    while (batch.size() < ingestBatchSize && iterator.hasNext()) {
                        KnowledgeBaseCase c = iterator.next();
                        if (c == null) {
                            throw new IllegalArgumentException("ingest into " + path + ": case number "
                                    + (completed + batch.size() + 1) + " is null");
                        }
                        if (!seen.add(c.id())) {
                            throw new IllegalArgumentException("ingest into " + path + ": case " + c.id()
                                    + " appears more than once in this ingest; case ids must be unique");
                        }
                        batch.add(c);
                    }
                    if (batch.isEmpty()) {
                        break;
                    }
                    listener.checkCancelled("ingest");
                    List<Document> docs = toDocuments(batch);
                    for (int i = 0; i < batch.size(); i++) {
                        Term idTerm = new Term(FIELD_ID, batch.get(i).id());
                        if (searcher.count(new TermQuery(idTerm)) > 0) {
                            replaced++;
                        } else {
                            added++;
                        }
                        w.updateDocument(idTerm, docs.get(i));
                    }
                    completed += batch.size();
                    listener.onProgress(ProgressEvent.of("ingest", "ingest", completed, total, since(start)));
                }
                listener.checkCancelled("ingest");
                if (completed > 0) {
                    commit(w);
                }
                Duration elapsed = since(start);
                LOG.info("ingested {} cases into {} ({} added, {} replaced) in {} ms", completed, path, added, replaced,
                        elapsed.toMillis());
                return new IngestSummary(added, replaced, elapsed);
            } catch (Throwable t) {
                rollback(t);
                throw t;
            } finally {
                searcherManager.release(searcher);
                if (iterator instanceof AutoCloseable closeable) {
                    try {
                        closeable.close();
                    } catch (Exception e) {
                        LOG.warn("could not close the case iterator of an ingest into {}: {}", path, e.toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("ingest into knowledge base at " + path + " failed: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void upsert(KnowledgeBaseCase knowledgeBaseCase) {
        Objects.requireNonNull(knowledgeBaseCase, "knowledgeBaseCase");
        ingest(List.of(knowledgeBaseCase), ProgressListener.NONE);
    }

    @Override
    public boolean delete(String caseId) {
        Objects.requireNonNull(caseId, "caseId");
        writeLock.lock();
        try {
            ensureOpen();
            IndexWriter w = writer();
            Term idTerm = new Term(FIELD_ID, caseId);
            IndexSearcher searcher = searcherManager.acquire();
            try {
                if (searcher.count(new TermQuery(idTerm)) == 0) {
                    return false;
                }
            } finally {
                searcherManager.release(searcher);
            }
            try {
                w.deleteDocuments(idTerm);
                commit(w);
            } catch (Throwable t) {
                rollback(t);
                throw t;
            }
            LOG.info("deleted case {} from {}", caseId, path);
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("delete of case " + caseId + " from " + path + " failed: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    private void commit(IndexWriter w) throws IOException {
        w.setLiveCommitData(commitData().entrySet());
        w.commit();
        searcherManager.maybeRefreshBlocking();
    }

    /** Rolls the writer back to the last commit and opens a new one; failures are added to {@code cause}. */
    private void rollback(Throwable cause) {
        IndexWriter w = writer;
        writer = null;
        if (w != null) {
            try {
                w.rollback();
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
        try {
            writer = openWriter();
        } catch (IOException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    private IndexWriter writer() throws IOException {
        if (writer == null) {
            writer = openWriter();
        }
        return writer;
    }

    private IndexWriter openWriter() throws IOException {
        KnnVectorsFormat vectors = keyQuantization.format(hnswMaxConn, hnswBeamWidth,
                Lucene99HnswVectorsFormat.DEFAULT_NUM_MERGE_WORKER, null, hnswGraphThreshold);
        Codec codec = new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return vectors;
            }
        };
        IndexWriterConfig config = new IndexWriterConfig(new StandardAnalyzer())
                .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
                .setCodec(codec)
                .setCommitOnClose(false);
        try {
            return new IndexWriter(directory, config);
        } catch (LockObtainFailedException e) {
            throw new IllegalStateException("knowledge base at " + path
                    + " is already open for writing (its write.lock is held by another knowledge base or process)", e);
        }
    }

    private Map<String, String> commitData() {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(COMMIT_FORMAT, FORMAT_VERSION);
        data.put(COMMIT_IMAGE_ENCODER, imageFingerprint.toString());
        data.put(COMMIT_TEXT_ENCODER, textFingerprint.toString());
        data.put(COMMIT_IMAGE_DIMENSION, Integer.toString(imageFingerprint.dimension()));
        data.put(COMMIT_TEXT_DIMENSION, Integer.toString(textFingerprint.dimension()));
        return data;
    }

    private void checkCommitData(Map<String, String> data) {
        String format = data.get(COMMIT_FORMAT);
        if (format == null) {
            throw new IllegalStateException("the index at " + path
                    + " is not a jomed knowledge base: its commit data hold no " + COMMIT_FORMAT);
        }
        if (!format.equals(FORMAT_VERSION)) {
            throw new IllegalStateException("knowledge base at " + path + " has format version " + format
                    + ", this library reads version " + FORMAT_VERSION);
        }
        checkEncoder(RetrieverHead.IMAGE, data.get(COMMIT_IMAGE_ENCODER), imageFingerprint);
        checkEncoder(RetrieverHead.TEXT, data.get(COMMIT_TEXT_ENCODER), textFingerprint);
    }

    private void checkEncoder(RetrieverHead head, String stored, EncoderFingerprint given) {
        String what = head == RetrieverHead.IMAGE ? "image" : "text";
        if (stored == null) {
            throw new IllegalStateException("knowledge base at " + path + " records no " + what + " encoder fingerprint");
        }
        if (!stored.equals(given.toString())) {
            throw new IllegalStateException("knowledge base at " + path + " was built with " + what + " encoder "
                    + stored + ", but was opened with " + what + " encoder " + given
                    + "; keys of different encoders are not comparable: open it with the encoder that built it or build"
                    + " a new knowledge base");
        }
    }

    private List<Document> toDocuments(List<KnowledgeBaseCase> batch) {
        List<MedicalImage> images = new ArrayList<>(batch.size());
        List<String> texts = new ArrayList<>(batch.size());
        for (KnowledgeBaseCase c : batch) {
            images.add(c.image());
            texts.add(c.text());
        }
        float[][] imageKeys = encodeImages(images, batch);
        float[][] textKeys = encodeTexts(texts, batch);
        List<Document> docs = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            KnowledgeBaseCase c = batch.get(i);
            validateKey(imageKeys[i], c, RetrieverHead.IMAGE, imageFingerprint);
            validateKey(textKeys[i], c, RetrieverHead.TEXT, textFingerprint);
            docs.add(toDocument(c, imageKeys[i], textKeys[i]));
        }
        return docs;
    }

    private float[][] encodeImages(List<MedicalImage> images, List<KnowledgeBaseCase> batch) {
        checkFingerprintUnchanged(imageEncoder.fingerprint(), imageFingerprint, "image");
        float[][] keys;
        try {
            keys = imageEncoder.encode(images);
        } catch (IllegalArgumentException e) {
            throw culprit(e, batch, "image", imageFingerprint, i -> imageEncoder.encode(List.of(images.get(i))));
        }
        return checkBatchSize(keys, batch, "image", imageFingerprint);
    }

    private float[][] encodeTexts(List<String> texts, List<KnowledgeBaseCase> batch) {
        checkFingerprintUnchanged(textEncoder.fingerprint(), textFingerprint, "text");
        float[][] keys;
        try {
            keys = textEncoder.encode(texts);
        } catch (IllegalArgumentException e) {
            throw culprit(e, batch, "text", textFingerprint, i -> textEncoder.encode(List.of(texts.get(i))));
        }
        return checkBatchSize(keys, batch, "text", textFingerprint);
    }

    /**
     * After an encoder refused a batch, encodes its cases one by one to name the case it refuses; the
     * returned exception names that case, or the whole batch if no single case fails.
     */
    private static IllegalArgumentException culprit(IllegalArgumentException batchFailure, List<KnowledgeBaseCase> batch,
            String what, EncoderFingerprint encoder, java.util.function.IntConsumer encodeOne) {
        for (int i = 0; i < batch.size(); i++) {
            try {
                encodeOne.accept(i);
            } catch (IllegalArgumentException e) {
                return new IllegalArgumentException("case " + batch.get(i).id() + ": " + what + " encoder " + encoder
                        + " cannot encode it: " + e.getMessage(), e);
            }
        }
        return new IllegalArgumentException(what + " encoder " + encoder + " failed on the batch of cases "
                + batchRange(batch) + ": " + batchFailure.getMessage(), batchFailure);
    }

    private void checkFingerprintUnchanged(EncoderFingerprint now, EncoderFingerprint stored, String what) {
        if (!stored.equals(now)) {
            throw new IllegalStateException("the " + what + " encoder of knowledge base at " + path
                    + " now reports fingerprint " + now + ", but the knowledge base holds keys of " + stored
                    + "; ingests from other encoders are refused");
        }
    }

    private static float[][] checkBatchSize(float[][] keys, List<KnowledgeBaseCase> batch, String what,
            EncoderFingerprint encoder) {
        if (keys == null || keys.length != batch.size()) {
            throw new IllegalStateException(what + " encoder " + encoder + " returned "
                    + (keys == null ? "null" : keys.length + " keys") + " for " + batch.size() + " inputs (cases "
                    + batchRange(batch) + ")");
        }
        return keys;
    }

    private static String batchRange(List<KnowledgeBaseCase> batch) {
        return batch.size() == 1 ? batch.get(0).id() : batch.get(0).id() + " .. " + batch.get(batch.size() - 1).id();
    }

    /** Checks that a key has the encoder's dimension, is finite and has unit norm (within 1e-3). */
    static void validateKey(float[] key, KnowledgeBaseCase c, RetrieverHead head, EncoderFingerprint encoder) {
        String where = "case " + c.id() + ": " + head + " key from encoder " + encoder;
        if (key == null) {
            throw new IllegalArgumentException(where + " is null");
        }
        if (key.length != encoder.dimension()) {
            throw new IllegalArgumentException(where + " has dimension " + key.length + ", expected "
                    + encoder.dimension());
        }
        double norm = 0;
        for (int i = 0; i < key.length; i++) {
            if (!Float.isFinite(key[i])) {
                throw new IllegalArgumentException(where + " holds " + key[i] + " at index " + i);
            }
            norm += (double) key[i] * key[i];
        }
        norm = Math.sqrt(norm);
        if (Math.abs(norm - 1) > UNIT_NORM_TOLERANCE) {
            throw new IllegalArgumentException(where + " has L2 norm " + norm + ", expected 1 within "
                    + UNIT_NORM_TOLERANCE);
        }
    }

    private static Document toDocument(KnowledgeBaseCase c, float[] imageKey, float[] textKey) {
        Document doc = new Document();
        doc.add(new StringField(FIELD_ID, c.id(), Field.Store.YES));
        doc.add(new SortedDocValuesField(FIELD_ID, new BytesRef(c.id())));
        doc.add(new TextField(FIELD_TEXT, c.text(), Field.Store.YES));
        doc.add(new StoredField(FIELD_IMAGE, png(c)));
        doc.add(new StringField(FIELD_CONTENT_HASH, c.image().contentHash(), Field.Store.YES));
        c.metadata().forEach((k, v) -> doc.add(new StringField(METADATA_PREFIX + k, v, Field.Store.YES)));
        doc.add(new KnnFloatVectorField(FIELD_KEY_IMAGE, imageKey, VectorSimilarityFunction.DOT_PRODUCT));
        doc.add(new KnnFloatVectorField(FIELD_KEY_TEXT, textKey, VectorSimilarityFunction.DOT_PRODUCT));
        return doc;
    }

    private static byte[] png(KnowledgeBaseCase c) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(c.image().toBufferedImage(), "png", out)) {
                throw new IllegalStateException("this JVM has no PNG writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("case " + c.id() + ": image cannot be encoded as PNG", e);
        }
        return out.toByteArray();
    }

    // ------------------------------------------------------------------------------------------ reading

    @Override
    public Optional<KnowledgeBaseCase> find(String caseId) {
        Objects.requireNonNull(caseId, "caseId");
        return read(searcher -> {
            TopDocs top = searcher.search(new TermQuery(new Term(FIELD_ID, caseId)), 1);
            return top.scoreDocs.length == 0 ? Optional.empty() : Optional.of(loadCase(searcher, top.scoreDocs[0].doc));
        });
    }

    @Override
    public Optional<float[]> key(String caseId, RetrieverHead head) {
        Objects.requireNonNull(caseId, "caseId");
        Objects.requireNonNull(head, "head");
        return read(searcher -> {
            TopDocs top = searcher.search(new TermQuery(new Term(FIELD_ID, caseId)), 1);
            return top.scoreDocs.length == 0 ? Optional.empty()
                    : Optional.of(readKey(searcher, top.scoreDocs[0].doc, keyField(head)));
        });
    }

    @Override
    public int size() {
        return read(searcher -> searcher.getIndexReader().numDocs());
    }

    @Override
    public EncoderFingerprint keyEncoder(RetrieverHead head) {
        Objects.requireNonNull(head, "head");
        return head == RetrieverHead.IMAGE ? imageFingerprint : textFingerprint;
    }

    /** Ids of all cases of the last commit, ascending. */
    public List<String> ids() {
        return read(searcher -> {
            List<String> ids = new ArrayList<>(searcher.getIndexReader().numDocs());
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                Bits live = leaf.reader().getLiveDocs();
                SortedDocValues values = DocValues.getSorted(leaf.reader(), FIELD_ID);
                for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
                    if (live == null || live.get(doc)) {
                        ids.add(values.lookupOrd(values.ordValue()).utf8ToString());
                    }
                }
            }
            ids.sort(Comparator.naturalOrder());
            return List.copyOf(ids);
        });
    }

    /** An immutable snapshot of every (case id, key) pair of one head in the last commit, sorted by id. */
    public KeyMatrix keys(RetrieverHead head) {
        Objects.requireNonNull(head, "head");
        EncoderFingerprint encoder = keyEncoder(head);
        String field = keyField(head);
        return read(searcher -> {
            record Row(String id, float[] key) {
            }
            List<Row> rows = new ArrayList<>(searcher.getIndexReader().numDocs());
            for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
                Bits live = leaf.reader().getLiveDocs();
                SortedDocValues ids = DocValues.getSorted(leaf.reader(), FIELD_ID);
                FloatVectorValues vectors = leaf.reader().getFloatVectorValues(field);
                if (vectors == null) {
                    continue;
                }
                KnnVectorValues.DocIndexIterator it = vectors.iterator();
                for (int doc = it.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                    if (live != null && !live.get(doc)) {
                        continue;
                    }
                    rows.add(new Row(KeySearch.idOf(ids, doc), vectors.vectorValue(it.index()).clone()));
                }
            }
            rows.sort(Comparator.comparing(Row::id));
            int d = encoder.dimension();
            float[] data = new float[rows.size() * d];
            List<String> idList = new ArrayList<>(rows.size());
            for (int i = 0; i < rows.size(); i++) {
                idList.add(rows.get(i).id());
                System.arraycopy(rows.get(i).key(), 0, data, i * d, d);
            }
            return new KeyMatrix(head, encoder, idList, data);
        });
    }

    @Override
    public List<RetrievedCase> search(RetrieverHead head, QueryEmbedding query, RetrievalOptions options) {
        checkQuery(head, query, options);
        return read(searcher -> toRetrieved(searcher, head, approximate(searcher, head, query, options)));
    }

    /**
     * {@link #search} without loading the cases: the ids and exact raw scores of the best {@code k}, best first.
     * For callers that only rank (training loops); load a case with {@link #find} when it is needed.
     */
    public List<ScoredCaseId> searchIds(RetrieverHead head, QueryEmbedding query, RetrievalOptions options) {
        checkQuery(head, query, options);
        return read(searcher -> ids(approximate(searcher, head, query, options)));
    }

    private List<KeySearch.Hit> approximate(IndexSearcher searcher, RetrieverHead head, QueryEmbedding query,
            RetrievalOptions options) throws IOException {
        int k = options.kPerHead();
        checkNotEmpty(searcher);
        int candidates = (int) Math.min(Integer.MAX_VALUE, Math.max((long) overFetch * k, minCandidates));
        return KeySearch.approximate(searcher, keyField(head), segmentIds, query.vector(), candidates, filter(query, options), k);
    }

    private static List<ScoredCaseId> ids(List<KeySearch.Hit> scored) {
        return scored.stream().map(x -> new ScoredCaseId(x.id(), x.score())).toList();
    }

    /**
     * The exact answer to {@link #search}: scans every stored key of the head with the same exclusions and
     * filters and returns the {@code k} highest raw dot products (ties by ascending id). The ground truth
     * for the recall of the approximate search; cost grows linearly with the knowledge base.
     */
    public List<RetrievedCase> searchExact(RetrieverHead head, QueryEmbedding query, RetrievalOptions options) {
        checkQuery(head, query, options);
        return read(searcher -> toRetrieved(searcher, head, exact(searcher, head, query, options)));
    }

    /** {@link #searchExact} without loading the cases: ids and raw scores of the best {@code k}, best first. */
    public List<ScoredCaseId> searchExactIds(RetrieverHead head, QueryEmbedding query, RetrievalOptions options) {
        checkQuery(head, query, options);
        return read(searcher -> ids(exact(searcher, head, query, options)));
    }

    private List<KeySearch.Hit> exact(IndexSearcher searcher, RetrieverHead head, QueryEmbedding query,
            RetrievalOptions options) throws IOException {
        checkNotEmpty(searcher);
        return KeySearch.exact(searcher, keyField(head), segmentIds, query.vector(), filter(query, options), options.kPerHead());
    }

    private void checkQuery(RetrieverHead head, QueryEmbedding query, RetrievalOptions options) {
        Objects.requireNonNull(head, "head");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(options, "options");
        if (!query.imageEncoder().equals(imageFingerprint)) {
            throw new IllegalArgumentException("query embedding is built on image encoder " + query.imageEncoder()
                    + ", but knowledge base at " + path + " was built with image encoder " + imageFingerprint
                    + " (both heads embed the query image with towers on the frozen image encoder)");
        }
        EncoderFingerprint keys = keyEncoder(head);
        if (query.dimension() != keys.dimension()) {
            throw new IllegalArgumentException("query embedding has dimension " + query.dimension() + ", but the "
                    + head + " keys of knowledge base at " + path + " have dimension " + keys.dimension()
                    + " (encoder " + keys + ")");
        }
    }

    private void checkNotEmpty(IndexSearcher searcher) {
        if (searcher.getIndexReader().numDocs() == 0) {
            throw new IllegalStateException("knowledge base at " + path + " is empty: ingest cases first");
        }
    }

    /** The pre-filter of a search, or null when nothing is excluded or filtered. */
    private static Query filter(QueryEmbedding query, RetrievalOptions options) {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        boolean any = false;
        boolean positive = false;
        for (Map.Entry<String, String> f : options.filters().entrySet()) {
            b.add(new TermQuery(new Term(METADATA_PREFIX + f.getKey(), f.getValue())), BooleanClause.Occur.FILTER);
            any = true;
            positive = true;
        }
        if (options.excludeSameImage() && query.imageContentHash().isPresent()) {
            b.add(new TermQuery(new Term(FIELD_CONTENT_HASH, query.imageContentHash().get())),
                    BooleanClause.Occur.MUST_NOT);
            any = true;
        }
        if (options.excludeCaseId().isPresent()) {
            b.add(new TermQuery(new Term(FIELD_ID, options.excludeCaseId().get())), BooleanClause.Occur.MUST_NOT);
            any = true;
        }
        if (!any) {
            return null;
        }
        if (!positive) {
            b.add(MatchAllDocsQuery.INSTANCE, BooleanClause.Occur.FILTER);
        }
        return b.build();
    }

    private List<RetrievedCase> toRetrieved(IndexSearcher searcher, RetrieverHead head, List<KeySearch.Hit> top)
            throws IOException {
        List<RetrievedCase> out = new ArrayList<>(top.size());
        for (int i = 0; i < top.size(); i++) {
            KeySearch.Hit s = top.get(i);
            out.add(new RetrievedCase(loadCase(searcher, s.doc()), head, s.score(), i + 1));
        }
        return List.copyOf(out);
    }

    private KnowledgeBaseCase loadCase(IndexSearcher searcher, int doc) throws IOException {
        Document d = searcher.storedFields().document(doc);
        String id = d.get(FIELD_ID);
        BytesRef png = d.getBinaryValue(FIELD_IMAGE);
        if (id == null || png == null) {
            throw new IllegalStateException("knowledge base at " + path + ": document " + doc
                    + " lacks its id or image; the index is damaged");
        }
        KnowledgeBaseCase.Builder b = KnowledgeBaseCase.builder()
                .setId(id)
                .setImage(MedicalImage.decode(BytesRef.deepCopyOf(png).bytes, "knowledge base case " + id))
                .optText(Objects.requireNonNullElse(d.get(FIELD_TEXT), ""));
        for (IndexableField f : d.getFields()) {
            if (f.name().startsWith(METADATA_PREFIX)) {
                b.optMetadata(f.name().substring(METADATA_PREFIX.length()), f.stringValue());
            }
        }
        return b.build();
    }

    private float[] readKey(IndexSearcher searcher, int doc, String field) throws IOException {
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        return readKey(leaf, doc - leaf.docBase, field);
    }

    private float[] readKey(LeafReaderContext leaf, int localDoc, String field) throws IOException {
        FloatVectorValues vectors = leaf.reader().getFloatVectorValues(field);
        if (vectors != null) {
            KnnVectorValues.DocIndexIterator it = vectors.iterator();
            if (it.advance(localDoc) == localDoc) {
                return vectors.vectorValue(it.index()).clone();
            }
        }
        throw new IllegalStateException("knowledge base at " + path + ": a case lacks its " + field
                + " key; the index is damaged");
    }

    private static String keyField(RetrieverHead head) {
        return head == RetrieverHead.IMAGE ? FIELD_KEY_IMAGE : FIELD_KEY_TEXT;
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private <T> T read(SearcherWork<T> work) {
        ensureOpen();
        return SearcherWork.on(searcherManager, "knowledge base at " + path, work);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("knowledge base at " + path + " is closed");
        }
    }

    // ------------------------------------------------------------------------------------------ lifecycle

    /** Releases the index; uncommitted work is discarded (there is none between calls). Idempotent. */
    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOException failure = null;
            try {
                if (writer != null) {
                    writer.close();
                }
            } catch (IOException e) {
                failure = e;
            }
            writer = null;
            try {
                searcherManager.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            try {
                directory.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            if (failure != null) {
                throw new UncheckedIOException("closing knowledge base at " + path + " failed", failure);
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "LuceneKnowledgeBase[" + path + ", image encoder " + imageFingerprint + ", text encoder "
                + textFingerprint + "]";
    }

    /**
     * Builder for {@link LuceneKnowledgeBase}: {@code setX} for the required directory and encoders,
     * {@code optX} for the tuning knobs. {@link #build()} opens the index at the directory, or creates it.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private Path directory;
        private ImageEncoder imageEncoder;
        private TextEncoder textEncoder;
        private int ingestBatchSize = 64;
        private int overFetch = 2;
        private int minCandidates = 100;
        private int hnswMaxConn = Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN;
        private int hnswBeamWidth = Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH;
        private int hnswGraphThreshold = Lucene99HnswVectorsFormat.HNSW_GRAPH_THRESHOLD;
        private KeyQuantization keyQuantization = KeyQuantization.NONE;

        private Builder() {
        }

        /** Required: the folder of the index; created if missing. */
        public Builder setDirectory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Required: the frozen image key encoder {@code f0}; owned by the caller. */
        public Builder setImageEncoder(ImageEncoder imageEncoder) {
            this.imageEncoder = Objects.requireNonNull(imageEncoder, "imageEncoder");
            return this;
        }

        /** Required: the frozen text key encoder {@code g0}; owned by the caller. */
        public Builder setTextEncoder(TextEncoder textEncoder) {
            this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
            return this;
        }

        /** Cases encoded per encoder call during an ingest, 1 to 65,536; default 64. */
        public Builder optIngestBatchSize(int batchSize) {
            if (batchSize < 1 || batchSize > 65_536) {
                throw new IllegalArgumentException("ingestBatchSize must be in [1, 65536], got " + batchSize);
            }
            this.ingestBatchSize = batchSize;
            return this;
        }

        /**
         * Over-fetch factor of the approximate search: HNSW returns {@code factor * k} candidates, which are
         * then rescored exactly; 1 to 100, default 2.
         */
        public Builder optOverFetch(int factor) {
            if (factor < 1 || factor > 100) {
                throw new IllegalArgumentException("overFetch must be in [1, 100], got " + factor);
            }
            this.overFetch = factor;
            return this;
        }

        /**
         * Least number of HNSW candidates per search, whatever {@code k}: the size of the search queue
         * ({@code efSearch}), 1 to 10,000; default 100. Small {@code k} (2 per head at inference) with
         * over-fetch alone gives a queue too short for high recall; the extra candidates are rescored
         * exactly and cut back to {@code k}.
         */
        public Builder optMinCandidates(int minCandidates) {
            if (minCandidates < 1 || minCandidates > 10_000) {
                throw new IllegalArgumentException("minCandidates must be in [1, 10000], got " + minCandidates);
            }
            this.minCandidates = minCandidates;
            return this;
        }

        /** HNSW maximum connections per node, 1 to 512; default 16. Affects segments written from now on. */
        public Builder optHnswMaxConn(int maxConn) {
            if (maxConn < 1 || maxConn > Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN) {
                throw new IllegalArgumentException("hnswMaxConn must be in [1, "
                        + Lucene99HnswVectorsFormat.MAXIMUM_MAX_CONN + "], got " + maxConn);
            }
            this.hnswMaxConn = maxConn;
            return this;
        }

        /** HNSW beam width at index time, 1 to 3,200; default 100. Affects segments written from now on. */
        public Builder optHnswBeamWidth(int beamWidth) {
            if (beamWidth < 1 || beamWidth > Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH) {
                throw new IllegalArgumentException("hnswBeamWidth must be in [1, "
                        + Lucene99HnswVectorsFormat.MAXIMUM_BEAM_WIDTH + "], got " + beamWidth);
            }
            this.hnswBeamWidth = beamWidth;
            return this;
        }

        /**
         * Lucene's tiny-segment threshold, 0 to 10,000; default {@value Lucene99HnswVectorsFormat#HNSW_GRAPH_THRESHOLD}.
         * Lucene builds no HNSW graph for a segment where a graph search would visit fewer nodes than this
         * (with the default, segments up to about 650 keys) and scans such segments exhaustively, which is
         * exact. 0 always builds graphs. Affects segments written from now on.
         */
        public Builder optHnswGraphThreshold(int threshold) {
            if (threshold < 0 || threshold > 10_000) {
                throw new IllegalArgumentException("hnswGraphThreshold must be in [0, 10000], got " + threshold);
            }
            this.hnswGraphThreshold = threshold;
            return this;
        }

        /**
         * How the HNSW graphs store the keys they navigate by; default {@link KeyQuantization#NONE}. Applies to
         * segments written from now on (Lucene reads each segment with the format that wrote it); scores are
         * always exact, computed from the full-precision keys.
         */
        public Builder optKeyQuantization(KeyQuantization quantization) {
            this.keyQuantization = Objects.requireNonNull(quantization, "quantization");
            return this;
        }

        /**
         * Opens the knowledge base at the directory, or creates an empty one there.
         *
         * @throws IllegalStateException if a required setting is missing, the index was built with other
         *     encoders or another format, or another knowledge base holds the directory
         * @throws IllegalArgumentException if an encoder's dimension disagrees with its fingerprint, exceeds
         *     Lucene's vector limit, or the path is not a folder
         * @throws UncheckedIOException if the index cannot be read or created
         */
        public LuceneKnowledgeBase build() {
            if (directory == null) {
                throw new IllegalStateException("directory is required: call setDirectory");
            }
            if (imageEncoder == null) {
                throw new IllegalStateException("image encoder is required: call setImageEncoder");
            }
            if (textEncoder == null) {
                throw new IllegalStateException("text encoder is required: call setTextEncoder");
            }
            checkEncoder("image", imageEncoder.fingerprint(), imageEncoder.dimension());
            checkEncoder("text", textEncoder.fingerprint(), textEncoder.dimension());
            if (Files.exists(directory) && !Files.isDirectory(directory)) {
                throw new IllegalArgumentException("knowledge base directory " + directory + " is not a folder");
            }
            Directory dir = null;
            try {
                Files.createDirectories(directory);
                dir = FSDirectory.open(directory);
                return new LuceneKnowledgeBase(this, dir);
            } catch (IOException | RuntimeException e) {
                if (dir != null) {
                    try {
                        dir.close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                if (e instanceof IOException io) {
                    throw new UncheckedIOException("cannot open knowledge base at " + directory + ": " + io.getMessage(),
                            io);
                }
                throw (RuntimeException) e;
            }
        }

        private static void checkEncoder(String what, EncoderFingerprint fingerprint, int dimension) {
            Objects.requireNonNull(fingerprint, () -> what + " encoder fingerprint");
            if (dimension != fingerprint.dimension()) {
                throw new IllegalArgumentException(what + " encoder reports dimension " + dimension
                        + " but its fingerprint " + fingerprint + " says " + fingerprint.dimension());
            }
            int max = new Lucene99HnswVectorsFormat().getMaxDimensions(FIELD_KEY_IMAGE);
            if (dimension > max) {
                throw new IllegalArgumentException(what + " encoder dimension " + dimension
                        + " exceeds Lucene's vector limit of " + max);
            }
        }
    }
}
