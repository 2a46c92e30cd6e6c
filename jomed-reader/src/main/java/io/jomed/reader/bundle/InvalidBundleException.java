package io.jomed.reader.bundle;

/**
 * A model bundle cannot be used: another format version, a missing or corrupt file, a malformed manifest, or
 * encoders (or a knowledge base) that differ from those the bundle was saved with. The message names the
 * bundle and, where it applies, the file or manifest field with expected and actual values.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class InvalidBundleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidBundleException(String message) {
        super(message);
    }

    public InvalidBundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
