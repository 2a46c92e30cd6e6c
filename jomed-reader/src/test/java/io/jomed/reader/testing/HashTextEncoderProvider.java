package io.jomed.reader.testing;

import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.spi.ProviderConfig;
import io.jomed.api.spi.TextEncoderProvider;

/** Provides {@link HashTextEncoder} as {@code test-hash} (setting {@code dimension}, default 16). Thread-safe. */
public final class HashTextEncoderProvider implements TextEncoderProvider {
    @Override
    public String name() {
        return "test-hash";
    }

    @Override
    public String description() {
        return "test text encoder: hashed random unit vectors; setting: dimension";
    }

    @Override
    public TextEncoder create(ProviderConfig config) {
        return new HashTextEncoder(config.optInt("dimension", 16));
    }
}
