package io.jomed.training.dataset.medmnist;

import static io.jomed.training.dataset.npy.NpyFixtures.npy;

import io.jomed.training.dataset.npy.NpyFixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Small synthetic MedMNIST-shaped npz files (4x3 images), written without the reader under test. */
final class MedMnistFixtures {
    static final int HEIGHT = 4;
    static final int WIDTH = 3;
    /** Rows per split: train, val, test. */
    static final int[] SIZES = {6, 3, 4};

    private MedMnistFixtures() {
    }

    /** Sample {@code c} of pixel (x, y) of row {@code i} of split {@code s}: distinct per image. */
    static int pixel(MedMnistSplit s, int i, int x, int y, int c) {
        return (s.ordinal() * 61 + i * 17 + (y * WIDTH + x) * 3 + c) & 0xFF;
    }

    /** The label of row {@code i}: cycles through the classes. */
    static int label(int i, int classes) {
        return i % classes;
    }

    /**
     * The six arrays of a dataset.
     *
     * @param channels 1 for {@code (N,H,W)}, 3 for {@code (N,H,W,3)}
     * @param labels2d labels of shape {@code (N,1)} instead of {@code (N,)}
     */
    static Map<String, byte[]> arrays(int channels, boolean labels2d, int classes) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (MedMnistSplit s : MedMnistSplit.values()) {
            int n = SIZES[s.ordinal()];
            byte[] px = new byte[n * HEIGHT * WIDTH * channels];
            int k = 0;
            for (int i = 0; i < n; i++) {
                for (int y = 0; y < HEIGHT; y++) {
                    for (int x = 0; x < WIDTH; x++) {
                        for (int c = 0; c < channels; c++) {
                            px[k++] = (byte) pixel(s, i, x, y, c);
                        }
                    }
                }
            }
            long[] imageShape = channels == 1 ? new long[] {n, HEIGHT, WIDTH} : new long[] {n, HEIGHT, WIDTH, channels};
            m.put(s.imagesKey(), npy("|u1", imageShape, px));
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) label(i, classes);
            }
            m.put(s.labelsKey(), npy("|u1", labels2d ? new long[] {n, 1} : new long[] {n}, labels));
        }
        return m;
    }

    static Path write(Path file, Map<String, byte[]> arrays) throws IOException {
        return NpyFixtures.writeNpz(file, arrays, true);
    }
}
