package io.jomed.api.reading;

import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.retrieval.Query;
import java.util.Objects;
import java.util.Optional;

/**
 * One reader call of method.md §1.2: the retrieved case (its image and report text) in context, then the
 * query image and the question. Without a case the reader runs closed-book.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param query the query image and optional question
 * @param context the retrieved case, or empty for closed-book reading
 */
public record ReaderInput(Query query, Optional<KnowledgeBaseCase> context) {
    public ReaderInput {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(context, "context");
    }

    public static ReaderInput withContext(Query query, KnowledgeBaseCase context) {
        return new ReaderInput(query, Optional.of(context));
    }

    public static ReaderInput closedBook(Query query) {
        return new ReaderInput(query, Optional.empty());
    }
}
