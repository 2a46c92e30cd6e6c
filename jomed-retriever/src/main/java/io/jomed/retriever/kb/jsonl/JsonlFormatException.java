package io.jomed.retriever.kb.jsonl;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A line of a JSONL case file that cannot become a case; the message starts with {@code file:line:}.
 *
 * <p>Instances are immutable once thrown and safe to share between threads.
 */
public class JsonlFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long line;

    /**
     * @param file the JSONL file
     * @param line 1-based line number
     * @param reason what is wrong with the line
     * @param cause the underlying error, or null
     */
    public JsonlFormatException(Path file, long line, String reason, Throwable cause) {
        super(Objects.requireNonNull(file, "file") + ":" + line + ": " + Objects.requireNonNull(reason, "reason"), cause);
        this.file = file;
        this.line = line;
    }

    /** The JSONL file. */
    public Path file() {
        return file;
    }

    /** The 1-based line number. */
    public long line() {
        return line;
    }
}
