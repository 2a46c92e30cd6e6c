package io.jomed.retriever.encoding;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Small vector and hashing helpers shared by the encoders of this package. Stateless and thread-safe. */
final class Vectors {
    private Vectors() {
    }

    /** Normalises a vector to unit length in place (leaves a zero vector as it is) and returns it. */
    static float[] normaliseInPlace(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        if (norm > 0) {
            float inv = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
        return v;
    }

    /**
     * Splits a row-major {@code [n, d]} array ({@code d = flat.length / n}) into {@code n} rows, each
     * normalised to unit length.
     */
    static float[][] normalisedRows(float[] flat, int n) {
        int d = flat.length / n;
        float[][] out = new float[n][d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * d, out[i], 0, d);
            normaliseInPlace(out[i]);
        }
        return out;
    }

    /**
     * Mean pooling over the tokens whose attention mask is 1, then L2 normalisation.
     *
     * @param hidden {@code [n, tokens, dim]} row-major
     * @param mask {@code [n, tokens]} row-major, 1 for real tokens
     */
    static float[][] meanPoolAndNormalise(float[] hidden, long[] mask, int n, int tokens, int dim) {
        float[][] out = new float[n][dim];
        for (int i = 0; i < n; i++) {
            float[] v = out[i];
            int count = 0;
            for (int t = 0; t < tokens; t++) {
                if (mask[i * tokens + t] == 0) {
                    continue;
                }
                count++;
                int base = (i * tokens + t) * dim;
                for (int j = 0; j < dim; j++) {
                    v[j] += hidden[base + j];
                }
            }
            float inv = 1f / Math.max(1, count);
            for (int j = 0; j < dim; j++) {
                v[j] *= inv;
            }
            normaliseInPlace(v);
        }
        return out;
    }

    /** A SHA-256 over several parts. */
    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** SHA-256 hex of a file's bytes. */
    static String sha256Hex(Path file) {
        MessageDigest digest = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
