package io.jomed.retriever.kb;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.search.AcceptDocs;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.Weight;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.VectorUtil;

/**
 * The key search shared by {@link LuceneKnowledgeBase} and {@link LuceneKeyIndex}: Lucene's HNSW search over a
 * unit copy of the query followed by exact rescoring of the candidates with the raw query, and an exhaustive
 * scan. Scores are {@code s = e . k} in double precision; ties go to the smaller id.
 *
 * <p>Stateless; every method works on the searcher it is given, so calls are thread-safe.
 */
final class KeySearch {

    /**
     * The exhaustive scan keeps this many candidates beyond {@code k} by the SIMD float score before rescoring
     * them in double precision, so that float rounding cannot push a true top-k key out.
     */
    static final int EXACT_SCAN_MARGIN = 16;

    private KeySearch() {
    }

    /** A key with its exact score; ordered by score descending, then id ascending. */
    record Hit(int doc, double score, String id) {
        static final Comparator<Hit> ORDER = Comparator.comparingDouble(Hit::score).reversed().thenComparing(Hit::id);
    }

    /**
     * HNSW search for {@code candidates} keys, exact rescoring, the best {@code k}.
     *
     * @param query the raw query (any norm); the graph is searched with its unit copy
     * @param filter a pre-filter, or null
     */
    static List<Hit> approximate(IndexSearcher searcher, String field, SegmentIds ids, float[] query, int candidates,
            Query filter, int k) throws IOException {
        float[] unit = unitCopy(query);
        ScoreDoc[] hits;
        if (filter == null) {
            hits = graphSearch(searcher, field, unit, candidates);
        } else {
            hits = searcher.search(new KnnFloatVectorQuery(field, unit, candidates, filter), candidates).scoreDocs.clone();
        }
        return rescore(searcher, field, ids, query, hits, k);
    }

    /**
     * Without a filter, each segment's graph is searched directly (live documents only) and the best
     * {@code candidates} over all segments kept: the same hits as a {@link KnnFloatVectorQuery}, without building
     * and running the rewritten query.
     */
    private static ScoreDoc[] graphSearch(IndexSearcher searcher, String field, float[] unit, int candidates)
            throws IOException {
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        if (leaves.size() == 1) {
            LeafReaderContext leaf = leaves.get(0);
            return leaf.reader().searchNearestVectors(field, unit, candidates,
                    AcceptDocs.fromLiveDocs(leaf.reader().getLiveDocs(), leaf.reader().maxDoc()), Integer.MAX_VALUE).scoreDocs;
        }
        List<ScoreDoc> all = new ArrayList<>();
        for (LeafReaderContext leaf : leaves) {
            TopDocs top = leaf.reader().searchNearestVectors(field, unit, candidates,
                    AcceptDocs.fromLiveDocs(leaf.reader().getLiveDocs(), leaf.reader().maxDoc()), Integer.MAX_VALUE);
            for (ScoreDoc hit : top.scoreDocs) {
                all.add(new ScoreDoc(leaf.docBase + hit.doc, hit.score));
            }
        }
        all.sort(Comparator.comparingDouble((ScoreDoc h) -> h.score).reversed().thenComparingInt(h -> h.doc));
        return all.subList(0, Math.min(candidates, all.size())).toArray(ScoreDoc[]::new);
    }

