package io.jomed.api.encoding;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Identifies the exact encoder that made a set of keys: its kind (for example {@code minilm-l6-v2-q}) and a
 * digest of its weights and preprocessing. A knowledge base stores the fingerprints of the encoders that
 * built it and refuses queries and ingests from any other encoder, since keys of different encoders live
 * in different spaces.
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param kind short encoder name, letters, digits and {@code - _ .}
 * @param digest hex digest of weights and configuration
 * @param dimension output dimension
 */
public record EncoderFingerprint(String kind, String digest, int dimension) {
    private static final Pattern KIND = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{8,128}");

    public EncoderFingerprint {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(digest, "digest");
        if (!KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("encoder kind must be 1 to 64 of [A-Za-z0-9_.-], got \"" + kind + "\"");
        }
        if (!DIGEST.matcher(digest).matches()) {
            throw new IllegalArgumentException("encoder digest must be 8 to 128 lower-case hex digits, got \"" + digest + "\"");
        }
        if (dimension < 1) {
            throw new IllegalArgumentException("encoder dimension must be positive, got " + dimension);
        }
    }

    /** Parses the form {@link #toString()} writes: {@code kind:digest:dimension}. */
    public static EncoderFingerprint parse(String text) {
        Objects.requireNonNull(text, "text");
        String[] parts = text.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("encoder fingerprint must read kind:digest:dimension, got \"" + text + "\"");
        }
        try {
            return new EncoderFingerprint(parts[0], parts[1], Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("encoder fingerprint \"" + text + "\": dimension is not an integer", e);
        }
    }

    @Override
    public String toString() {
        return kind + ":" + digest + ":" + dimension;
    }
}
