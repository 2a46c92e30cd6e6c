package io.jomed.retriever.encoding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A batch of tokenised texts padded (id 0, mask 0) to the longest text of the batch: token ids and attention
 * mask, both row-major {@code [size, tokens]}. Used by the text encoders of this package.
 *
 * <p>Instances are not thread-safe: the arrays are shared, not copied.
 *
 * @param ids token ids, {@code size * tokens} values
 * @param mask attention mask, 1 for real tokens and 0 for padding, {@code size * tokens} values
 * @param size number of texts
 * @param tokens tokens per text after padding, at least 1
 */
record TokenBatch(long[] ids, long[] mask, int size, int tokens) {

    /** Tokenises the texts (none null) with the tokenizer's own truncation and special-token settings. */
    static TokenBatch tokenize(HuggingFaceTokenizer tokenizer, List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int n = encodings.length;
        int tokens = 1;
        for (Encoding e : encodings) {
            tokens = Math.max(tokens, e.getIds().length);
        }
        long[] ids = new long[n * tokens];
        long[] mask = new long[n * tokens];
        for (int i = 0; i < n; i++) {
            long[] id = encodings[i].getIds();
            long[] m = encodings[i].getAttentionMask();
            System.arraycopy(id, 0, ids, i * tokens, id.length);
            System.arraycopy(m, 0, mask, i * tokens, m.length);
        }
        return new TokenBatch(ids, mask, n, tokens);
    }

    /** The shape {@code [size, tokens]} of the id and mask tensors. */
    Shape shape() {
        return new Shape(size, tokens);
    }

    /**
     * Mean pooling of token embeddings over this batch's attention mask, then L2 normalisation.
     *
     * @param hidden {@code [size, tokens, dim]} row-major
     */
    float[][] meanPoolAndNormalise(float[] hidden, int dim) {
        return Vectors.meanPoolAndNormalise(hidden, mask, size, tokens, dim);
    }
}
