package io.jomed.api.retrieval;

import java.util.List;

/**
 * Finds knowledge-base cases for a query. A dual-head retriever (method.md §1.1) returns each head's
 * own top {@code k}, image head first, then text head; scores of the two heads are never merged here.
 *
 * <p>Implementations must be safe to call from many threads at once; every implementation should pass
 * {@code io.jomed.api.retrieval.RetrieverContractTest} from the {@code jomed-api} test-jar.
 */
public interface Retriever extends AutoCloseable {

    /**
     * Retrieves up to {@code options.kPerHead()} cases per head, ordered by head ({@link #heads()}
     * order) and then by rank. Fewer come back only when the knowledge base holds fewer matching cases.
     *
     * @throws IllegalStateException if the knowledge base is empty
     */
    List<RetrievedCase> retrieve(Query query, RetrievalOptions options);

    /**
     * Retrieves for many queries; the result holds one list per query, each as
     * {@link #retrieve(Query, RetrievalOptions)} returns it. The default calls that method per query;
     * implementations override it to encode all query images in one batch.
     */
    default List<List<RetrievedCase>> retrieve(List<Query> queries, RetrievalOptions options) {
        java.util.Objects.requireNonNull(queries, "queries");
        List<List<RetrievedCase>> out = new java.util.ArrayList<>(queries.size());
        for (Query q : queries) {
            out.add(retrieve(q, options));
        }
        return out;
    }

    /** As {@link #retrieve(Query, RetrievalOptions)} with {@link RetrievalOptions#DEFAULT}. */
    default List<RetrievedCase> retrieve(Query query) {
        return retrieve(query, RetrievalOptions.DEFAULT);
    }

    /** The heads this retriever searches, in the order their results are returned. */
    List<RetrieverHead> heads();

    /** Releases native memory and index handles. Idempotent. */
    @Override
    void close();
}
