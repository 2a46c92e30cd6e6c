package io.jomed.api.spi;

import io.jomed.api.reading.Reader;

/**
 * Makes {@link Reader}s by name; register implementations in
 * {@code META-INF/services/io.jomed.api.spi.ReaderProvider}.
 *
 * <p>Providers are stateless factories and must be thread-safe.
 */
public interface ReaderProvider extends NamedProvider<Reader> {
}
