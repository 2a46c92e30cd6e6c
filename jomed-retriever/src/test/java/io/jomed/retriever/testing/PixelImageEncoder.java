package io.jomed.retriever.testing;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.image.MedicalImage;
import java.util.List;
import java.util.Objects;

/**
 * A deterministic test image encoder: converts the image to grey (mean of the channels), shrinks it to a
 * {@code grid x grid} raster by exact area averaging, subtracts the mean and L2-normalises. Dimension
 * {@code grid * grid} (64 by default). A uniform image has no direction and is refused.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PixelImageEncoder implements ImageEncoder {
    private final int grid;
    private final EncoderFingerprint fingerprint;

    /** An 8x8 (64-d) encoder with digest {@code 00000001}. */
    public PixelImageEncoder() {
        this(8, "00000001");
    }

    /**
     * @param grid side of the raster, 1 to 32; dimension is {@code grid * grid}
     * @param digest the fingerprint digest, 8+ lower-case hex digits; encoders with other digests count as
     *     other encoders
     */
    public PixelImageEncoder(int grid, String digest) {
        if (grid < 2 || grid > 32) {
            throw new IllegalArgumentException("grid must be in [2, 32], got " + grid);
        }
        this.grid = grid;
        this.fingerprint = new EncoderFingerprint("pixel-grid", Objects.requireNonNull(digest, "digest"), grid * grid);
    }

    @Override
    public int dimension() {
        return grid * grid;
    }

    @Override
    public EncoderFingerprint fingerprint() {
        return fingerprint;
    }

    @Override
    public float[][] encode(List<MedicalImage> images) {
        float[][] out = new float[images.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = encodeOne(images.get(i));
        }
        return out;
    }

    private float[] encodeOne(MedicalImage image) {
        int w = image.width();
        int h = image.height();
        int c = image.channels();
        double[] cells = new double[grid * grid];
        for (int gy = 0; gy < grid; gy++) {
            double y0 = (double) gy * h / grid;
            double y1 = (double) (gy + 1) * h / grid;
            for (int gx = 0; gx < grid; gx++) {
                double x0 = (double) gx * w / grid;
                double x1 = (double) (gx + 1) * w / grid;
                double sum = 0;
                double area = 0;
                for (int y = (int) Math.floor(y0); y < Math.min(h, (int) Math.ceil(y1)); y++) {
                    double wy = Math.min(y + 1, y1) - Math.max(y, y0);
                    for (int x = (int) Math.floor(x0); x < Math.min(w, (int) Math.ceil(x1)); x++) {
                        double wx = Math.min(x + 1, x1) - Math.max(x, x0);
                        double grey = 0;
                        for (int ch = 0; ch < c; ch++) {
                            grey += image.pixel(x, y, ch);
                        }
                        sum += wx * wy * grey / c;
                        area += wx * wy;
                    }
                }
                cells[gy * grid + gx] = sum / area;
            }
        }
        double mean = 0;
        for (double v : cells) {
            mean += v;
        }
        mean /= cells.length;
        double norm = 0;
        for (int i = 0; i < cells.length; i++) {
            cells[i] -= mean;
            norm += cells[i] * cells[i];
        }
        norm = Math.sqrt(norm);
        if (norm < 1e-9) {
            throw new IllegalArgumentException(image + " is uniform at " + grid + "x" + grid
                    + ": it has no direction to encode");
        }
        float[] key = new float[cells.length];
        for (int i = 0; i < key.length; i++) {
            key[i] = (float) (cells[i] / norm);
        }
        return key;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "PixelImageEncoder[" + fingerprint + "]";
    }
}
