package io.jomed.training.dataset.npy;

import java.io.IOException;

/**
 * The bytes of a {@code .npy} array or {@code .npz} archive are not valid or use a feature this reader
 * does not support (bad magic, unknown version, unsupported dtype, Fortran order, truncated data). The
 * message names the file and, inside an archive, the key.
 *
 * <p>Instances are immutable once thrown and safe to share between threads.
 */
public class NpyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(message);
    }

    public NpyFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
