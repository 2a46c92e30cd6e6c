package io.jomed.api.spi;

import io.jomed.api.reranking.Reranker;

/**
 * Makes {@link Reranker}s by name; register implementations in
 * {@code META-INF/services/io.jomed.api.spi.RerankerProvider}. The built-in ones are {@code top-ranked},
 * {@code reader-confidence} and {@code majority-vote}.
 *
 * <p>Providers are stateless factories and must be thread-safe.
 */
public interface RerankerProvider extends NamedProvider<Reranker> {
}
