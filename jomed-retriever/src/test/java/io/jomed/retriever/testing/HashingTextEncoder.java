package io.jomed.retriever.testing;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.TextEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A deterministic test text encoder: a signed hashed bag of lower-case words ({@code [\p{L}\p{N}]+})
 * into {@code D} dimensions, L2-normalised. A text without words (or whose words cancel out) maps to the
 * bucket of the empty word, so every text has a unit key.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class HashingTextEncoder implements TextEncoder {
    private final int dimension;
    private final EncoderFingerprint fingerprint;

    /** A 64-d encoder with digest {@code 00000002}. */
    public HashingTextEncoder() {
        this(64, "00000002");
    }

    /**
     * @param dimension output dimension, at least 2
     * @param digest the fingerprint digest, 8+ lower-case hex digits
     */
    public HashingTextEncoder(int dimension, String digest) {
        if (dimension < 2) {
            throw new IllegalArgumentException("dimension must be at least 2, got " + dimension);
        }
        this.dimension = dimension;
        this.fingerprint = new EncoderFingerprint("hashing-text", Objects.requireNonNull(digest, "digest"), dimension);
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public EncoderFingerprint fingerprint() {
        return fingerprint;
    }

    @Override
    public float[][] encode(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = encodeOne(Objects.requireNonNull(texts.get(i), "text"));
        }
        return out;
    }

    private float[] encodeOne(String text) {
        double[] v = new double[dimension];
        for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (!word.isEmpty()) {
                add(v, word);
            }
        }
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        if (norm == 0) {
            add(v, "");
            norm = 1;
        }
        norm = Math.sqrt(norm);
        float[] key = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            key[i] = (float) (v[i] / norm);
        }
        return key;
    }

    private void add(double[] v, String word) {
        long h = 0xcbf29ce484222325L; // FNV-1a 64
        for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        int bucket = (int) Long.remainderUnsigned(h, dimension);
        v[bucket] += (h >>> 63) == 0 ? 1 : -1;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "HashingTextEncoder[" + fingerprint + "]";
    }
}
