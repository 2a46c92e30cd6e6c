package io.jomed.retriever.retrieval;

import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.spi.ImageEncoderProvider;
import io.jomed.api.spi.ProviderConfig;
import io.jomed.api.spi.Providers;
import io.jomed.api.spi.RetrieverProvider;
import io.jomed.api.spi.TextEncoderProvider;
import io.jomed.retriever.kb.LuceneKnowledgeBase;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/**
 * Makes the library's own {@link DualHeadRetriever} over an existing {@link LuceneKnowledgeBase}, by name
 * {@value #NAME}. Settings: {@code kb} (the knowledge-base folder, required), {@code image-encoder} (an
 * {@link ImageEncoderProvider} name, default {@code conv-tower}) with its settings prefixed
 * {@code image-encoder.} (for the conv tower: {@code image-encoder.path}), {@code text-encoder} (a
 * {@link TextEncoderProvider} name, default {@code minilm-l6-v2-q}) with settings prefixed
 * {@code text-encoder.}. The encoders must be the ones that built the knowledge base. The retriever owns
 * the knowledge base and encoders it opened and closes them.
 *
 * <p>Stateless and thread-safe.
 */
public final class LuceneDualHeadRetrieverProvider implements RetrieverProvider {
    public static final String NAME = "lucene-dual-head";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "dual-head retriever over a Lucene knowledge base; settings kb, image-encoder(.*), text-encoder(.*)";
    }

    @Override
    public Retriever create(ProviderConfig config) {
        var kbDir = config.requirePath("kb");
        if (!Files.isDirectory(kbDir)) {
            throw new IllegalArgumentException("provider " + NAME + ": setting \"kb\" = " + kbDir + " is not a folder");
        }
        ImageEncoder f0 = Providers.create(ImageEncoderProvider.class, config.optString("image-encoder").orElse("conv-tower"),
                prefixed(config, "image-encoder."));
        TextEncoder g0 = null;
        LuceneKnowledgeBase kb = null;
        try {
            g0 = Providers.create(TextEncoderProvider.class, config.optString("text-encoder").orElse("minilm-l6-v2-q"),
                    prefixed(config, "text-encoder."));
            kb = LuceneKnowledgeBase.builder().setDirectory(kbDir).setImageEncoder(f0).setTextEncoder(g0).build();
            return DualHeadRetriever.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0)
                    .optCloseWithRetriever(f0).optCloseWithRetriever(g0).optCloseWithRetriever(kb).build();
        } catch (RuntimeException e) {
            if (kb != null) {
                kb.close();
            }
            if (g0 != null) {
                g0.close();
            }
            f0.close();
            throw e;
        }
    }

    private static Map<String, String> prefixed(ProviderConfig config, String prefix) {
        Map<String, String> out = new HashMap<>();
        config.values().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
