package io.jomed.reader.testing;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.TextEncoder;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test text encoder: each distinct string maps to a fixed pseudo-random unit vector (seeded by its hash),
 * so equal texts embed equally and different texts almost orthogonally. Counts the texts it encodes.
 *
 * <p>Thread-safe.
 */
public final class HashTextEncoder implements TextEncoder {
    private final int dimension;
    private final AtomicInteger encoded = new AtomicInteger();

    public HashTextEncoder(int dimension) {
        this.dimension = dimension;
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public EncoderFingerprint fingerprint() {
        return new EncoderFingerprint("test-hash", String.format("%08x", dimension), dimension);
    }

    @Override
    public float[][] encode(List<String> texts) {
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = vector(texts.get(i));
        }
        encoded.addAndGet(texts.size());
        return out;
    }

    private float[] vector(String text) {
        Random r = new Random(text.hashCode() * 31L + 7);
        float[] v = new float[dimension];
        double norm = 0;
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) r.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < dimension; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    /** Number of texts encoded so far (cache misses of a caller). */
    public int encodedTexts() {
        return encoded.get();
    }

    @Override
    public void close() {
    }
}
