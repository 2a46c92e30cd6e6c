package io.jomed.reader.input;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.jomed.api.encoding.TextEncoder;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashMap;

/**
 * A bounded cache of frozen text embeddings keyed by the exact string: reports and task questions repeat a
 * lot, so each distinct text is encoded once. Misses of one batch are encoded in a single encoder call.
 *
 * <p>Thread-safe: concurrent misses of the same text may encode it twice, which is harmless because the
 * encoder is frozen.
 */
final class TextEmbeddingCache {
    private final TextEncoder encoder;
    private final int dimension;
    private final Cache<String, float[]> cache;

    TextEmbeddingCache(TextEncoder encoder, int dimension, long maximumSize) {
        this.encoder = encoder;
        this.dimension = dimension;
        this.cache = CacheBuilder.newBuilder().maximumSize(maximumSize).build();
    }

    /** Embeddings of every text, in a map that holds each distinct text once. */
    Map<String, float[]> embed(Set<String> texts) {
        Map<String, float[]> out = new HashMap<>();
        List<String> missing = new ArrayList<>();
        for (String t : new LinkedHashSet<>(texts)) {
            float[] v = cache.getIfPresent(t);
            if (v == null) {
                missing.add(t);
            } else {
                out.put(t, v);
            }
        }
        if (!missing.isEmpty()) {
            float[][] vectors = encoder.encode(missing);
            if (vectors.length != missing.size()) {
                throw new IllegalStateException("text encoder " + encoder.fingerprint() + " returned " + vectors.length
                        + " vectors for " + missing.size() + " texts");
            }
            for (int i = 0; i < vectors.length; i++) {
                if (vectors[i] == null || vectors[i].length != dimension) {
                    throw new IllegalStateException("text encoder " + encoder.fingerprint() + " returned a vector of dimension "
                            + (vectors[i] == null ? "null" : vectors[i].length) + " for text " + i + " of the batch; the reader expects "
                            + dimension);
                }
                float[] copy = vectors[i].clone();
                cache.put(missing.get(i), copy);
                out.put(missing.get(i), copy);
            }
        }
        return out;
    }

    long size() {
        return cache.size();
    }
}
