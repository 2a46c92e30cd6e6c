package io.jomed.api.kb;

import io.jomed.api.encoding.EncoderFingerprint;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A head's query embedding {@code e_h} ready for a knowledge-base search, with the fingerprint of the
 * frozen image encoder {@code f0} it is built on and the content hash of the query image (for leaving
 * the query's own case out).
 *
 * <p>{@code e_h} need not have unit length (method.md §2.1: the partial-learning mixture is not
 * renormalised); the knowledge base normalises its own copy for the approximate search and scores
 * with the raw vector. Instances are immutable and safe to share between threads.
 */
public final class QueryEmbedding {
    private final float[] vector;
    private final EncoderFingerprint imageEncoder;
    private final String imageContentHash;

    private QueryEmbedding(float[] vector, EncoderFingerprint imageEncoder, String imageContentHash) {
        this.vector = vector;
        this.imageEncoder = imageEncoder;
        this.imageContentHash = imageContentHash;
    }

    /**
     * @param vector the embedding; copied; must be finite and not all zero
     * @param imageEncoder fingerprint of the {@code f0} this embedding is built on
     * @param imageContentHash content hash of the query image, or null if unknown
     * @throws IllegalArgumentException if the vector is empty, all zero, or holds NaN or infinity
     */
    public static QueryEmbedding of(float[] vector, EncoderFingerprint imageEncoder, String imageContentHash) {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(imageEncoder, "imageEncoder");
        if (vector.length == 0) {
            throw new IllegalArgumentException("query embedding is empty");
        }
        double norm = 0;
        for (int i = 0; i < vector.length; i++) {
            if (!Float.isFinite(vector[i])) {
                throw new IllegalArgumentException("query embedding holds " + vector[i] + " at index " + i);
            }
            norm += (double) vector[i] * vector[i];
        }
        if (norm == 0) {
            throw new IllegalArgumentException("query embedding is all zero");
        }
        return new QueryEmbedding(vector.clone(), imageEncoder, imageContentHash);
    }

    /** A copy of the vector. */
    public float[] vector() {
        return vector.clone();
    }

    public int dimension() {
        return vector.length;
    }

    /** Exact dot product with a key of the same dimension. */
    public double dot(float[] key) {
        if (key.length != vector.length) {
            throw new IllegalArgumentException("key has dimension " + key.length + ", query embedding " + vector.length);
        }
        double s = 0;
        for (int i = 0; i < key.length; i++) {
            s += (double) vector[i] * key[i];
        }
        return s;
    }

    public EncoderFingerprint imageEncoder() {
        return imageEncoder;
    }

    public Optional<String> imageContentHash() {
        return Optional.ofNullable(imageContentHash);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QueryEmbedding q && Arrays.equals(q.vector, vector) && q.imageEncoder.equals(imageEncoder)
                && Objects.equals(q.imageContentHash, imageContentHash);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(vector) * 31 + imageEncoder.hashCode();
    }

    @Override
    public String toString() {
        return "QueryEmbedding[dimension=" + vector.length + ", encoder=" + imageEncoder + "]";
    }
}
