package io.jomed.retriever.testing;

import java.util.Random;

/** Seeded random arrays for tests. Stateless and thread-safe. */
public final class RandomArrays {
    private RandomArrays() {
    }

    /** {@code n} standard-normal floats from {@code new Random(seed)}, in draw order. */
    public static float[] gaussian(int n, long seed) {
        Random random = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
