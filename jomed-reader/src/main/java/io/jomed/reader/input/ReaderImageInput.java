package io.jomed.reader.input;

import io.jomed.retriever.image.ImageInputSpec;

/**
 * The image input of a reader: the size both images (query and case) are resampled to and their channel
 * count, 1 (grey) or 3 (RGB). Pixel values are scaled to [-1, 1], that is {@link ImageInputSpec#centered}
 * normalisation ({@code (v / 255 - 0.5) / 0.5}).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param width input width in pixels, at least 1
 * @param height input height in pixels, at least 1
 * @param channels 1 (grey) or 3 (RGB)
 */
public record ReaderImageInput(int width, int height, int channels) {

    /** @throws IllegalArgumentException if the size is not positive or the channel count is not 1 or 3 */
    public ReaderImageInput {
        checkSize(width, height);
        checkChannels(channels);
    }

    /**
     * The input a builder collected through its {@code setImageSize} and {@code setChannels} methods, where 0
     * means the method was not called.
     *
     * @throws IllegalStateException naming the method that was not called
     */
    public static ReaderImageInput fromBuilder(int width, int height, int channels) {
        if (width == 0) {
            throw new IllegalStateException("the image size is required: call setImageSize");
        }
        if (channels == 0) {
            throw new IllegalStateException("the channel count is required: call setChannels");
        }
        return new ReaderImageInput(width, height, channels);
    }

    /**
     * Validates an image size as builders' {@code setImageSize} take it.
     *
     * @throws IllegalArgumentException if either side is below 1
     */
    public static void checkSize(int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
    }

    /**
     * Validates a channel count as builders' {@code setChannels} take it.
     *
     * @throws IllegalArgumentException if the count is not 1 or 3
     */
    public static void checkChannels(int channels) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), got " + channels);
        }
    }

    /** Number of floats of one converted image: {@code channels * height * width}. */
    public int valuesPerImage() {
        return channels * height * width;
    }

    /** The preprocessing spec of this input: this size and channel count, centered scaling. */
    public ImageInputSpec spec() {
        return ImageInputSpec.centered(width, height, channels);
    }
}
