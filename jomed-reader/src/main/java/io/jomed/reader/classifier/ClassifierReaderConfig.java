package io.jomed.reader.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.reader.input.ReaderImageInput;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * The architecture and input settings of a {@link ClassifierReaderModel}: image size and channels, the
 * frozen text encoder it reads embeddings of, the convolutional image tower (stride-2 stages), the token
 * grid, the fusion transformer (width, heads, layers, MLP ratio, dropout), the initialisation seed and the
 * task question used for queries without one.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ClassifierReaderConfig {
    private final ReaderImageInput imageInput;
    private final EncoderFingerprint textEncoder;
    private final int[] convChannels;
    private final int tokenGrid;
    private final int modelWidth;
    private final int heads;
    private final int layers;
    private final int mlpRatio;
    private final float dropout;
    private final long seed;
    private final String defaultQuestion;
    private final boolean convertChannels;

    private ClassifierReaderConfig(Builder b, ReaderImageInput imageInput) {
        this.imageInput = imageInput;
        this.textEncoder = b.textEncoder;
        this.convChannels = b.convChannels.clone();
        this.tokenGrid = b.tokenGrid;
        this.modelWidth = b.modelWidth;
        this.heads = b.heads;
        this.layers = b.layers;
        this.mlpRatio = b.mlpRatio;
        this.dropout = b.dropout;
        this.seed = b.seed;
        this.defaultQuestion = b.defaultQuestion;
        this.convertChannels = b.convertChannels;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The size and channel count both images are converted to. */
    public ReaderImageInput imageInput() {
        return imageInput;
    }

    public int imageWidth() {
        return imageInput.width();
    }

    public int imageHeight() {
        return imageInput.height();
    }

    public int channels() {
        return imageInput.channels();
    }

    /** The frozen text encoder whose embeddings the text projections were trained on. */
    public EncoderFingerprint textEncoder() {
        return textEncoder;
    }

    public int textDimension() {
        return textEncoder.dimension();
    }

    /** Output channels of the stride-2 convolution stages; a copy. */
    public int[] convChannels() {
        return convChannels.clone();
    }

    /** Each image becomes {@code tokenGrid x tokenGrid} tokens. */
    public int tokenGrid() {
        return tokenGrid;
    }

    /** Token width d. */
    public int modelWidth() {
        return modelWidth;
    }

    public int heads() {
        return heads;
    }

    public int layers() {
        return layers;
    }

    public int mlpRatio() {
        return mlpRatio;
    }

    public float dropout() {
        return dropout;
    }

    public long seed() {
        return seed;
    }

    public Optional<String> defaultQuestion() {
        return Optional.ofNullable(defaultQuestion);
    }

    public boolean convertChannels() {
        return convertChannels;
    }

    /** The side of the feature map after the convolution stages. */
    int featureSize(int side) {
        int s = side;
        for (int i = 0; i < convChannels.length; i++) {
            s = (s + 1) / 2;
        }
        return s;
    }

    /** JSON form, as stored in a saved model. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("imageWidth", imageInput.width());
        o.put("imageHeight", imageInput.height());
        o.put("channels", imageInput.channels());
        o.put("textEncoder", textEncoder.toString());
        ArrayNode conv = o.putArray("convChannels");
        Arrays.stream(convChannels).forEach(conv::add);
        o.put("tokenGrid", tokenGrid);
        o.put("modelWidth", modelWidth);
        o.put("heads", heads);
        o.put("layers", layers);
        o.put("mlpRatio", mlpRatio);
        o.put("dropout", dropout);
        o.put("seed", seed);
        if (defaultQuestion != null) {
            o.put("defaultQuestion", defaultQuestion);
        }
        o.put("convertChannels", convertChannels);
        return o;
    }

    /**
     * Reads the JSON form.
     *
     * @throws IllegalArgumentException naming the field if one is missing or invalid
     */
    public static ClassifierReaderConfig fromJson(JsonNode o) {
        Builder b = builder()
                .setImageSize(intField(o, "imageWidth"), intField(o, "imageHeight"))
                .setChannels(intField(o, "channels"))
                .setTextEncoder(EncoderFingerprint.parse(field(o, "textEncoder").asText()));
        JsonNode conv = field(o, "convChannels");
        int[] c = new int[conv.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = conv.get(i).asInt();
        }
        b.optConvChannels(c).optTokenGrid(intField(o, "tokenGrid")).optModelWidth(intField(o, "modelWidth"))
                .optHeads(intField(o, "heads")).optLayers(intField(o, "layers")).optMlpRatio(intField(o, "mlpRatio"))
                .optDropout((float) field(o, "dropout").asDouble()).optSeed(field(o, "seed").asLong())
                .optConvertChannels(field(o, "convertChannels").asBoolean());
        if (o.hasNonNull("defaultQuestion")) {
            b.optDefaultQuestion(o.get("defaultQuestion").asText());
        }
        return b.build();
    }

    private static JsonNode field(JsonNode o, String name) {
        JsonNode n = o.get(name);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException("classifier reader config: field \"" + name + "\" is missing");
        }
        return n;
    }

    private static int intField(JsonNode o, String name) {
        JsonNode n = field(o, name);
        if (!n.canConvertToInt()) {
            throw new IllegalArgumentException("classifier reader config: field \"" + name + "\" must be an integer, got " + n);
        }
        return n.asInt();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassifierReaderConfig c && c.toJson().equals(toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    /** The settings, without the default question text. */
    @Override
    public String toString() {
        ObjectNode o = toJson();
        if (o.has("defaultQuestion")) {
            o.put("defaultQuestion", "<set>");
        }
        return "ClassifierReaderConfig" + o;
    }

    /**
     * Builder for {@link ClassifierReaderConfig}; not thread-safe. Image size, channels and text encoder are
     * required.
     */
    public static final class Builder {
        private int imageWidth;
        private int imageHeight;
        private int channels;
        private EncoderFingerprint textEncoder;
        private int[] convChannels = {32, 64, 96};
        private int tokenGrid = 2;
        private int modelWidth = 96;
        private int heads = 4;
        private int layers = 2;
        private int mlpRatio = 4;
        private float dropout = 0.1f;
        private long seed;
        private String defaultQuestion;
        private boolean convertChannels = true;

        private Builder() {
        }

        /** Required: the input size both images are resampled to. */
        public Builder setImageSize(int width, int height) {
            ReaderImageInput.checkSize(width, height);
            this.imageWidth = width;
            this.imageHeight = height;
            return this;
        }

        /** Required: 1 (grey) or 3 (RGB). */
        public Builder setChannels(int channels) {
            ReaderImageInput.checkChannels(channels);
            this.channels = channels;
            return this;
        }

        /** Required: the fingerprint of the frozen text encoder (its dimension sets the projection input). */
        public Builder setTextEncoder(EncoderFingerprint fingerprint) {
            this.textEncoder = Objects.requireNonNull(fingerprint, "fingerprint");
            return this;
        }

        /** Output channels of the stride-2 3x3 convolution stages; default 32, 64, 96. */
        public Builder optConvChannels(int... channels) {
            Objects.requireNonNull(channels, "channels");
            if (channels.length == 0) {
                throw new IllegalArgumentException("the image tower needs at least one convolution stage");
            }
            for (int i = 0; i < channels.length; i++) {
                if (channels[i] < 1) {
                    throw new IllegalArgumentException("convolution stage " + i + " has " + channels[i] + " channels");
                }
            }
            this.convChannels = channels.clone();
            return this;
        }

        /** Tokens per image side after adaptive average pooling; default 2 (4 tokens per image). */
        public Builder optTokenGrid(int grid) {
            if (grid < 1) {
                throw new IllegalArgumentException("token grid must be at least 1, got " + grid);
            }
            this.tokenGrid = grid;
            return this;
        }

        /** Token width d; default 96. */
        public Builder optModelWidth(int width) {
            if (width < 1) {
                throw new IllegalArgumentException("model width must be positive, got " + width);
            }
            this.modelWidth = width;
            return this;
        }

        /** Attention heads; default 4; must divide the model width. */
        public Builder optHeads(int heads) {
            if (heads < 1) {
                throw new IllegalArgumentException("heads must be positive, got " + heads);
            }
            this.heads = heads;
            return this;
        }

        /** Transformer encoder layers; default 2. */
        public Builder optLayers(int layers) {
            if (layers < 1) {
                throw new IllegalArgumentException("layers must be positive, got " + layers);
            }
            this.layers = layers;
            return this;
        }

        /** Hidden width of each transformer MLP as a multiple of d; default 4. */
        public Builder optMlpRatio(int ratio) {
            if (ratio < 1) {
                throw new IllegalArgumentException("MLP ratio must be positive, got " + ratio);
            }
            this.mlpRatio = ratio;
            return this;
        }

        /** Dropout on the residual branches during training; default 0.1. */
        public Builder optDropout(float dropout) {
            if (!(dropout >= 0f && dropout < 1f)) {
                throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
            }
            this.dropout = dropout;
            return this;
        }

        /** Seed of the deterministic parameter initialisation; default 0. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The task question for queries without one (method.md §4.1); default none (zero embedding). */
        public Builder optDefaultQuestion(String question) {
            Objects.requireNonNull(question, "question");
            if (question.isBlank()) {
                throw new IllegalArgumentException("default question is blank");
            }
            this.defaultQuestion = question;
            return this;
        }

        /** Whether images with another channel count are converted; default true. */
        public Builder optConvertChannels(boolean convert) {
            this.convertChannels = convert;
            return this;
        }

        public ClassifierReaderConfig build() {
            ReaderImageInput imageInput = ReaderImageInput.fromBuilder(imageWidth, imageHeight, channels);
            if (textEncoder == null) {
                throw new IllegalStateException("the text encoder fingerprint is required: call setTextEncoder");
            }
            if (modelWidth % heads != 0) {
                throw new IllegalStateException("model width " + modelWidth + " is not divisible by " + heads + " heads");
            }
            ClassifierReaderConfig c = new ClassifierReaderConfig(this, imageInput);
            int fw = c.featureSize(imageWidth);
            int fh = c.featureSize(imageHeight);
            if (fw < tokenGrid || fh < tokenGrid) {
                throw new IllegalStateException("a " + imageWidth + "x" + imageHeight + " image becomes a " + fw + "x" + fh
                        + " feature map after " + convChannels.length + " stride-2 stages, smaller than the "
                        + tokenGrid + "x" + tokenGrid + " token grid");
            }
            return c;
        }
    }
}
