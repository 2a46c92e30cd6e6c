package io.jomed.api.testing;

import io.jomed.api.retrieval.Retriever;
import io.jomed.api.spi.ProviderConfig;
import io.jomed.api.spi.RetrieverProvider;

/** Test provider that makes a {@link PixelCosineRetriever} over {@code n} synthetic cases. Stateless and thread-safe. */
public final class PixelCosineRetrieverProvider implements RetrieverProvider {
    @Override
    public String name() {
        return "test-pixel-cosine";
    }

    @Override
    public String description() {
        return "exact pixel-cosine retriever over synthetic cases (tests only); setting n = number of cases";
    }

    @Override
    public Retriever create(ProviderConfig config) {
        return new PixelCosineRetriever(SyntheticCases.cases(config.optInt("n", 8)));
    }
}
