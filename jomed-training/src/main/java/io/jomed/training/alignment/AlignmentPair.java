package io.jomed.training.alignment;

import io.jomed.api.image.MedicalImage;
import java.util.Objects;

/**
 * One (image, text key) pair of a knowledge base: the image and the frozen text key {@code g0(text)} its
 * tower embedding should point to.
 *
 * <p>Instances are immutable and thread-safe; the key is copied on the way in and out.
 *
 * @param image the case image
 * @param textKey the case's text key, any non-zero vector (normalised before use)
 */
public record AlignmentPair(MedicalImage image, float[] textKey) {

    public AlignmentPair {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(textKey, "textKey");
        if (textKey.length == 0) {
            throw new IllegalArgumentException("text key is empty");
        }
        double norm = 0;
        for (float v : textKey) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("text key holds a non-finite value: " + v);
            }
            norm += (double) v * v;
        }
        if (norm == 0) {
            throw new IllegalArgumentException("text key is the zero vector");
        }
        textKey = textKey.clone();
    }

    @Override
    public float[] textKey() {
        return textKey.clone();
    }

    float[] textKeyView() {
        return textKey;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AlignmentPair p && p.image.equals(image) && java.util.Arrays.equals(p.textKey, textKey);
    }

    @Override
    public int hashCode() {
        return 31 * image.hashCode() + java.util.Arrays.hashCode(textKey);
    }

    @Override
    public String toString() {
        return "AlignmentPair[" + image + ", key of " + textKey.length + " dims]";
    }
}
