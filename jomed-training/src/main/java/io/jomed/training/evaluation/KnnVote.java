package io.jomed.training.evaluation;

import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.ArrayList;
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
    private static final int[] CANDIDATE_KS = {1, 3, 5, 10, 15, 20, 30, 50, 80};

    private final String labelKey;

    /**
     * The k values among which the evaluations choose ({@link KnnKSelection}): 1, 3, 5, 10, 15, 20, 30, 50, 80 (large
     * k suit datasets whose classes overlap, such as RetinaMNIST's grades). A new array on every call.
     */
    public static int[] candidateKs() {
        return CANDIDATE_KS.clone();
    }

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

    /**
     * Accuracy of the vote for each {@code k} over many queries.
     *
     * @param ranked one ranked list per query (one head's results, best first)
     * @param gold the gold label of each query
     * @return k to accuracy, in the order of {@code ks}
     */
    public Map<Integer, Double> accuracyByK(List<List<RetrievedCase>> ranked, List<String> gold, int... ks) {
        if (ranked.size() != gold.size() || ranked.isEmpty() || ks.length == 0) {
            throw new IllegalArgumentException("need one gold label per ranked list, at least one query and one k; got "
                    + ranked.size() + " lists, " + gold.size() + " labels, " + ks.length + " ks");
        }
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (int k : ks) {
            out.put(k, accuracy(predictions(ranked, k), gold));
        }
        return out;
    }

    /**
     * The share of votes equal to their gold label.
     *
     * @throws IllegalArgumentException if the lists differ in length or are empty
     */
    public static double accuracy(List<String> predicted, List<String> gold) {
        if (predicted.size() != gold.size() || gold.isEmpty()) {
            throw new IllegalArgumentException("need one vote per gold label and at least one, got " + predicted.size()
                    + " votes and " + gold.size() + " labels");
        }
        int correct = 0;
        for (int q = 0; q < gold.size(); q++) {
            correct += predicted.get(q).equals(gold.get(q)) ? 1 : 0;
        }
        return (double) correct / gold.size();
    }

    /**
     * The vote over the first {@code k} cases of each ranked list, in the order of the lists; an empty string stands
     * for an empty list.
     *
     * @param ranked one ranked list per query (one head's results, best first)
     * @throws IllegalArgumentException if {@code k} is below 1 or a case has no label metadata
     */
    public List<String> predictions(List<List<RetrievedCase>> ranked, int k) {
        List<String> out = new ArrayList<>(ranked.size());
        for (List<RetrievedCase> list : ranked) {
            out.add(vote(list, k).orElse(""));
        }
        return List.copyOf(out);
    }

    /**
     * Each query's cases of one head, in their rank order: what {@link #accuracyByK} and {@link #predictions} vote over
     * when a retriever returns both heads' cases in one list.
     */
    public static List<List<RetrievedCase>> oneHead(List<List<RetrievedCase>> results, RetrieverHead head) {
        Objects.requireNonNull(head, "head");
        return results.stream().map(r -> r.stream().filter(c -> c.head() == head).toList()).toList();
    }

    /** The {@code k} with the highest accuracy; ties go to the smaller {@code k}. */
    public static int bestK(Map<Integer, Double> accuracyByK) {
        int best = -1;
        for (Map.Entry<Integer, Double> e : accuracyByK.entrySet()) {
            double a = e.getValue();
            if (best < 0 || a > accuracyByK.get(best) || a == accuracyByK.get(best) && e.getKey() < best) {
                best = e.getKey();
            }
        }
        if (best < 0) {
            throw new IllegalArgumentException("no k to choose from");
        }
        return best;
    }
}
