package io.jomed.api.reranking;

import io.jomed.api.spi.ProviderConfig;
import io.jomed.api.spi.RerankerProvider;
import java.util.Objects;

/**
 * Provides {@link ReaderConfidenceReranker} under the name {@value ReaderConfidenceReranker#NAME}; it reads no
 * settings.
 *
 * <p>Stateless and thread-safe.
 */
public final class ReaderConfidenceRerankerProvider implements RerankerProvider {
    @Override
    public String name() {
        return ReaderConfidenceReranker.NAME;
    }

    @Override
    public String description() {
        return "the item with the highest reader confidence max_l p(l | x, t, d); no settings";
    }

    @Override
    public Reranker create(ProviderConfig config) {
        Objects.requireNonNull(config, "config");
        return new ReaderConfidenceReranker();
    }
}
