package io.jomed.reader.classifier;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.Reader;
import io.jomed.api.reading.ReaderInput;
import io.jomed.reader.input.EncodedReaderInputs;
import io.jomed.reader.input.ReaderInputEncoder;
import io.jomed.retriever.encoding.NoGradient;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in {@link Reader}: an inference-only view of a {@link ClassifierReaderModel}. It scores
 * (query, case) pairs, closed-book and with-context rows mixed freely, in one batched forward pass per chunk
 * of at most {@code maxBatch} rows.
 *
 * <p>For this classifier the output label logits ARE the method's selected logits {@code a_l(x, d)}
 * (method.md §2.3): there is no vocabulary and no generated text, so the method's settings that concern
 * generated text (greedy decoding, at most 8 new tokens, label token ids, label parsing) do not apply.
 *
 * <p>Thread-safe: every call runs in its own sub-manager of the model's manager, with gradient recording
 * off, and closes it before returning, so native memory does not grow with calls. The reader does not own
 * the model or the text encoder unless it was made by {@link ClassifierReaderProvider}.
 */
public final class ClassifierReader implements Reader {
    private static final Logger LOG = LoggerFactory.getLogger(ClassifierReader.class);

    private final ClassifierReaderModel model;
    private final ReaderInputEncoder inputEncoder;
    private final int maxBatch;
    private final List<AutoCloseable> owned;

    private ClassifierReader(Builder b, List<AutoCloseable> owned) {
        this.model = b.model;
        this.inputEncoder = model.newInputEncoder(b.textEncoder, b.textCacheSize);
        this.maxBatch = b.maxBatch;
        this.owned = owned;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public LabelSpace labelSpace() {
        return model.labelSpace();
    }

    public ClassifierReaderModel model() {
        return model;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** The input encoder (with its text-embedding cache) this reader uses. */
    public ReaderInputEncoder inputEncoder() {
        return inputEncoder;
    }

    @Override
    public List<LabelLogits> score(List<ReaderInput> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        List<LabelLogits> out = new ArrayList<>(inputs.size());
        int labels = model.labelSpace().size();
        for (int from = 0; from < inputs.size(); from += maxBatch) {
            List<ReaderInput> chunk = inputs.subList(from, Math.min(inputs.size(), from + maxBatch));
            // one row is no batch of one for the convolutions: the block runs its query and case images together
            EncodedReaderInputs encoded = inputEncoder.encode(chunk);
            float[] logits;
            try (NDManager scope = model.manager().newSubManager(); NoGradient ignored = NoGradient.enter()) {
                NDArray result = model.forward(encoded.toCompactNDList(scope), false);
                logits = result.toFloatArray();
            }
            for (int i = 0; i < chunk.size(); i++) {
                float[] row = new float[labels];
                System.arraycopy(logits, i * labels, row, 0, labels);
                out.add(LabelLogits.of(row));
            }
        }
        LOG.debug("scored {} reader inputs", inputs.size());
        return out;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing " + c + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "ClassifierReader[" + model + ", maxBatch=" + maxBatch + "]";
    }

    /** Builder for {@link ClassifierReader}; not thread-safe. Model and text encoder are required. */
    public static final class Builder {
        private ClassifierReaderModel model;
        private TextEncoder textEncoder;
        private int maxBatch = 256;
        private long textCacheSize = 4096;

        private Builder() {
        }

        /** Required: the model to read with (not owned by the reader). */
        public Builder setModel(ClassifierReaderModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** Required: the frozen text encoder the model was made for (not owned by the reader). */
        public Builder setTextEncoder(TextEncoder textEncoder) {
            this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
            return this;
        }

        /** Most rows per forward pass; default 256. */
        public Builder optMaxBatch(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("max batch must be at least 1, got " + maxBatch);
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /** Distinct texts whose embeddings are cached; default 4096. */
        public Builder optTextCacheSize(long size) {
            if (size < 1) {
                throw new IllegalArgumentException("text cache size must be at least 1, got " + size);
            }
            this.textCacheSize = size;
            return this;
        }

        /**
         * @throws IllegalStateException if the model or text encoder is missing
         * @throws IllegalArgumentException if the text encoder is not the one the model was made for
         */
        public ClassifierReader build() {
            return build(List.of());
        }

        ClassifierReader build(List<AutoCloseable> owned) {
            if (model == null) {
                throw new IllegalStateException("a model is required: call setModel");
            }
            if (textEncoder == null) {
                throw new IllegalStateException("a text encoder is required: call setTextEncoder");
            }
            return new ClassifierReader(this, List.copyOf(owned));
        }
    }
}
