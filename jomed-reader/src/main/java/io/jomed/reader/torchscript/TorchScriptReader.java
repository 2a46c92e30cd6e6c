package io.jomed.reader.torchscript;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.Reader;
import io.jomed.api.reading.ReaderInput;
import io.jomed.reader.input.EncodedReaderInputs;
import io.jomed.reader.input.ReaderImageInput;
import io.jomed.reader.input.ReaderInputEncoder;
import io.jomed.retriever.encoding.NoGradient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A {@link Reader} over a user's TorchScript export. The exported {@code forward} takes the same five
 * tensors as the built-in reader, in this order: query image {@code [N, C, H, W]} (float, values in
 * [-1, 1]), case image {@code [N, C, H, W]} (zeros closed-book), case report embedding
 * {@code [N, textDim]}, question embedding {@code [N, textDim]} and has-context flag {@code [N, 1]}; it
 * returns label logits {@code [N, |L|]}, which are used as the method's selected logits (no text is
 * generated, so decoding and token-parsing settings do not apply).
 *
 * <p>Thread-safe: calls borrow a predictor from a pool (a predictor is not thread-safe), run in their own
 * sub-manager and close it. The reader owns the loaded TorchScript model; it owns the text encoder only when
 * made by {@link TorchScriptReaderProvider}.
 */
public final class TorchScriptReader implements Reader {
    private final Path path;
    private final LabelSpace labelSpace;
    private final ZooModel<NDList, NDList> model;
    private final ReaderInputEncoder inputEncoder;
    private final int maxBatch;
    private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> idle = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> all = new ConcurrentLinkedQueue<>();
    private final List<AutoCloseable> owned;

    private TorchScriptReader(Builder b, ReaderImageInput imageInput, List<AutoCloseable> owned) {
        this.path = b.path;
        this.labelSpace = b.labelSpace;
        this.maxBatch = b.maxBatch;
        ReaderInputEncoder.Builder eb = ReaderInputEncoder.builder().setTextEncoder(b.textEncoder)
                .setImageInput(imageInput);
        if (b.defaultQuestion != null) {
            eb.optDefaultQuestion(b.defaultQuestion);
        }
        this.inputEncoder = eb.build();
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(path)
                .optEngine("PyTorch").build();
        try {
            this.model = criteria.loadModel();
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IllegalArgumentException(path + ": cannot load the TorchScript reader: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": cannot read the TorchScript reader: " + e.getMessage(), e);
        }
        this.owned = owned;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public LabelSpace labelSpace() {
        return labelSpace;
    }

    public ReaderInputEncoder inputEncoder() {
        return inputEncoder;
    }

    @Override
    public List<LabelLogits> score(List<ReaderInput> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        List<LabelLogits> out = new ArrayList<>(inputs.size());
        int labels = labelSpace.size();
        for (int from = 0; from < inputs.size(); from += maxBatch) {
            List<ReaderInput> chunk = inputs.subList(from, Math.min(inputs.size(), from + maxBatch));
            EncodedReaderInputs encoded = inputEncoder.encode(chunk);
            float[] logits;
            Predictor<NDList, NDList> predictor = borrow();
            try (NDManager scope = model.getNDManager().newSubManager(); NoGradient ignored = NoGradient.enter()) {
                NDList result = predictor.predict(encoded.toNDList(scope));
                NDArray first = result.get(0);
                long[] shape = first.getShape().getShape();
                if (shape.length != 2 || shape[0] != chunk.size() || shape[1] != labels) {
                    throw new IllegalStateException(path + ": the TorchScript reader returned shape " + first.getShape()
                            + ", expected (" + chunk.size() + ", " + labels + ") for label space " + labelSpace.labels());
                }
                logits = first.toFloatArray();
                result.close();
            } catch (TranslateException e) {
                throw new IllegalStateException(path + ": the TorchScript reader failed on a batch of " + chunk.size()
                        + ": " + e.getMessage(), e);
            } finally {
                idle.add(predictor);
            }
            for (int i = 0; i < chunk.size(); i++) {
                float[] row = new float[labels];
                System.arraycopy(logits, i * labels, row, 0, labels);
                out.add(LabelLogits.of(row));
            }
        }
        return out;
    }

    private Predictor<NDList, NDList> borrow() {
        Predictor<NDList, NDList> p = idle.poll();
        if (p == null) {
            p = model.newPredictor();
            all.add(p);
        }
        return p;
    }

    @Override
    public void close() {
        all.forEach(Predictor::close);
        model.close();
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + c + " failed", e);
            }
        }
    }

    @Override
    public String toString() {
        return "TorchScriptReader[" + path.getFileName() + ", " + labelSpace + "]";
    }

    /**
     * Builder for {@link TorchScriptReader}; not thread-safe. Path, label space, image size, channels and
     * text encoder are required.
     */
    public static final class Builder {
        private Path path;
        private LabelSpace labelSpace;
        private int width;
        private int height;
        private int channels;
        private TextEncoder textEncoder;
        private String defaultQuestion;
        private int maxBatch = 256;

        private Builder() {
        }

        /** Required: the TorchScript file. */
        public Builder setModelPath(Path path) {
            this.path = Objects.requireNonNull(path, "path");
            return this;
        }

        /** Required: the classes of the exported logits, in order. */
        public Builder setLabelSpace(LabelSpace labelSpace) {
            this.labelSpace = Objects.requireNonNull(labelSpace, "labelSpace");
            return this;
        }

        /** Required: the input size the export expects. */
        public Builder setImageSize(int width, int height) {
            ReaderImageInput.checkSize(width, height);
            this.width = width;
            this.height = height;
            return this;
        }

        /** Required: 1 or 3. */
        public Builder setChannels(int channels) {
            ReaderImageInput.checkChannels(channels);
            this.channels = channels;
            return this;
        }

        /** Required: the frozen text encoder the export was trained with (not owned by the reader). */
        public Builder setTextEncoder(TextEncoder textEncoder) {
            this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
            return this;
        }

        /** The task question for queries without one; default none (zero embedding). */
        public Builder optDefaultQuestion(String question) {
            this.defaultQuestion = Objects.requireNonNull(question, "question");
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

        public TorchScriptReader build() {
            return build(List.of());
        }

        TorchScriptReader build(List<AutoCloseable> owned) {
            if (path == null) {
                throw new IllegalStateException("the TorchScript file is required: call setModelPath");
            }
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException(path + ": TorchScript reader file does not exist");
            }
            if (labelSpace == null) {
                throw new IllegalStateException("the label space is required: call setLabelSpace");
            }
            ReaderImageInput imageInput = ReaderImageInput.fromBuilder(width, height, channels);
            if (textEncoder == null) {
                throw new IllegalStateException("a text encoder is required: call setTextEncoder");
            }
            return new TorchScriptReader(this, imageInput, List.copyOf(owned));
        }
    }
}
