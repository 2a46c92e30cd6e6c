package io.jomed.training.phase2;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.Reader;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The frozen reader's label logits per (query, case) pair, computed once and reused: the reader does not change
 * in phase 2, so its output for a pair never changes and reusing it is exact. Missing pairs of one call are
 * scored in one batched reader call.
 *
 * <p>Not thread-safe: one training run uses it from one thread.
 */
final class ReaderScoreCache {
    private final Reader reader;
    private final boolean enabled;
    private final Map<String, float[]> logits = new HashMap<>();
    private long hits;
    private long misses;

    ReaderScoreCache(Reader reader, boolean enabled) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.enabled = enabled;
    }

    /**
     * The label logits of the query with each case in context, in case order.
     *
     * @param queryKey identifies the query (its example id)
     */
    float[][] logits(String queryKey, Query query, List<KnowledgeBaseCase> cases) {
        float[][] out = new float[cases.size()][];
        List<ReaderInput> missing = new ArrayList<>();
        List<Integer> missingAt = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            float[] cached = enabled ? logits.get(key(queryKey, cases.get(i).id())) : null;
            if (cached != null) {
                out[i] = cached;
                hits++;
            } else {
                missing.add(ReaderInput.withContext(query, cases.get(i)));
                missingAt.add(i);
            }
        }
        if (!missing.isEmpty()) {
            List<LabelLogits> scored = reader.score(missing);
            for (int j = 0; j < scored.size(); j++) {
                int i = missingAt.get(j);
                out[i] = scored.get(j).logits();
                if (enabled) {
                    logits.put(key(queryKey, cases.get(i).id()), out[i]);
                }
            }
            misses += missing.size();
        }
        return out;
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }

    int size() {
        return logits.size();
    }

    private static String key(String queryKey, String caseId) {
        return queryKey + '\u0000' + caseId;
    }
}
