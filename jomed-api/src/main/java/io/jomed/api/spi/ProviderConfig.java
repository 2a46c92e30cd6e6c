package io.jomed.api.spi;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * String settings handed to a provider, with typed accessors whose errors name the setting, the
 * provider and what was expected.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class ProviderConfig {
    private final String provider;
    private final Map<String, String> values;

    private ProviderConfig(String provider, Map<String, String> values) {
        this.provider = provider;
        this.values = values;
    }

    /** @param provider the provider name, for error messages */
    public static ProviderConfig of(String provider, Map<String, String> values) {
        Objects.requireNonNull(provider, "provider");
        values.forEach((k, v) -> {
            Objects.requireNonNull(k, "setting name");
            Objects.requireNonNull(v, () -> "value of setting " + k);
        });
        return new ProviderConfig(provider, Collections.unmodifiableMap(new TreeMap<>(values)));
    }

    public String provider() {
        return provider;
    }

    public Map<String, String> values() {
        return values;
    }

    public Optional<String> optString(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** @throws IllegalArgumentException if the setting is missing */
    public String requireString(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("provider " + provider + " needs setting \"" + key + "\"; given: " + values.keySet());
        }
        return v;
    }

    public Path requirePath(String key) {
        return Path.of(requireString(key));
    }

    /** @throws IllegalArgumentException if the value is not an integer */
    public int optInt(String key, int defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("provider " + provider + ": setting \"" + key + "\" must be an integer, got \"" + v + "\"", e);
        }
    }

    @Override
    public String toString() {
        return "ProviderConfig[" + provider + ", " + values + "]";
    }
}
