package io.jomed.retriever.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * The input an image encoder expects: width, height, channel count (1 grey or 3 RGB) and the per-channel
 * mean and standard deviation subtracted from / divided into pixel values scaled to [0, 1].
 *
 * <p>Instances are immutable and thread-safe; the arrays are copied on the way in and out.
 *
 * @param width input width in pixels, at least 1
 * @param height input height in pixels, at least 1
 * @param channels 1 (grey) or 3 (RGB)
 * @param mean per-channel mean, {@code channels} values
 * @param std per-channel standard deviation, {@code channels} positive values
 */
public record ImageInputSpec(int width, int height, int channels, float[] mean, float[] std) {

    public ImageInputSpec {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(std, "std");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("input width and height must be at least 1, got " + width + "x" + height);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("input channels must be 1 (grey) or 3 (RGB), got " + channels);
        }
        if (mean.length != channels || std.length != channels) {
            throw new IllegalArgumentException("mean and std need one value per channel (" + channels + "), got "
                    + mean.length + " means and " + std.length + " stds");
        }
        for (int c = 0; c < channels; c++) {
            if (!(std[c] > 0) || !Float.isFinite(std[c])) {
                throw new IllegalArgumentException("std[" + c + "] must be positive and finite, got " + std[c]);
            }
            if (!Float.isFinite(mean[c])) {
                throw new IllegalArgumentException("mean[" + c + "] must be finite, got " + mean[c]);
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** A spec with mean 0.5 and standard deviation 0.5 on every channel, so inputs lie in [-1, 1]. */
    public static ImageInputSpec centered(int width, int height, int channels) {
        float[] half = new float[channels == 3 ? 3 : 1];
        Arrays.fill(half, 0.5f);
        return new ImageInputSpec(width, height, channels, half, half);
    }

    /** A spec without normalisation: inputs are pixel values scaled to [0, 1]. */
    public static ImageInputSpec unitRange(int width, int height, int channels) {
        float[] zero = new float[channels == 3 ? 3 : 1];
        float[] one = new float[zero.length];
        Arrays.fill(one, 1f);
        return new ImageInputSpec(width, height, channels, zero, one);
    }

    /** Number of floats of one preprocessed image: {@code channels * height * width}. */
    public int size() {
        return channels * height * width;
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** The mean of one channel. */
    public float mean(int channel) {
        return mean[channel];
    }

    /** The standard deviation of one channel. */
    public float std(int channel) {
        return std[channel];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageInputSpec s && s.width == width && s.height == height && s.channels == channels
                && Arrays.equals(s.mean, mean) && Arrays.equals(s.std, std);
    }

    @Override
    public int hashCode() {
        return Objects.hash(width, height, channels, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return "ImageInputSpec[" + width + "x" + height + "x" + channels + ", mean=" + Arrays.toString(mean)
                + ", std=" + Arrays.toString(std) + "]";
    }
}
