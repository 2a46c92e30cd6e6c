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
import java.util.function.Function;

/**
 * The frozen reader's label logits per (query, case) pair, computed once and reused: the reader does not change
 * in phase 2, so its output for a pair never changes and reusing it is exact. The missing pairs of a step are
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
     * The label logits of each query with each of its cases in context; all pairs not seen before are scored in
     * one batched reader call.
     *
     * @param queryKeys identify the queries (their example ids)
     * @param queries the queries, same order
     * @param caseIds each query's case ids, same order
     * @param cases loads a case by id; called only for pairs not seen before
     * @return per query, per case, the label logits
     */
    float[][][] logits(List<String> queryKeys, List<Query> queries, List<List<String>> caseIds,
            Function<String, KnowledgeBaseCase> cases) {
        float[][][] out = new float[queries.size()][][];
        List<ReaderInput> missing = new ArrayList<>();
        List<int[]> missingAt = new ArrayList<>();
        for (int q = 0; q < queries.size(); q++) {
            List<String> list = caseIds.get(q);
            out[q] = new float[list.size()][];
            for (int i = 0; i < list.size(); i++) {
                float[] cached = enabled ? logits.get(key(queryKeys.get(q), list.get(i))) : null;
                if (cached != null) {
                    out[q][i] = cached;
                    hits++;
                } else {
                    missing.add(ReaderInput.withContext(queries.get(q), cases.apply(list.get(i))));
                    missingAt.add(new int[] {q, i});
                }
            }
        }
        if (!missing.isEmpty()) {
            List<LabelLogits> scored = reader.score(missing);
            for (int j = 0; j < scored.size(); j++) {
                int q = missingAt.get(j)[0];
                int i = missingAt.get(j)[1];
                out[q][i] = scored.get(j).logits();
                if (enabled) {
                    logits.put(key(queryKeys.get(q), caseIds.get(q).get(i)), out[q][i]);
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
