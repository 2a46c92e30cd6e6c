package io.jomed.retriever.encoding;

import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.spi.ProviderConfig;
import io.jomed.api.spi.TextEncoderProvider;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Provides a {@link TorchScriptTextEncoder} under the name {@code torchscript-text}. Settings: {@code path}
 * (the TorchScript file), {@code tokenizer} (a HuggingFace {@code tokenizer.json}) and optionally
 * {@code maxLength} (tokens kept per text, default 256).
 *
 * <p>Stateless and thread-safe.
 */
public final class TorchScriptTextEncoderProvider implements TextEncoderProvider {
    @Override
    public String name() {
        return TorchScriptTextEncoder.KIND;
    }

    @Override
    public String description() {
        return "TorchScript text backbone; settings path, tokenizer (tokenizer.json), optional maxLength";
    }

    @Override
    public TextEncoder create(ProviderConfig config) {
        Path path = config.requirePath("path");
        Path tokenizer = config.requirePath("tokenizer");
        for (String key : new String[] {"path", "tokenizer"}) {
            Path p = key.equals("path") ? path : tokenizer;
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("provider " + name() + ": setting \"" + key + "\" names no file: " + p);
            }
        }
        int maxLength = config.optInt("maxLength", TorchScriptTextEncoder.DEFAULT_MAX_TOKENS);
        return TorchScriptTextEncoder.load(path, tokenizer, maxLength);
    }
}
