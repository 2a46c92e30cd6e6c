package io.jomed.api.kb;

import io.jomed.api.image.MedicalImage;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One prior case of a knowledge base: an image with its report or caption text, an id that is unique
 * within the knowledge base, and string metadata usable as search filters (for example
 * {@code source=mimic}, {@code label=1}, {@code split=train}).
 *
 * <p>Build one with {@link #builder()}. Instances are immutable and safe to share between threads.
 * {@link #toString()} shows the id and metadata keys only: report text and pixels are patient data.
 */
public final class KnowledgeBaseCase {

    /** Ids are 1 to 256 printable characters without line breaks. */
    private static final Pattern ID = Pattern.compile("[\\p{Graph} ]{1,256}");
    /** Metadata keys are short identifiers, so they can become index field names. */
    private static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");

    private final String id;
    private final MedicalImage image;
    private final String text;
    private final Map<String, String> metadata;

    private KnowledgeBaseCase(Builder b) {
        this.id = b.id;
        this.image = b.image;
        this.text = b.text;
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(b.metadata));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder pre-filled with this case's values, for making a modified copy. */
    public Builder toBuilder() {
        Builder b = new Builder().setId(id).setImage(image).optText(text);
        b.metadata.putAll(metadata);
        return b;
    }

    public String id() {
        return id;
    }

    public MedicalImage image() {
        return image;
    }

    /** The report or caption text; may be empty, never null. */
    public String text() {
        return text;
    }

    /** Metadata in insertion order; unmodifiable. */
    public Map<String, String> metadata() {
        return metadata;
    }

    public Optional<String> metadata(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KnowledgeBaseCase c && c.id.equals(id) && c.image.equals(image) && c.text.equals(text)
                && c.metadata.equals(metadata);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, text, metadata);
    }

    @Override
    public String toString() {
        return "KnowledgeBaseCase[id=" + id + ", image=" + image + ", metadata keys=" + metadata.keySet() + "]";
    }

    /** Builder for {@link KnowledgeBaseCase}; not thread-safe. Id and image are required. */
    public static final class Builder {
        private String id;
        private MedicalImage image;
        private String text = "";
        private final Map<String, String> metadata = new LinkedHashMap<>();

        private Builder() {
        }

        /** Required: unique within the knowledge base, 1 to 256 printable characters, no line breaks. */
        public Builder setId(String id) {
            Objects.requireNonNull(id, "id");
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException("case id must be 1 to 256 printable characters without line breaks, got \""
                        + abbreviate(id) + "\"");
            }
            this.id = id;
            return this;
        }

        /** Required. */
        public Builder setImage(MedicalImage image) {
            this.image = Objects.requireNonNull(image, "image");
            return this;
        }

        /** Report or caption text; defaults to empty. */
        public Builder optText(String text) {
            this.text = Objects.requireNonNull(text, "text");
            return this;
        }

        /**
         * Adds one metadata entry. Keys start with a letter and hold letters, digits, {@code _ . -} (at most
         * 64 characters); values are any non-null string.
         */
        public Builder optMetadata(String key, String value) {
            Objects.requireNonNull(key, "metadata key");
            Objects.requireNonNull(value, () -> "metadata value of key " + key);
            if (!METADATA_KEY.matcher(key).matches()) {
                throw new IllegalArgumentException("metadata key \"" + abbreviate(key)
                        + "\" must start with a letter and hold only letters, digits, '_', '.', '-' (at most 64)");
            }
            metadata.put(key, value);
            return this;
        }

        /** Adds every entry of {@code entries}, as {@link #optMetadata(String, String)} does. */
        public Builder optMetadata(Map<String, String> entries) {
            entries.forEach(this::optMetadata);
            return this;
        }

        public KnowledgeBaseCase build() {
            if (id == null) {
                throw new IllegalStateException("case id is required: call setId");
            }
            if (image == null) {
                throw new IllegalStateException("case " + id + ": image is required: call setImage");
            }
            return new KnowledgeBaseCase(this);
        }

        private static String abbreviate(String s) {
            return s.length() <= 40 ? s : s.substring(0, 40) + "...";
        }
    }
}
