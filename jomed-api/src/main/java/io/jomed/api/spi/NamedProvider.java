package io.jomed.api.spi;

/**
 * A pluggable part found by name through {@link java.util.ServiceLoader}, as Lucene finds codecs: an
 * implementation registers its provider in {@code META-INF/services/<provider interface>} and users ask
 * {@link Providers} for it by {@link #name()}.
 *
 * <p>Providers are stateless factories and must be thread-safe.
 *
 * @param <T> what the provider makes
 */
public interface NamedProvider<T> {

    /** The name users ask for: lower case, digits and {@code -}, unique per provider interface. */
    String name();

    /** One line on what the part is and which settings it reads. */
    String description();

    /**
     * Makes the part.
     *
     * @throws IllegalArgumentException naming the setting if the configuration is incomplete or invalid
     */
    T create(ProviderConfig config);
}
