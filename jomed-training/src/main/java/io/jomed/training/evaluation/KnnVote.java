package io.jomed.training.evaluation;

import io.jomed.api.retrieval.RetrievedCase;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The retrieval-only baseline: a majority vote over the labels of the top {@code k} retrieved cases,
 * read from a metadata key (method.md §6, "k-NN majority vote over retrieved items' labels where the KB
 * carries labels"). Ties go to the label with the larger summed raw score, then to the label of the
 * better-ranked case.
 *
 * <p>Immutable and thread-safe.
 */
public final class KnnVote {
    private final String labelKey;

    /** @param labelKey the metadata key holding each case's label, for example {@code label} */
    public KnnVote(String labelKey) {
        this.labelKey = Objects.requireNonNull(labelKey, "labelKey");
    }

    /**
     * Votes over the first {@code k} cases of a ranked list (one head's results, best first).
     *
     * @return the winning label, or empty for an empty list
     * @throws IllegalArgumentException if a case has no label metadata
     */
    public Optional<String> vote(List<RetrievedCase> ranked, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        Map<String, int[]> votes = new LinkedHashMap<>();
        Map<String, Double> scores = new LinkedHashMap<>();
        for (RetrievedCase c : ranked.subList(0, Math.min(k, ranked.size()))) {
            String label = c.knowledgeBaseCase().metadata(labelKey).orElseThrow(() -> new IllegalArgumentException(
                    "case " + c.caseId() + " has no metadata \"" + labelKey + "\" to vote with"));
            votes.computeIfAbsent(label, l -> new int[1])[0]++;
            scores.merge(label, c.rawScore(), Double::sum);
        }
        String best = null;
        for (String label : votes.keySet()) {
            if (best == null || votes.get(label)[0] > votes.get(best)[0]
                    || votes.get(label)[0] == votes.get(best)[0] && scores.get(label) > scores.get(best)) {
                best = label;
            }
        }
        return Optional.ofNullable(best);
    }
}
