package io.jomed.api.reranking;

import io.jomed.api.spi.ProviderConfig;
import io.jomed.api.spi.RerankerProvider;
import java.util.Objects;

/**
 * Provides {@link MajorityVoteReranker} under the name {@value MajorityVoteReranker#NAME}; it reads no settings.
 *
 * <p>Stateless and thread-safe.
 */
public final class MajorityVoteRerankerProvider implements RerankerProvider {
    @Override
    public String name() {
        return MajorityVoteReranker.NAME;
    }

    @Override
    public String description() {
        return "majority vote over the items' predicted labels, ties broken by the fused answer; no settings";
    }

    @Override
    public Reranker create(ProviderConfig config) {
        Objects.requireNonNull(config, "config");
        return new MajorityVoteReranker();
    }
}
