package io.jomed.api.reranking;

import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.spi.ProviderConfig;
import io.jomed.api.spi.RerankerProvider;
import java.util.Locale;
import java.util.Objects;

/**
 * Provides {@link TopRankedReranker} under the name {@value #NAME}. Setting {@code head}: {@code image}
 * (default) or {@code text}.
 *
 * <p>Stateless and thread-safe.
 */
public final class TopRankedRerankerProvider implements RerankerProvider {
    /** The provider name. */
    public static final String NAME = "top-ranked";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "the top-ranked item of one head; setting head = image (default) or text";
    }

    @Override
    public Reranker create(ProviderConfig config) {
        Objects.requireNonNull(config, "config");
        String head = config.optString("head").orElse("image").trim().toLowerCase(Locale.ROOT);
        return switch (head) {
            case "image" -> new TopRankedReranker(RetrieverHead.IMAGE);
            case "text" -> new TopRankedReranker(RetrieverHead.TEXT);
            default -> throw new IllegalArgumentException("provider " + config.provider()
                    + ": setting \"head\" must be image or text, got \"" + config.optString("head").orElseThrow() + "\"");
        };
    }
}
