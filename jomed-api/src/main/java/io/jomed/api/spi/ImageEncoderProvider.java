package io.jomed.api.spi;

import io.jomed.api.encoding.ImageEncoder;

/**
 * Makes {@link ImageEncoder}s by name; register implementations in
 * {@code META-INF/services/io.jomed.api.spi.ImageEncoderProvider}.
 *
 * <p>Providers are stateless factories and must be thread-safe.
 */
public interface ImageEncoderProvider extends NamedProvider<ImageEncoder> {
}
