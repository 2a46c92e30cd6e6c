package io.jomed.api.testing;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A minimal exact retriever for tests of the API itself: one image head scoring cosine similarity of
 * mean-centred pixels (images must share one shape). It exists to check that the contract suite and the
 * pipeline work against the API alone; the library's own retriever lives in {@code jomed-retriever}.
 *
 * <p>Immutable and thread-safe.
 */
public final class PixelCosineRetriever implements Retriever {
    private final List<KnowledgeBaseCase> cases;
    private final List<float[]> keys;

    public PixelCosineRetriever(List<KnowledgeBaseCase> cases) {
        this.cases = List.copyOf(cases);
        this.keys = this.cases.stream().map(c -> centredUnit(c.image().pixels())).toList();
    }

    static float[] centredUnit(byte[] pixels) {
        double mean = 0;
        for (byte b : pixels) {
            mean += b & 0xFF;
        }
        mean /= pixels.length;
        float[] v = new float[pixels.length];
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((pixels[i] & 0xFF) - mean);
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(Math.max(norm, 1e-12)));
        for (int i = 0; i < v.length; i++) {
            v[i] *= inv;
        }
        return v;
    }

    @Override
    public List<RetrievedCase> retrieve(Query query, RetrievalOptions options) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(options, "options");
        if (cases.isEmpty()) {
            throw new IllegalStateException("knowledge base is empty: ingest cases first");
        }
        float[] q = centredUnit(query.image().pixels());
        String hash = query.image().contentHash();
        record Scored(KnowledgeBaseCase c, double s) { }
        List<Scored> scored = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            KnowledgeBaseCase c = cases.get(i);
            if (options.excludeSameImage() && c.image().contentHash().equals(hash)) {
                continue;
            }
            if (options.excludeCaseId().map(c.id()::equals).orElse(false)) {
                continue;
            }
            boolean matches = true;
            for (Map.Entry<String, String> f : options.filters().entrySet()) {
                matches &= f.getValue().equals(c.metadata().get(f.getKey()));
            }
            if (!matches) {
                continue;
            }
            double s = 0;
            float[] k = keys.get(i);
            for (int j = 0; j < k.length; j++) {
                s += (double) q[j] * k[j];
            }
            scored.add(new Scored(c, s));
        }
        scored.sort(Comparator.comparingDouble(Scored::s).reversed().thenComparing(x -> x.c().id()));
        List<RetrievedCase> out = new ArrayList<>();
        for (int i = 0; i < Math.min(options.kPerHead(), scored.size()); i++) {
            out.add(new RetrievedCase(scored.get(i).c(), RetrieverHead.IMAGE, scored.get(i).s(), i + 1));
        }
        return out;
    }

    @Override
    public List<RetrieverHead> heads() {
        return List.of(RetrieverHead.IMAGE);
    }

    @Override
    public void close() {
    }
}
