package io.jomed.api.spi;

import io.jomed.api.encoding.TextEncoder;

/**
 * Makes {@link TextEncoder}s by name; register implementations in
 * {@code META-INF/services/io.jomed.api.spi.TextEncoderProvider}.
 *
 * <p>Providers are stateless factories and must be thread-safe.
 */
public interface TextEncoderProvider extends NamedProvider<TextEncoder> {
}
