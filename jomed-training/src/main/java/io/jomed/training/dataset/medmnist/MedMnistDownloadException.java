package io.jomed.training.dataset.medmnist;

import java.io.IOException;

/**
 * A MedMNIST file could not be found locally and could not be downloaded: the server was unreachable,
 * answered with an error status, or sent bytes whose MD5 differs from the official checksum. Nothing is
 * left in the cache when this is thrown.
 *
 * <p>Instances are immutable once thrown and safe to share between threads.
 */
public class MedMnistDownloadException extends IOException {
    private static final long serialVersionUID = 1L;

    public MedMnistDownloadException(String message) {
        super(message);
    }

    public MedMnistDownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
