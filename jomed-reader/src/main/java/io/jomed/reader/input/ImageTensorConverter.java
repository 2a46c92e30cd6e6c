package io.jomed.reader.input;

import io.jomed.api.image.InvalidImageException;
import io.jomed.api.image.MedicalImage;
import java.util.function.Supplier;

/**
 * Converts a {@link MedicalImage} (8-bit HWC, grey or RGB) to float CHW at a fixed size and channel count:
 * bilinear resampling with pixel-centre alignment (an identity copy when the size already matches),
 * grey to RGB by repetition, RGB to grey by ITU-R BT.601 luma, then {@code (v / 255 - 0.5) / 0.5}, so
 * values lie in [-1, 1].
 *
 * <p>Kept package-private and small on purpose: the shared image preprocessing of the retriever module
 * replaces it when the modules are merged. Instances are immutable and thread-safe.
 */
final class ImageTensorConverter {
    private final int width;
    private final int height;
    private final int channels;
    private final boolean convertChannels;

    ImageTensorConverter(int width, int height, int channels, boolean convertChannels) {
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.convertChannels = convertChannels;
    }

    int valuesPerImage() {
        return width * height * channels;
    }

    /**
     * Writes one image at {@code offset} of {@code out}.
     *
     * @param what names the image for error messages (for example "case image of case 17 (input 3)")
     * @throws InvalidImageException if the channel counts differ and conversion is switched off
     */
    void write(MedicalImage image, float[] out, int offset, Supplier<String> what) {
        int c = image.channels();
        if (c != channels && !convertChannels) {
            throw new InvalidImageException(what.get() + " has " + c + " channel(s) but the reader takes " + channels
                    + " and channel conversion is switched off");
        }
        byte[] px = image.pixels();
        int w = image.width();
        int h = image.height();
        float[] plane = new float[width * height * c];
        if (w == width && h == height) {
            for (int i = 0; i < plane.length; i++) {
                plane[i] = px[i] & 0xFF;
            }
        } else {
            resizeBilinear(px, w, h, c, plane);
        }
        int hw = width * height;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int src = (y * width + x) * c;
                int dst = y * width + x;
                if (channels == c) {
                    for (int k = 0; k < c; k++) {
                        out[offset + k * hw + dst] = normalise(plane[src + k]);
                    }
                } else if (channels == 3) {
                    float v = normalise(plane[src]);
                    out[offset + dst] = v;
                    out[offset + hw + dst] = v;
                    out[offset + 2 * hw + dst] = v;
                } else {
                    float luma = 0.299f * plane[src] + 0.587f * plane[src + 1] + 0.114f * plane[src + 2];
                    out[offset + dst] = normalise(luma);
                }
            }
        }
    }

    private static float normalise(float v) {
        return (v / 255f - 0.5f) / 0.5f;
    }

    private void resizeBilinear(byte[] px, int w, int h, int c, float[] out) {
        float sx = (float) w / width;
        float sy = (float) h / height;
        for (int y = 0; y < height; y++) {
            float fy = Math.max(0f, (y + 0.5f) * sy - 0.5f);
            int y0 = Math.min((int) fy, h - 1);
            int y1 = Math.min(y0 + 1, h - 1);
            float wy = fy - y0;
            for (int x = 0; x < width; x++) {
                float fx = Math.max(0f, (x + 0.5f) * sx - 0.5f);
                int x0 = Math.min((int) fx, w - 1);
                int x1 = Math.min(x0 + 1, w - 1);
                float wx = fx - x0;
                for (int k = 0; k < c; k++) {
                    float a = px[(y0 * w + x0) * c + k] & 0xFF;
                    float b = px[(y0 * w + x1) * c + k] & 0xFF;
                    float d = px[(y1 * w + x0) * c + k] & 0xFF;
                    float e = px[(y1 * w + x1) * c + k] & 0xFF;
                    float top = a + (b - a) * wx;
                    float bottom = d + (e - d) * wx;
                    out[(y * width + x) * c + k] = top + (bottom - top) * wy;
                }
            }
        }
    }
}
