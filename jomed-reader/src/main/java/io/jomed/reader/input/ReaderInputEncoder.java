package io.jomed.reader.input;

import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.image.InvalidImageException;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reading.ReaderInput;
import io.jomed.retriever.image.ImagePreprocessor;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Turns {@link ReaderInput}s into {@link EncodedReaderInputs}: both images as float NCHW at the reader's
 * input size and channel count (converted by the retriever's {@link ImagePreprocessor} with
 * {@link io.jomed.retriever.image.ImageInputSpec#centered centered} scaling, so values lie in [-1, 1]), the case report and the question as frozen text embeddings (cached by
 * string in a bounded cache, since reports and questions repeat a lot) and a has-context flag. Closed-book
 * rows get zero case inputs and flag 0. A query without a question uses the configured default question
 * (the task question of method.md §4.1) or, without one, a zero question embedding.
 *
 * <p>The text encoder is not owned: whoever made it closes it. Instances are thread-safe.
 */
public final class ReaderInputEncoder {
    private final TextEncoder textEncoder;
    private final ReaderImageInput imageInput;
    private final String defaultQuestion;
    private final boolean convertChannels;
    private final ImagePreprocessor images;
    private final TextEmbeddingCache texts;

    private ReaderInputEncoder(Builder b) {
        this.textEncoder = b.textEncoder;
        this.imageInput = b.imageInput;
        this.defaultQuestion = b.defaultQuestion;
        this.convertChannels = b.convertChannels;
        this.images = new ImagePreprocessor(imageInput.spec());
        this.texts = new TextEmbeddingCache(textEncoder, textEncoder.dimension(), b.textCacheSize);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The size and channel count images are converted to. */
    public ReaderImageInput imageInput() {
        return imageInput;
    }

    public int textDimension() {
        return textEncoder.dimension();
    }

    public TextEncoder textEncoder() {
        return textEncoder;
    }

    /** The question used for queries without one, if any. */
    public Optional<String> defaultQuestion() {
        return Optional.ofNullable(defaultQuestion);
    }

    /** Number of distinct texts currently cached. */
    public long cachedTexts() {
        return texts.size();
    }

    /**
     * Encodes a batch.
     *
     * @throws InvalidImageException naming the input row (and case id) if an image cannot be converted
     * @throws IllegalStateException if the text encoder returns vectors of the wrong dimension
     */
    public EncodedReaderInputs encode(List<ReaderInput> inputs) {
        Objects.requireNonNull(inputs, "inputs");
        int n = inputs.size();
        int perImage = imageInput.valuesPerImage();
        int dim = textEncoder.dimension();
        // Rows that carry the same query image object (one query's retrieved cases) share one encoded copy.
        Map<MedicalImage, Integer> distinct = new IdentityHashMap<>();
        int[] queryIndex = new int[n];
        float[] caseImage = new float[n * perImage];
        float[] caseText = new float[n * dim];
        float[] question = new float[n * dim];
        float[] flag = new float[n];

        Set<String> wanted = new HashSet<>();
        for (int i = 0; i < n; i++) {
            ReaderInput in = inputs.get(i);
            if (in == null) {
                throw new NullPointerException("reader input " + i + " is null");
            }
            in.context().ifPresent(c -> wanted.add(c.text()));
            questionOf(in).ifPresent(wanted::add);
            Integer index = distinct.putIfAbsent(in.query().image(), distinct.size());
            queryIndex[i] = index != null ? index : distinct.size() - 1;
        }
        float[] query = new float[distinct.size() * perImage];
        Map<String, float[]> embedded = wanted.isEmpty() ? Map.of() : texts.embed(wanted);

        int written = 0;
        for (int i = 0; i < n; i++) {
            final int row = i;
            ReaderInput in = inputs.get(i);
            if (queryIndex[i] == written) { // indices were handed out in row order: the image's first row
                writeImage(in.query().image(), query, written * perImage, () -> "query image of reader input " + row);
                written++;
            }
            if (in.context().isPresent()) {
                KnowledgeBaseCase c = in.context().get();
                writeImage(c.image(), caseImage, i * perImage,
                        () -> "image of case " + c.id() + " (reader input " + row + ")");
                System.arraycopy(embedded.get(c.text()), 0, caseText, i * dim, dim);
                flag[i] = 1f;
            }
            Optional<String> q = questionOf(in);
            if (q.isPresent()) {
                System.arraycopy(embedded.get(q.get()), 0, question, i * dim, dim);
            }
        }
        return new EncodedReaderInputs(n, imageInput.channels(), imageInput.height(), imageInput.width(), dim, query, queryIndex,
                caseImage, caseText, question, flag);
    }

    /**
     * Writes one image at {@code offset} of {@code out}.
     *
     * @param what names the image for error messages (for example "image of case 17 (reader input 3)")
     * @throws InvalidImageException if the channel counts differ and conversion is switched off
     */
    private void writeImage(MedicalImage image, float[] out, int offset, Supplier<String> what) {
        if (image.channels() != imageInput.channels() && !convertChannels) {
            throw new InvalidImageException(what.get() + " has " + image.channels() + " channel(s) but the reader takes "
                    + imageInput.channels() + " and channel conversion is switched off");
        }
        images.fill(image, out, offset);
    }

    private Optional<String> questionOf(ReaderInput in) {
        return in.query().question().or(() -> Optional.ofNullable(defaultQuestion));
    }

    /**
     * Builder for {@link ReaderInputEncoder}; not thread-safe. Text encoder and image input are required.
     */
    public static final class Builder {
        private TextEncoder textEncoder;
        private ReaderImageInput imageInput;
        private String defaultQuestion;
        private boolean convertChannels = true;
        private long textCacheSize = 4096;

        private Builder() {
        }

        /** Required: the frozen text encoder of report texts and questions. */
        public Builder setTextEncoder(TextEncoder textEncoder) {
            this.textEncoder = Objects.requireNonNull(textEncoder, "textEncoder");
            return this;
        }

        /** Required: the reader's input size and channel count. */
        public Builder setImageInput(ReaderImageInput imageInput) {
            this.imageInput = Objects.requireNonNull(imageInput, "imageInput");
            return this;
        }

        /** The question used for queries that carry none (the task question); default none. */
        public Builder optDefaultQuestion(String question) {
            Objects.requireNonNull(question, "question");
            if (question.isBlank()) {
                throw new IllegalArgumentException("default question is blank");
            }
            this.defaultQuestion = question;
            return this;
        }

        /**
         * Whether images with another channel count are converted (grey repeated to RGB, RGB to grey luma);
         * default true. With false such an image is rejected with an {@link InvalidImageException}.
         */
        public Builder optConvertChannels(boolean convert) {
            this.convertChannels = convert;
            return this;
        }

        /** Maximum number of distinct texts whose embeddings are cached; default 4096. */
        public Builder optTextCacheSize(long size) {
            if (size < 1) {
                throw new IllegalArgumentException("text cache size must be at least 1, got " + size);
            }
            this.textCacheSize = size;
            return this;
        }

        public ReaderInputEncoder build() {
            if (textEncoder == null) {
                throw new IllegalStateException("a text encoder is required: call setTextEncoder");
            }
            if (imageInput == null) {
                throw new IllegalStateException("the image input is required: call setImageInput");
            }
            if (textEncoder.dimension() < 1) {
                throw new IllegalStateException("text encoder " + textEncoder.fingerprint() + " reports dimension "
                        + textEncoder.dimension());
            }
            return new ReaderInputEncoder(this);
        }
    }
}
