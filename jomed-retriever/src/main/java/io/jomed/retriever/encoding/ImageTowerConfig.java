package io.jomed.retriever.encoding;

import io.jomed.retriever.image.ImageInputSpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The shape of an {@link ImageTower}: its input, the channel width of each convolutional stage, the number
 * of 3x3 convolutions per stage and the embedding dimension.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ImageTowerConfig {
    /** Default stage widths. */
    public static final int[] DEFAULT_CHANNEL_WIDTHS = {32, 64, 128};
    /** Default embedding dimension: that of the MiniLM text keys, so the tower can be aligned to them. */
    public static final int DEFAULT_EMBEDDING_DIMENSION = 384;
    /** Default number of convolutions per stage. */
    public static final int DEFAULT_CONVOLUTIONS_PER_STAGE = 2;

    private final ImageInputSpec inputSpec;
    private final int[] channelWidths;
    private final int convolutionsPerStage;
    private final int embeddingDimension;

    private ImageTowerConfig(Builder b) {
        this.inputSpec = b.inputSpec;
        this.channelWidths = b.channelWidths.clone();
        this.convolutionsPerStage = b.convolutionsPerStage;
        this.embeddingDimension = b.embeddingDimension;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ImageInputSpec inputSpec() {
        return inputSpec;
    }

    /** Output channels of each stage; a 2x2 max-pool follows every stage but the last. */
    public int[] channelWidths() {
        return channelWidths.clone();
    }

    public int convolutionsPerStage() {
        return convolutionsPerStage;
    }

    public int embeddingDimension() {
        return embeddingDimension;
    }

    /** A builder pre-filled with this configuration. */
    public Builder toBuilder() {
        return builder().setInputSpec(inputSpec).optChannelWidths(channelWidths)
                .optConvolutionsPerStage(convolutionsPerStage).optEmbeddingDimension(embeddingDimension);
    }

    /**
     * One line that fixes every setting, used in the saved file and the fingerprint, for example
     * {@code input=28x28x1;mean=0.5;std=0.5;widths=32,64,128;convs=2;dim=384}.
     */
    public String toCanonicalString() {
        return "input=" + inputSpec.width() + "x" + inputSpec.height() + "x" + inputSpec.channels()
                + ";mean=" + join(inputSpec.mean()) + ";std=" + join(inputSpec.std())
                + ";widths=" + join(channelWidths) + ";convs=" + convolutionsPerStage + ";dim=" + embeddingDimension;
    }

    /**
     * Parses {@link #toCanonicalString()}.
     *
     * @throws IllegalArgumentException naming the field that is missing or malformed
     */
    public static ImageTowerConfig parse(String text) {
        Objects.requireNonNull(text, "text");
        Map<String, String> fields = new HashMap<>();
        for (String part : text.split(";")) {
            int eq = part.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("image tower config: expected key=value, got \"" + part + "\" in \"" + text + "\"");
            }
            fields.put(part.substring(0, eq), part.substring(eq + 1));
        }
        try {
            String[] input = field(fields, "input", text).split("x");
            if (input.length != 3) {
                throw new IllegalArgumentException("image tower config: field input must read WxHxC, got \"" + fields.get("input") + "\"");
            }
            ImageInputSpec spec = new ImageInputSpec(Integer.parseInt(input[0]), Integer.parseInt(input[1]),
                    Integer.parseInt(input[2]), floats(field(fields, "mean", text)), floats(field(fields, "std", text)));
            String[] w = field(fields, "widths", text).split(",");
            int[] widths = new int[w.length];
            for (int i = 0; i < w.length; i++) {
                widths[i] = Integer.parseInt(w[i]);
            }
            return builder().setInputSpec(spec).optChannelWidths(widths)
                    .optConvolutionsPerStage(Integer.parseInt(field(fields, "convs", text)))
                    .optEmbeddingDimension(Integer.parseInt(field(fields, "dim", text))).build();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("image tower config: a number is malformed in \"" + text + "\"", e);
        }
    }

    private static String field(Map<String, String> fields, String key, String text) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalArgumentException("image tower config: field \"" + key + "\" is missing in \"" + text + "\"");
        }
        return v;
    }

    private static float[] floats(String csv) {
        String[] parts = csv.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i]);
        }
        return out;
    }

    private static String join(float[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",").append(values[i]);
        }
        return sb.toString();
    }

    private static String join(int[] values) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            sb.append(i == 0 ? "" : ",").append(values[i]);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageTowerConfig c && c.inputSpec.equals(inputSpec) && Arrays.equals(c.channelWidths, channelWidths)
                && c.convolutionsPerStage == convolutionsPerStage && c.embeddingDimension == embeddingDimension;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputSpec, Arrays.hashCode(channelWidths), convolutionsPerStage, embeddingDimension);
    }

    @Override
    public String toString() {
        return "ImageTowerConfig[" + toCanonicalString() + "]";
    }

    /**
     * Builds an {@link ImageTowerConfig}; the input spec is required.
     *
     * <p>Not thread-safe.
     */
    public static final class Builder {
        private ImageInputSpec inputSpec;
        private int[] channelWidths = DEFAULT_CHANNEL_WIDTHS.clone();
        private int convolutionsPerStage = DEFAULT_CONVOLUTIONS_PER_STAGE;
        private int embeddingDimension = DEFAULT_EMBEDDING_DIMENSION;

        private Builder() {
        }

        /** The input size, channels and normalisation. */
        public Builder setInputSpec(ImageInputSpec inputSpec) {
            this.inputSpec = Objects.requireNonNull(inputSpec, "inputSpec");
            return this;
        }

        /** Output channels of each stage, default {@code 32, 64, 128}. */
        public Builder optChannelWidths(int... channelWidths) {
            this.channelWidths = Objects.requireNonNull(channelWidths, "channelWidths").clone();
            return this;
        }

        /** 3x3 convolutions (each followed by batch normalisation and ReLU) per stage, default 2. */
        public Builder optConvolutionsPerStage(int convolutionsPerStage) {
            this.convolutionsPerStage = convolutionsPerStage;
            return this;
        }

        /** Output dimension, default 384. */
        public Builder optEmbeddingDimension(int embeddingDimension) {
            this.embeddingDimension = embeddingDimension;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that is missing or out of range */
        public ImageTowerConfig build() {
            if (inputSpec == null) {
                throw new IllegalArgumentException("image tower config needs setInputSpec(...)");
            }
            if (channelWidths.length == 0) {
                throw new IllegalArgumentException("image tower config needs at least one channel width");
            }
            for (int i = 0; i < channelWidths.length; i++) {
                if (channelWidths[i] < 1) {
                    throw new IllegalArgumentException("channel width " + i + " must be positive, got " + channelWidths[i]);
                }
            }
            int minSide = Math.min(inputSpec.width(), inputSpec.height());
            int pooled = minSide >> (channelWidths.length - 1);
            if (pooled < 1) {
                throw new IllegalArgumentException("input " + inputSpec.width() + "x" + inputSpec.height() + " is too small for "
                        + channelWidths.length + " stages (each but the last halves the size)");
            }
            if (convolutionsPerStage < 1) {
                throw new IllegalArgumentException("convolutions per stage must be at least 1, got " + convolutionsPerStage);
            }
            if (embeddingDimension < 1) {
                throw new IllegalArgumentException("embedding dimension must be positive, got " + embeddingDimension);
            }
            return new ImageTowerConfig(this);
        }
    }
}
