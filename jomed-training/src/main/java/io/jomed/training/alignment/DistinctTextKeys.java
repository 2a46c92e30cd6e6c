package io.jomed.training.alignment;

import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.kb.KnowledgeBaseCase;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Encodes each distinct report text once with the frozen text encoder {@code g0} and pairs every case's image
 * with its report's key, the input of {@link ImageTowerAlignment}. MedMNIST reports repeat (one per class), so
 * this encodes a handful of texts instead of one per case.
 *
 * <p>Immutable and thread-safe.
 */
public final class DistinctTextKeys {
    private final Map<String, float[]> keys;

    private DistinctTextKeys(Map<String, float[]> keys) {
        this.keys = keys;
    }

    /** Encodes the distinct texts of all given cases. */
    @SafeVarargs
    public static DistinctTextKeys encode(TextEncoder g0, List<KnowledgeBaseCase>... caseLists) {
        Objects.requireNonNull(g0, "g0");
        LinkedHashSet<String> distinct = new LinkedHashSet<>();
        for (List<KnowledgeBaseCase> cases : caseLists) {
            cases.forEach(c -> distinct.add(c.text()));
        }
        List<String> texts = List.copyOf(distinct);
        float[][] k = g0.encode(texts);
        Map<String, float[]> out = new HashMap<>();
        for (int i = 0; i < texts.size(); i++) {
            out.put(texts.get(i), k[i]);
        }
        return new DistinctTextKeys(out);
    }

    /**
     * One alignment pair per case: its image with its report's key.
     *
     * @throws IllegalArgumentException if a case's text was not among those encoded
     */
    public List<AlignmentPair> pairs(List<KnowledgeBaseCase> cases) {
        return cases.stream().map(c -> {
            float[] key = keys.get(c.text());
            if (key == null) {
                throw new IllegalArgumentException("case " + c.id() + ": its report was not encoded by this DistinctTextKeys");
            }
            return new AlignmentPair(c.image(), key);
        }).toList();
    }
}
