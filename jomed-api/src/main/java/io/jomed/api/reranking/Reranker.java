package io.jomed.api.reranking;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.retrieval.Query;
import java.util.List;
import java.util.Objects;

/**
 * Picks one item of a diagnosis's evidence (method.md §5.3). A reranker sees the query (image and optional
 * question) and the pipeline's {@link Diagnosis}: the fused answer and, per retrieved case, its head, rank, raw
 * score, fusion weight, the reader's label logits and predicted label. It never sees the gold label. The
 * reranked answer is the chosen item's {@link CasePrediction#predictedLabel()}; the oracle, which picks a right
 * item whenever there is one, bounds its accuracy from above.
 *
 * <p>Implement this interface for user-supplied rerankers (for example one that asks a large vision-language
 * model); register a {@link io.jomed.api.spi.RerankerProvider} to make one findable by name.
 *
 * <p>Implementations must be safe to call from many threads at once.
 */
public interface Reranker {

    /** A short name, unique among the rerankers compared in one report, for example {@code majority-vote}. */
    String name();

    /**
     * Picks one evidence item.
     *
     * @return the index of the chosen item in {@code diagnosis.evidence()}
     * @throws IllegalArgumentException if the diagnosis has no evidence
     */
    int select(Query query, Diagnosis diagnosis);

    /**
     * The chosen item's predicted label: {@code diagnosis.evidence().get(select(query, diagnosis)).predictedLabel()}.
     *
     * @throws IllegalStateException if {@link #select} returns an index outside the evidence
     */
    default String rerank(Query query, Diagnosis diagnosis) {
        List<CasePrediction> evidence = requireEvidence(query, diagnosis);
        int chosen = select(query, diagnosis);
        if (chosen < 0 || chosen >= evidence.size()) {
            throw new IllegalStateException("reranker " + name() + " chose item " + chosen + " of a diagnosis with "
                    + evidence.size() + " evidence items");
        }
        return evidence.get(chosen).predictedLabel();
    }

    /**
     * Checks the arguments of {@link #select}: both non-null and at least one evidence item.
     *
     * @return the evidence
     * @throws IllegalArgumentException if the diagnosis has no evidence
     */
    static List<CasePrediction> requireEvidence(Query query, Diagnosis diagnosis) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(diagnosis, "diagnosis");
        if (diagnosis.evidence().isEmpty()) {
            throw new IllegalArgumentException("cannot rerank a diagnosis without evidence (answer \"" + diagnosis.answer()
                    + "\"): a reranker picks one of the retrieved cases");
        }
        return diagnosis.evidence();
    }
}
