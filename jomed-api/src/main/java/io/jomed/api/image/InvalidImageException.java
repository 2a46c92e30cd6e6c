package io.jomed.api.image;

/**
 * Thrown when an image is missing, empty or cannot be decoded. The message names the source (file or
 * case id) and the reason, never the pixels.
 *
 * <p>Instances are immutable once thrown and safe to share between threads.
 */
public class InvalidImageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidImageException(String message) {
        super(message);
    }

    public InvalidImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
