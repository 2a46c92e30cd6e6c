package io.jomed.retriever.encoding;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/** Splits an encoder's input into batches of bounded size. Stateless and thread-safe. */
final class BatchedEncoding {
    private BatchedEncoding() {
    }

    /**
     * Encodes {@code items} in consecutive batches of at most {@code batchSize} and joins the vectors in order.
     *
     * @param what names one item in error messages ("text", "image")
     * @param encodeBatch encodes one batch of non-null items, one vector per item
     * @throws IllegalArgumentException naming the index of a null item
     */
    static <T> float[][] encode(List<T> items, int batchSize, String what, Function<List<T>, float[][]> encodeBatch) {
        Objects.requireNonNull(items, what + "s");
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) == null) {
                throw new IllegalArgumentException(what + " " + i + " of the batch is null");
            }
        }
        float[][] out = new float[items.size()][];
        for (int start = 0; start < items.size(); start += batchSize) {
            float[][] vectors = encodeBatch.apply(items.subList(start, Math.min(items.size(), start + batchSize)));
            System.arraycopy(vectors, 0, out, start, vectors.length);
        }
        return out;
    }
}
