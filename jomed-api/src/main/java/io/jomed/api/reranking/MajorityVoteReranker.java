package io.jomed.api.reranking;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.retrieval.Query;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Majority vote over the items' predicted labels (method.md §5.3). The label predicted by most items wins; on
 * a tie the fused answer wins if it is among the tied labels, else the tied label predicted by the earliest
 * item. The chosen item is the earliest item predicting the winning label. Every label string counts as a
 * value, an invalid marker too. Named {@value #NAME}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class MajorityVoteReranker implements Reranker {
    /** The reranker's name. */
    public static final String NAME = "majority-vote";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int select(Query query, Diagnosis diagnosis) {
        List<CasePrediction> evidence = Reranker.requireEvidence(query, diagnosis);
        // label -> votes, in order of each label's first item
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (CasePrediction c : evidence) {
            votes.merge(c.predictedLabel(), 1, Integer::sum);
        }
        int most = votes.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        String winner = null;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() == most) {
                if (e.getKey().equals(diagnosis.answer())) {
                    winner = e.getKey();
                    break;
                }
                if (winner == null) {
                    winner = e.getKey();
                }
            }
        }
        for (int i = 0; i < evidence.size(); i++) {
            if (evidence.get(i).predictedLabel().equals(winner)) {
                return i;
            }
        }
        throw new AssertionError("the winning label " + winner + " has no item");
    }

    @Override
    public String toString() {
        return "MajorityVoteReranker";
    }
}
