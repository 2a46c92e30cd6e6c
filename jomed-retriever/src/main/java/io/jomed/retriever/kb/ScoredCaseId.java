package io.jomed.retriever.kb;

import java.util.Objects;

/**
 * A search hit without its case: the case id and the exact raw score {@code e_h . k_d} (see
 * {@link LuceneKnowledgeBase#searchIds}).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param caseId the id of the case
 * @param rawScore the exact dot product of the query embedding and the case's key
 */
public record ScoredCaseId(String caseId, double rawScore) {
    public ScoredCaseId {
        Objects.requireNonNull(caseId, "caseId");
    }
}
