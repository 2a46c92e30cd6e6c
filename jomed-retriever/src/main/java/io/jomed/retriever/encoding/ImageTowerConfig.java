package io.jomed.retriever.encoding;

import io.jomed.retriever.image.ImageInputSpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The shape of an {@link ImageTower}: its input, the channel width of each convolutional stage, the number
 * of 3x3 convolutions per stage, the embedding dimension and the number of ensemble members (independent
 * networks of that shape whose unit embeddings are averaged).
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
    /** Default number of ensemble members: a single network. */
    public static final int DEFAULT_MEMBERS = 1;
    /** The most ensemble members a tower may have. */
    public static final int MAX_MEMBERS = 16;

    private final ImageInputSpec inputSpec;
    private final int[] channelWidths;
    private final int convolutionsPerStage;
    private final int embeddingDimension;
    private final int members;

    private ImageTowerConfig(Builder b) {
        this.inputSpec = b.inputSpec;
        this.channelWidths = b.channelWidths.clone();
        this.convolutionsPerStage = b.convolutionsPerStage;
        this.embeddingDimension = b.embeddingDimension;
        this.members = b.members;
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

    /**
     * The number of independent networks of this shape in the tower; with more than one, the tower's embedding
     * is the L2-normalised mean of theirs.
     */
    public int members() {
        return members;
    }

    /** A builder pre-filled with this configuration. */
    public Builder toBuilder() {
        return builder().setInputSpec(inputSpec).optChannelWidths(channelWidths)
                .optConvolutionsPerStage(convolutionsPerStage).optEmbeddingDimension(embeddingDimension)
                .optMembers(members);
    }

    /**
     * One line that fixes every setting, used in the saved file and the fingerprint, for example
     * {@code input=28x28x1;mean=0.5;std=0.5;widths=32,64,128;convs=2;dim=384;members=3}. The members field is
     * written only for ensembles, so a single network reads as it did before ensembles existed (same saved
     * files, same fingerprints).
     */
    public String toCanonicalString() {
        return "input=" + inputSpec.width() + "x" + inputSpec.height() + "x" + inputSpec.channels()
                + ";mean=" + join(inputSpec.mean()) + ";std=" + join(inputSpec.std())
                + ";widths=" + join(channelWidths) + ";convs=" + convolutionsPerStage + ";dim=" + embeddingDimension
                + (members == 1 ? "" : ";members=" + members);
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
                    .optEmbeddingDimension(Integer.parseInt(field(fields, "dim", text)))
                    .optMembers(fields.containsKey("members") ? Integer.parseInt(fields.get("members")) : DEFAULT_MEMBERS)
                    .build();
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
                && c.convolutionsPerStage == convolutionsPerStage && c.embeddingDimension == embeddingDimension
                && c.members == members;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inputSpec, Arrays.hashCode(channelWidths), convolutionsPerStage, embeddingDimension, members);
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
        private int members = DEFAULT_MEMBERS;

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

        /**
         * Independent networks of this shape, default 1. With more, the tower is a deep ensemble: each member
         * starts from its own random weights, is trained with its own loss, and the tower's embedding is the
         * L2-normalised mean of the members' unit embeddings. Costs the factor in time and memory.
         */
        public Builder optMembers(int members) {
            this.members = members;
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
            if (members < 1 || members > MAX_MEMBERS) {
                throw new IllegalArgumentException("members must be between 1 and " + MAX_MEMBERS + ", got " + members);
            }
            return new ImageTowerConfig(this);
        }
    }
}