    /**
     * The exact best {@code k} among the live keys that match {@code filter} (all when null): a scan with Lucene's
     * SIMD float dot product over the full-precision keys, the best {@code k + margin} rescored in double precision.
     */
    static List<Hit> exact(IndexSearcher searcher, String field, SegmentIds ids, float[] query, Query filter, int k)
            throws IOException {
        float[] unit = unitCopy(query);
        int keep = k + Math.max(k, EXACT_SCAN_MARGIN);
        Weight weight = filter == null ? null
                : searcher.createWeight(searcher.rewrite(filter), ScoreMode.COMPLETE_NO_SCORES, 1f);
        record Candidate(int doc, float score) {
        }
        // Min-heap on the float score (ties: larger doc first out), holding the best `keep`.
        PriorityQueue<Candidate> best = new PriorityQueue<>(keep + 1,
                Comparator.comparingDouble(Candidate::score).thenComparing(Candidate::doc, Comparator.reverseOrder()));
        for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
            FloatVectorValues vectors = leaf.reader().getFloatVectorValues(field);
            if (vectors == null) {
                continue;
            }
            // The raw float keys, never a quantized scorer: with a quantized graph, vectors.scorer() scores the
            // quantized copy, whose error could push a true top-k key beyond the margin.
            KnnVectorValues.DocIndexIterator keys = vectors.iterator();
            DocIdSetIterator docs = keys;
            if (weight != null) {
                Scorer matches = weight.scorer(leaf);
                if (matches == null) {
                    continue;
                }
                docs = matches.iterator();
            }
            Bits live = leaf.reader().getLiveDocs();
            for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
                if (docs != keys) { // filtered: position the key iterator on the matching document
                    int keyDoc = keys.docID() < doc ? keys.advance(doc) : keys.docID();
                    if (keyDoc == DocIdSetIterator.NO_MORE_DOCS) {
                        break;
                    }
                    if (keyDoc != doc) {
                        continue;
                    }
                }
                if (live != null && !live.get(doc)) {
                    continue;
                }
                float s = VectorUtil.dotProduct(unit, vectors.vectorValue(keys.index()));
                if (best.size() == keep && s < best.peek().score()) {
                    continue;
                }
                best.add(new Candidate(leaf.docBase + doc, s));
                if (best.size() > keep) {
                    best.poll();
                }
            }
        }
        ScoreDoc[] survivors = best.stream().map(c -> new ScoreDoc(c.doc(), c.score())).toArray(ScoreDoc[]::new);
        return rescore(searcher, field, ids, query, survivors, k);
    }

    /** Exact scores of the given documents, best {@code k} first. */
    private static List<Hit> rescore(IndexSearcher searcher, String field, SegmentIds ids, float[] query, ScoreDoc[] hits,
            int k) throws IOException {
        // Ascending doc order lets one vector iterator and one id iterator per segment walk forward only.
        java.util.Arrays.sort(hits, Comparator.comparingInt(h -> h.doc));
        List<Hit> scored = new ArrayList<>(hits.length);
        List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
        int i = 0;
        while (i < hits.length) {
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(hits[i].doc, leaves));
            int end = leaf.docBase + leaf.reader().maxDoc();
            FloatVectorValues vectors = leaf.reader().getFloatVectorValues(field);
            KnnVectorValues.DocIndexIterator keys = vectors == null ? null : vectors.iterator();
            String[] segmentIds = ids.of(leaf);
            for (; i < hits.length && hits[i].doc < end; i++) {
                int local = hits[i].doc - leaf.docBase;
                if (keys == null || keys.advance(local) != local) {
                    throw new IllegalStateException("a document lacks its " + field + " key; the index is damaged");
                }
                if (segmentIds[local] == null) {
                    throw new IllegalStateException("a document lacks its id doc value; the index is damaged");
                }
                scored.add(new Hit(hits[i].doc, dot(query, vectors.vectorValue(keys.index())), segmentIds[local]));
            }
        }
        scored.sort(Hit.ORDER);
        return scored.subList(0, Math.min(k, scored.size()));
    }

    /** {@code a . b} in double precision. */
    static double dot(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("key has dimension " + b.length + ", query " + a.length);
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    static float[] unitCopy(float[] v) {
        return VectorUtil.l2normalize(v.clone());
    }

    static String idOf(SortedDocValues ids, int localDoc) throws IOException {
        if (!ids.advanceExact(localDoc)) {
            throw new IllegalStateException("a document lacks its id doc value; the index is damaged");
        }
        return ids.lookupOrd(ids.ordValue()).utf8ToString();
    }
}
