package io.jomed.reader.bundle;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.TextEncoder;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How a bundle re-creates a text encoder that it does not store: the name of its
 * {@link io.jomed.api.spi.TextEncoderProvider}, the string settings handed to that provider, and the fingerprint
 * the encoder must have, for example {@code minilm-l6-v2-q} with no settings.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param provider the provider name, as {@link io.jomed.api.spi.Providers} finds it
 * @param settings the provider settings; copied, sorted by name, unmodifiable
 * @param fingerprint the fingerprint the created encoder must report
 */
public record EncoderReference(String provider, Map<String, String> settings, EncoderFingerprint fingerprint) {

    public EncoderReference {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (provider.isBlank()) {
            throw new IllegalArgumentException("encoder provider name is blank");
        }
        settings.forEach((k, v) -> {
            Objects.requireNonNull(k, "setting name");
            Objects.requireNonNull(v, () -> "value of setting " + k);
        });
        settings = Collections.unmodifiableMap(new TreeMap<>(settings));
    }

    /** A reference to an encoder made by {@code provider} from {@code settings}, with that encoder's fingerprint. */
    public static EncoderReference of(String provider, Map<String, String> settings, TextEncoder encoder) {
        Objects.requireNonNull(encoder, "encoder");
        return new EncoderReference(provider, settings, encoder.fingerprint());
    }

    @Override
    public String toString() {
        return provider + (settings.isEmpty() ? "" : " " + settings) + " (" + fingerprint + ")";
    }
}
