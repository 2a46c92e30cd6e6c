package io.jomed.training.dataset.medmnist;

import java.util.Locale;

/**
 * The three official splits of a MedMNIST file; {@link #key()} is the prefix of their arrays
 * ({@code train_images}, {@code train_labels}, ...).
 *
 * <p>Enum constants are immutable and thread-safe.
 */
public enum MedMnistSplit {
    TRAIN,
    VAL,
    TEST;

    /** {@code train}, {@code val} or {@code test}: the array prefix, also used in case ids and metadata. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The key of the image array, for example {@code train_images}. */
    public String imagesKey() {
        return key() + "_images";
    }

    /** The key of the label array, for example {@code train_labels}. */
    public String labelsKey() {
        return key() + "_labels";
    }
}
