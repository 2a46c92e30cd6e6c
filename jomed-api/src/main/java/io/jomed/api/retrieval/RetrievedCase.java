package io.jomed.api.retrieval;

import io.jomed.api.kb.KnowledgeBaseCase;
import java.util.Objects;

/**
 * A knowledge-base case as one head retrieved it: the head, the raw dot-product score
 * {@code s = e_h . k_d} recomputed exactly from the stored key (not Lucene's {@code (1 + dot) / 2}),
 * and its 1-based rank within that head's list.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param knowledgeBaseCase the retrieved case
 * @param head the head that retrieved it
 * @param rawScore exact dot product of the head's query embedding and the case's key
 * @param rank 1-based rank within the head's list
 */
public record RetrievedCase(KnowledgeBaseCase knowledgeBaseCase, RetrieverHead head, double rawScore, int rank) {

    public RetrievedCase {
        Objects.requireNonNull(knowledgeBaseCase, "knowledgeBaseCase");
        Objects.requireNonNull(head, "head");
        if (!Double.isFinite(rawScore)) {
            throw new IllegalArgumentException("rawScore must be finite, got " + rawScore);
        }
        if (rank < 1) {
            throw new IllegalArgumentException("rank is 1-based, got " + rank);
        }
    }

    /** The case id, for convenience. */
    public String caseId() {
        return knowledgeBaseCase.id();
    }
}
