package io.jomed.retriever.encoding;

import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.spi.ProviderConfig;
import io.jomed.api.spi.TextEncoderProvider;
import java.util.Objects;

/**
 * Provides {@link MiniLmTextEncoder} under the name {@code minilm-l6-v2-q}; it reads no settings.
 *
 * <p>Stateless and thread-safe.
 */
public final class MiniLmTextEncoderProvider implements TextEncoderProvider {
    @Override
    public String name() {
        return MiniLmTextEncoder.KIND;
    }

    @Override
    public String description() {
        return "quantized all-MiniLM-L6-v2 sentence encoder (384-d, ONNX Runtime); no settings";
    }

    @Override
    public TextEncoder create(ProviderConfig config) {
        Objects.requireNonNull(config, "config");
        return MiniLmTextEncoder.create();
    }
}
