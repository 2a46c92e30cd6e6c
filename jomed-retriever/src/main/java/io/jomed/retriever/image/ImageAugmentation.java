package io.jomed.retriever.image;

import java.util.Random;

/**
 * Random transformations applied to training images (after preprocessing, per image and step; used by the
 * image-tower alignment and by reader training): a shift by up
 * to {@code maxShift} pixels in each direction with the edge pixels repeated, and optional horizontal and
 * vertical flips, each with probability 1/2. Small shifts suit 28x28 medical images; fundus photographs and
 * ultrasound tolerate horizontal flips, chest X-rays do not (the heart is on the left).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param maxShift largest shift in pixels, 0 for none
 * @param horizontalFlip whether to mirror left-right half the time
 * @param verticalFlip whether to mirror top-bottom half the time
 */
public record ImageAugmentation(int maxShift, boolean horizontalFlip, boolean verticalFlip) {
    /** No augmentation. */
    public static final ImageAugmentation NONE = new ImageAugmentation(0, false, false);

    public ImageAugmentation {
        if (maxShift < 0) {
            throw new IllegalArgumentException("maxShift must be non-negative, got " + maxShift);
        }
    }

    /** Shifts of up to {@code maxShift} pixels, no flips. */
    public static ImageAugmentation shifts(int maxShift) {
        return new ImageAugmentation(maxShift, false, false);
    }

    /** Shifts of up to {@code maxShift} pixels and horizontal flips. */
    public static ImageAugmentation shiftsAndHorizontalFlips(int maxShift) {
        return new ImageAugmentation(maxShift, true, false);
    }

    /** Whether this changes nothing. */
    public boolean isNone() {
        return maxShift == 0 && !horizontalFlip && !verticalFlip;
    }

    /** Writes an augmented copy of one CHW image from {@code src[offset..]} into {@code dst[offset..]}. */
    public void apply(float[] src, float[] dst, int offset, int channels, int height, int width, Random random) {
        int dx = maxShift == 0 ? 0 : random.nextInt(2 * maxShift + 1) - maxShift;
        int dy = maxShift == 0 ? 0 : random.nextInt(2 * maxShift + 1) - maxShift;
        boolean flipX = horizontalFlip && random.nextBoolean();
        boolean flipY = verticalFlip && random.nextBoolean();
        for (int c = 0; c < channels; c++) {
            int plane = offset + c * height * width;
            for (int y = 0; y < height; y++) {
                int sy = Math.clamp((flipY ? height - 1 - y : y) - dy, 0, height - 1);
                for (int x = 0; x < width; x++) {
                    int sx = Math.clamp((flipX ? width - 1 - x : x) - dx, 0, width - 1);
                    dst[plane + y * width + x] = src[plane + sy * width + sx];
                }
            }
        }
    }
}
