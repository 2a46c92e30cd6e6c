package io.jomed.retriever.kb;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * An immutable snapshot of one head's keys: every (case id, key) pair of one commit of a knowledge base,
 * rows sorted by case id. Used for exact scans (the ground truth of approximate search) and training.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class KeyMatrix {
    private final RetrieverHead head;
    private final EncoderFingerprint encoder;
    private final List<String> ids;
    private final float[] data;
    private final int dimension;
    private final Map<String, Integer> rowOfId;

    /**
     * @param head the head whose keys these are
     * @param encoder fingerprint of the encoder that made the keys
     * @param ids case ids, one per row, unique
     * @param data the keys, row-major, {@code ids.size() * encoder.dimension()} values; copied
     */
    KeyMatrix(RetrieverHead head, EncoderFingerprint encoder, List<String> ids, float[] data) {
        this.head = Objects.requireNonNull(head, "head");
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.ids = List.copyOf(ids);
        this.dimension = encoder.dimension();
        if (data.length != (long) this.ids.size() * dimension) {
            throw new IllegalArgumentException("key data holds " + data.length + " values, expected " + this.ids.size()
                    + " rows x " + dimension);
        }
        this.data = data.clone();
        this.rowOfId = new HashMap<>();
        for (int i = 0; i < this.ids.size(); i++) {
            if (rowOfId.put(this.ids.get(i), i) != null) {
                throw new IllegalArgumentException("duplicate case id in key matrix: " + this.ids.get(i));
            }
        }
    }

    /** The head whose keys these are. */
    public RetrieverHead head() {
        return head;
    }

    /** Fingerprint of the encoder that made these keys. */
    public EncoderFingerprint encoder() {
        return encoder;
    }

    /** Case ids, one per row, in ascending order; unmodifiable. */
    public List<String> ids() {
        return ids;
    }

    /** Number of rows (cases). */
    public int size() {
        return ids.size();
    }

    /** Key dimension. */
    public int dimension() {
        return dimension;
    }

    /** A copy of the key in {@code row}. */
    public float[] key(int row) {
        Objects.checkIndex(row, ids.size());
        float[] out = new float[dimension];
        System.arraycopy(data, row * dimension, out, 0, dimension);
        return out;
    }

    /** The row of a case id, or empty if this snapshot does not hold it. */
    public OptionalInt rowOf(String caseId) {
        Integer row = rowOfId.get(Objects.requireNonNull(caseId, "caseId"));
        return row == null ? OptionalInt.empty() : OptionalInt.of(row);
    }

    /** Exact dot product (double precision) of the key in {@code row} with {@code vector}, without copying. */
    public double dot(int row, float[] vector) {
        Objects.checkIndex(row, ids.size());
        if (vector.length != dimension) {
            throw new IllegalArgumentException("vector has dimension " + vector.length + ", keys have " + dimension);
        }
        int offset = row * dimension;
        double s = 0;
        for (int i = 0; i < dimension; i++) {
            s += (double) data[offset + i] * vector[i];
        }
        return s;
    }

    @Override
    public String toString() {
        return "KeyMatrix[head=" + head + ", rows=" + ids.size() + ", dimension=" + dimension + ", encoder=" + encoder + "]";
    }
}
