package io.jomed.retriever.kb;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.DocIdSetIterator;

/**
 * The ids of each segment's documents, read once from the sorted doc values of the id field and kept on the heap
 * (about 50 bytes per document) until Lucene closes the segment. A search then names its hits with an array read
 * instead of building a doc-values iterator and looking up terms per query, which profiling showed cost more than
 * a quarter of a 100k-key HNSW search.
 *
 * <p>Thread-safe: segments may be loaded concurrently (a race loads a segment twice and keeps one copy).
 */
final class SegmentIds {
    private final String idField;
    private final Map<IndexReader.CacheKey, String[]> bySegment = new ConcurrentHashMap<>();

    SegmentIds(String idField) {
        this.idField = idField;
    }

    /** The id of every document of the segment by its segment-local doc id; null where a document has none. */
    String[] of(LeafReaderContext leaf) throws IOException {
        IndexReader.CacheHelper helper = leaf.reader().getCoreCacheHelper();
        if (helper == null) {
            return load(leaf);
        }
        IndexReader.CacheKey key = helper.getKey();
        String[] ids = bySegment.get(key);
        if (ids == null) {
            ids = load(leaf);
            if (bySegment.putIfAbsent(key, ids) == null) {
                helper.addClosedListener(bySegment::remove);
            } else {
                ids = bySegment.get(key);
            }
        }
        return ids;
    }

    /** The id of one document, or an {@link IllegalStateException} naming the damage. */
    String id(LeafReaderContext leaf, int localDoc) throws IOException {
        String id = of(leaf)[localDoc];
        if (id == null) {
            throw new IllegalStateException("a document lacks its id doc value; the index is damaged");
        }
        return id;
    }

    /** Segments held; for tests. */
    int segments() {
        return bySegment.size();
    }

    private String[] load(LeafReaderContext leaf) throws IOException {
        String[] ids = new String[leaf.reader().maxDoc()];
        SortedDocValues values = DocValues.getSorted(leaf.reader(), idField);
        for (int doc = values.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
            ids[doc] = values.lookupOrd(values.ordValue()).utf8ToString();
        }
        return ids;
    }
}
