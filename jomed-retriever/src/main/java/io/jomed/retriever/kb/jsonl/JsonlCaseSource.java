package io.jomed.retriever.kb.jsonl;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * Streams the cases of a JSONL file, one JSON object per line, in the format of the reference
 * implementation:
 * <pre>{"id": "case-1", "img_path": "images/1.png", "text": "No acute findings.", "source": "mimic", "label": 1}</pre>
 * <ul>
 *   <li>{@code id} (required, a non-blank string) becomes the case id;</li>
 *   <li>{@code img_path} (required, a non-blank string) is a path relative to the image root given to the
 *       builder; it must stay inside that root, also after resolving symbolic links, so absolute paths and
 *       {@code ..} escapes are refused;</li>
 *   <li>{@code text} (optional, a string; empty when absent) becomes the report or caption text;</li>
 *   <li>every other top-level field becomes metadata in file order: strings as they are, numbers and
 *       booleans as their JSON text, {@code null} as absent; arrays and objects are refused.</li>
 * </ul>
 * Blank lines are skipped. A line that cannot become a case ends the iteration with a
 * {@link JsonlFormatException} naming the file and the 1-based line number; read inside
 * {@link io.jomed.api.kb.KnowledgeBase#ingest}, it leaves the knowledge base as it was.
 *
 * <p>Each {@link #iterator()} opens the file anew and reads it lazily; the iterator is
 * {@link AutoCloseable} and closes the file when exhausted, on error, or when closed.
 *
 * <p>Instances are immutable and thread-safe; each iterator is not thread-safe.
 */
public final class JsonlCaseSource implements Iterable<KnowledgeBaseCase> {

    static final String FIELD_ID = "id";
    static final String FIELD_IMAGE_PATH = "img_path";
    static final String FIELD_TEXT = "text";

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path file;
    private final Path imageRoot;

    private JsonlCaseSource(Path file, Path imageRoot) {
        this.file = file;
        this.imageRoot = imageRoot;
    }

    /** A builder; file and image root are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The JSONL file. */
    public Path file() {
        return file;
    }

    /** The real path of the folder that every {@code img_path} is resolved under. */
    public Path imageRoot() {
        return imageRoot;
    }

    /**
     * Opens the file and returns a lazy iterator over its cases.
     *
     * @throws UncheckedIOException if the file cannot be opened
     */
    @Override
    public CaseIterator iterator() {
        try {
            return new CaseIterator(Files.newBufferedReader(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open JSONL case file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "JsonlCaseSource[" + file + ", images under " + imageRoot + "]";
    }

    /** Parses one non-blank line into a case. */
    KnowledgeBaseCase parse(String text, long line) {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw error(line, "malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw error(line, "expected a JSON object, got " + (node == null ? "nothing" : node.getNodeType()), null);
        }
        String id = requiredString(node, FIELD_ID, line);
        String imagePath = requiredString(node, FIELD_IMAGE_PATH, line);
        JsonNode textNode = node.get(FIELD_TEXT);
        if (textNode != null && !textNode.isTextual()) {
            throw error(line, "case " + id + ": field \"" + FIELD_TEXT + "\" must be a string, got "
                    + textNode.getNodeType(), null);
        }
        KnowledgeBaseCase.Builder b = KnowledgeBaseCase.builder();
        try {
            b.setId(id);
            if (textNode != null) {
                b.optText(textNode.textValue());
            }
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String key = field.getKey();
                if (key.equals(FIELD_ID) || key.equals(FIELD_IMAGE_PATH) || key.equals(FIELD_TEXT)) {
                    continue;
                }
                JsonNode value = field.getValue();
                if (value.isNull()) {
                    continue;
                }
                if (value.isTextual()) {
                    b.optMetadata(key, value.textValue());
                } else if (value.isNumber() || value.isBoolean()) {
                    b.optMetadata(key, value.toString());
                } else {
                    throw error(line, "case " + id + ": metadata field \"" + key + "\" must be a string, number or"
                            + " boolean, got " + value.getNodeType(), null);
                }
            }
        } catch (JsonlFormatException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw error(line, e.getMessage(), e);
        }
        Path image = resolveImage(imagePath, id, line);
        try {
            b.setImage(MedicalImage.read(image));
        } catch (IllegalArgumentException e) {
            throw error(line, "case " + id + ": " + FIELD_IMAGE_PATH + " \"" + imagePath + "\": " + e.getMessage(), e);
        }
        return b.build();
    }

    private String requiredString(JsonNode node, String field, long line) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw error(line, "missing required field \"" + field + "\"", null);
        }
        if (!value.isTextual()) {
            throw error(line, "field \"" + field + "\" must be a string, got " + value.getNodeType(), null);
        }
        if (value.textValue().isBlank()) {
            throw error(line, "field \"" + field + "\" is blank", null);
        }
        return value.textValue();
    }

    /** Resolves {@code img_path} under the image root, refusing every way out of it. */
    private Path resolveImage(String imagePath, String id, long line) {
        String where = "case " + id + ": " + FIELD_IMAGE_PATH + " \"" + imagePath + "\"";
        Path relative;
        try {
            relative = Path.of(imagePath);
        } catch (InvalidPathException e) {
            throw error(line, where + " is not a valid path: " + e.getMessage(), e);
        }
        if (relative.isAbsolute() || relative.getRoot() != null) {
            throw error(line, where + " is absolute; image paths must be relative to the image root " + imageRoot,
                    null);
        }
        Path resolved = imageRoot.resolve(relative).normalize();
        if (!resolved.startsWith(imageRoot)) {
            throw error(line, where + " leads outside the image root " + imageRoot, null);
        }
        if (!Files.exists(resolved)) {
            throw error(line, where + ": image file " + resolved + " does not exist", null);
        }
        Path real;
        try {
            real = resolved.toRealPath();
        } catch (IOException e) {
            throw error(line, where + ": image file " + resolved + " cannot be resolved: " + e.getMessage(), e);
        }
        if (!real.startsWith(imageRoot)) {
            throw error(line, where + " leads outside the image root " + imageRoot + " through a symbolic link (to "
                    + real + ")", null);
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw error(line, where + ": " + real + " is not a regular file", null);
        }
        return real;
    }

    private JsonlFormatException error(long line, String reason, Throwable cause) {
        return new JsonlFormatException(file, line, reason, cause);
    }

    /**
     * A lazy iterator over the cases of the file; closes the file when exhausted, on error, or on
     * {@link #close()}.
     *
     * <p>Not thread-safe.
     */
    public final class CaseIterator implements Iterator<KnowledgeBaseCase>, AutoCloseable {
        private final BufferedReader reader;
        private long line;
        private KnowledgeBaseCase next;
        private boolean done;

        private CaseIterator(BufferedReader reader) {
            this.reader = reader;
        }

        @Override
        public boolean hasNext() {
            if (next != null) {
                return true;
            }
            if (done) {
                return false;
            }
            try {
                String text;
                while ((text = reader.readLine()) != null) {
                    line++;
                    if (!text.isBlank()) {
                        next = parse(text, line);
                        return true;
                    }
                }
                close();
                return false;
            } catch (IOException e) {
                close();
                throw new UncheckedIOException(file + ":" + (line + 1) + ": cannot read: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public KnowledgeBaseCase next() {
            if (!hasNext()) {
                throw new NoSuchElementException("no more cases in " + file);
            }
            KnowledgeBaseCase c = next;
            next = null;
            return c;
        }

        /** Closes the file; idempotent. */
        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            try {
                reader.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Builder for {@link JsonlCaseSource}; not thread-safe.
     */
    public static final class Builder {
        private Path file;
        private Path imageRoot;

        private Builder() {
        }

        /** Required: the JSONL file. */
        public Builder setFile(Path file) {
            this.file = Objects.requireNonNull(file, "file");
            return this;
        }

        /** Required: the folder that every {@code img_path} is relative to, and must stay inside. */
        public Builder setImageRoot(Path imageRoot) {
            this.imageRoot = Objects.requireNonNull(imageRoot, "imageRoot");
            return this;
        }

        /**
         * @throws IllegalStateException if a required setting is missing
         * @throws IllegalArgumentException if the file is not a readable regular file or the image root is not
         *     an existing folder
         */
        public JsonlCaseSource build() {
            if (file == null) {
                throw new IllegalStateException("JSONL file is required: call setFile");
            }
            if (imageRoot == null) {
                throw new IllegalStateException("image root is required: call setImageRoot");
            }
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("JSONL case file " + file + " does not exist or is not a file");
            }
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("JSONL case file " + file + " is not readable");
            }
            if (!Files.isDirectory(imageRoot)) {
                throw new IllegalArgumentException("image root " + imageRoot + " does not exist or is not a folder");
            }
            try {
                return new JsonlCaseSource(file, imageRoot.toRealPath());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot resolve image root " + imageRoot + ": " + e.getMessage(), e);
            }
        }
    }
}
