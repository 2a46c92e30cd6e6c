package io.jomed.api.spi;

import io.jomed.api.retrieval.Retriever;

/**
 * Makes {@link Retriever}s by name; register implementations in
 * {@code META-INF/services/io.jomed.api.spi.RetrieverProvider}.
 *
 * <p>Providers are stateless factories and must be thread-safe.
 */
public interface RetrieverProvider extends NamedProvider<Retriever> {
}
