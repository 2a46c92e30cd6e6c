package io.jomed.retriever.image;

import io.jomed.api.image.MedicalImage;
import java.util.List;
import java.util.Objects;

/**
 * Converts any {@link MedicalImage} to the float input an encoder expects, as described by an
 * {@link ImageInputSpec}. The conversion, in this order:
 * <ol>
 *   <li><b>Channels</b>, at the source resolution: grey to RGB by replicating the grey value into R, G and B;
 *       RGB to grey by ITU-R BT.601 luma {@code Y = 0.299 R + 0.587 G + 0.114 B}; equal counts unchanged.
 *       Values stay unrounded floats in [0, 255].</li>
 *   <li><b>Size</b>, separably per axis: an axis that shrinks is resampled by area averaging (each output
 *       pixel is the mean of the source interval it covers, partial source pixels weighted by their
 *       overlap); an axis that grows is resampled bilinearly with pixel centres at {@code i + 0.5}
 *       ({@code align_corners = false}) and the edge pixels repeated beyond the border; an axis of equal
 *       size is copied. Width is resampled first, then height.</li>
 *   <li><b>Scaling</b>: {@code x = (v / 255 - mean[c]) / std[c]}.</li>
 *   <li><b>Layout</b>: channel-first (CHW), row-major, one {@code float[]} of {@code channels * height * width}
 *       values; a batch is N such blocks one after another (NCHW).</li>
 * </ol>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ImagePreprocessor {
    private static final float LUMA_R = 0.299f;
    private static final float LUMA_G = 0.587f;
    private static final float LUMA_B = 0.114f;

    private final ImageInputSpec spec;

    public ImagePreprocessor(ImageInputSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    public ImageInputSpec spec() {
        return spec;
    }

    /** Converts one image to {@code channels * height * width} floats in CHW order. */
    public float[] toTensor(MedicalImage image) {
        float[] out = new float[spec.size()];
        fill(image, out, 0);
        return out;
    }

    /**
     * Converts a batch into one array of {@code images.size() * channels * height * width} floats (NCHW).
     *
     * @throws IllegalArgumentException naming the index of a null image
     */
    public float[] toTensor(List<MedicalImage> images) {
        Objects.requireNonNull(images, "images");
        int size = spec.size();
        float[] out = new float[Math.multiplyExact(images.size(), size)];
        for (int i = 0; i < images.size(); i++) {
            MedicalImage image = images.get(i);
            if (image == null) {
                throw new IllegalArgumentException("image " + i + " of the batch is null");
            }
            fill(image, out, i * size);
        }
        return out;
    }

    /** Writes the converted image into {@code out} starting at {@code offset}. */
    public void fill(MedicalImage image, float[] out, int offset) {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(out, "out");
        if (offset < 0 || offset > out.length - spec.size()) {
            throw new IllegalArgumentException("output array of " + out.length + " floats has no room for "
                    + spec.size() + " floats at offset " + offset);
        }
        int sw = image.width();
        int sh = image.height();
        int tw = spec.width();
        int th = spec.height();
        int tc = spec.channels();
        float[][] planes = channelPlanes(image, tc);
        if (sw == tw && sh == th) {
            // equal size: resampling would copy every value (1 * v + 0), so scale the planes directly
            for (int c = 0; c < tc; c++) {
                scale(planes[c], c, out, offset + c * th * tw);
            }
            return;
        }
        Resampling horizontal = Resampling.of(sw, tw);
        Resampling vertical = Resampling.of(sh, th);
        float[] rows = new float[sh * tw];
        float[] resized = new float[th * tw];
        for (int c = 0; c < tc; c++) {
            float[] src = planes[c];
            for (int y = 0; y < sh; y++) {
                horizontal.apply(src, y * sw, 1, rows, y * tw, 1);
            }
            for (int x = 0; x < tw; x++) {
                vertical.apply(rows, x, tw, resized, x, tw);
            }
            scale(resized, c, out, offset + c * th * tw);
        }
    }

    /** Writes {@code (v / 255 - mean[c]) / std[c]} of every value of one channel plane at {@code base}. */
    private void scale(float[] plane, int c, float[] out, int base) {
        float mean = spec.mean(c);
        float invStd = 1f / spec.std(c);
        for (int i = 0; i < plane.length; i++) {
            out[base + i] = (plane[i] / 255f - mean) * invStd;
        }
    }

    /** The image's channels converted to {@code targetChannels} planes of floats in [0, 255]. */
    private static float[][] channelPlanes(MedicalImage image, int targetChannels) {
        byte[] px = image.pixels();
        int n = image.width() * image.height();
        int sc = image.channels();
        float[][] planes = new float[targetChannels][];
        if (sc == targetChannels) {
            for (int c = 0; c < sc; c++) {
                float[] plane = new float[n];
                for (int i = 0; i < n; i++) {
                    plane[i] = px[i * sc + c] & 0xFF;
                }
                planes[c] = plane;
            }
        } else if (sc == 1) {
            float[] grey = new float[n];
            for (int i = 0; i < n; i++) {
                grey[i] = px[i] & 0xFF;
            }
            for (int c = 0; c < targetChannels; c++) {
                planes[c] = grey;
            }
        } else {
            float[] luma = new float[n];
            for (int i = 0; i < n; i++) {
                luma[i] = LUMA_R * (px[3 * i] & 0xFF) + LUMA_G * (px[3 * i + 1] & 0xFF) + LUMA_B * (px[3 * i + 2] & 0xFF);
            }
            planes[0] = luma;
        }
        return planes;
    }

    /** Linear resampling of one axis: each output sample is a weighted sum of source samples. */
    private record Resampling(int[][] indices, float[][] weights) {

        static Resampling of(int source, int target) {
            int[][] idx = new int[target][];
            float[][] w = new float[target][];
            if (source == target) {
                for (int o = 0; o < target; o++) {
                    idx[o] = new int[] {o};
                    w[o] = new float[] {1f};
                }
            } else if (target < source) {
                double scale = (double) source / target;
                for (int o = 0; o < target; o++) {
                    double start = o * scale;
                    double end = (o + 1) * scale;
                    int first = (int) Math.floor(start);
                    int last = Math.min(source - 1, (int) Math.ceil(end) - 1);
                    idx[o] = new int[last - first + 1];
                    w[o] = new float[last - first + 1];
                    for (int s = first; s <= last; s++) {
                        double overlap = Math.min(end, s + 1) - Math.max(start, s);
                        idx[o][s - first] = s;
                        w[o][s - first] = (float) (overlap / scale);
                    }
                }
            } else {
                double scale = (double) source / target;
                for (int o = 0; o < target; o++) {
                    double pos = Math.clamp((o + 0.5) * scale - 0.5, 0.0, source - 1.0);
                    int i0 = (int) Math.floor(pos);
                    int i1 = Math.min(i0 + 1, source - 1);
                    float frac = (float) (pos - i0);
                    idx[o] = new int[] {i0, i1};
                    w[o] = new float[] {1f - frac, frac};
                }
            }
            return new Resampling(idx, w);
        }

        void apply(float[] src, int srcOffset, int srcStride, float[] dst, int dstOffset, int dstStride) {
            for (int o = 0; o < indices.length; o++) {
                int[] is = indices[o];
                float[] ws = weights[o];
                float sum = 0f;
                for (int k = 0; k < is.length; k++) {
                    sum += ws[k] * src[srcOffset + is[k] * srcStride];
                }
                dst[dstOffset + o * dstStride] = sum;
            }
        }
    }
}
