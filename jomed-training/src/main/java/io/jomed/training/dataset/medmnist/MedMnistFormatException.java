package io.jomed.training.dataset.medmnist;

import java.io.IOException;

/**
 * A {@code .npz} file is a valid archive but not a usable MedMNIST dataset: a missing array, images that
 * are not {@code uint8 (N,H,W[,3])}, labels of the wrong shape, counts that disagree, or a label outside
 * the task's label space. The message names the file, the array key and, where one is at fault, the row.
 *
 * <p>Instances are immutable once thrown and safe to share between threads.
 */
public class MedMnistFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public MedMnistFormatException(String message) {
        super(message);
    }
}
