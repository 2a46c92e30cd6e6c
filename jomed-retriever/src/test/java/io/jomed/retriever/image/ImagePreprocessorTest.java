package io.jomed.retriever.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.image.MedicalImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImagePreprocessorTest {

    private static MedicalImage grey(int w, int h, int... values) {
        byte[] px = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            px[i] = (byte) values[i];
        }
        return MedicalImage.ofPixels(w, h, 1, px);
    }

    @Test
    void sameSizeGreyIsScaledAndNormalised() {
        var p = new ImagePreprocessor(new ImageInputSpec(2, 1, 1, new float[] {0.5f}, new float[] {0.25f}));
        float[] t = p.toTensor(grey(2, 1, 0, 255));
        assertThat(t).containsExactly(new float[] {-2f, 2f}, within(1e-6f));
    }

    @Test
    void sameSizeRgbGetsExactlyTheScaledValuesOfEveryChannel() {
        var spec = new ImageInputSpec(3, 2, 3, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
        byte[] px = new byte[3 * 2 * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 37 + 11);
        }
        float[] t = new ImagePreprocessor(spec).toTensor(MedicalImage.ofPixels(3, 2, 3, px));
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 6; i++) {
                float v = px[i * 3 + c] & 0xFF;
                assertThat(t[c * 6 + i]).as("channel %d, pixel %d", c, i).isEqualTo((v / 255f - spec.mean(c)) * (1f / spec.std(c)));
            }
        }
    }

    @Test
    void shrinkingAveragesAreas() {
        var p = new ImagePreprocessor(ImageInputSpec.unitRange(2, 2, 1));
        // 4x4 with four 2x2 blocks of constant value
        MedicalImage img = grey(4, 4,
                0, 0, 100, 100,
                0, 0, 100, 100,
                200, 200, 40, 40,
                200, 200, 40, 40);
        assertThat(p.toTensor(img)).containsExactly(new float[] {0f, 100 / 255f, 200 / 255f, 40 / 255f}, within(1e-6f));
    }

    @Test
    void shrinkingByNonIntegerFactorWeighsPartialPixels() {
        var p = new ImagePreprocessor(ImageInputSpec.unitRange(2, 1, 1));
        // 3 -> 2: output 0 covers [0, 1.5): (a + b/2) / 1.5, output 1 covers [1.5, 3)
        float[] t = p.toTensor(grey(3, 1, 30, 60, 90));
        assertThat(t[0] * 255f).isCloseTo((30f + 30f) / 1.5f, within(1e-3f));
        assertThat(t[1] * 255f).isCloseTo((30f + 90f) / 1.5f, within(1e-3f));
    }

    @Test
    void enlargingIsBilinearWithHalfPixelCentres() {
        var p = new ImagePreprocessor(ImageInputSpec.unitRange(4, 1, 1));
        // 2 -> 4: positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
        float[] t = p.toTensor(grey(2, 1, 0, 200));
        float[] expected = {0f, 50f, 150f, 200f};
        for (int i = 0; i < 4; i++) {
            assertThat(t[i] * 255f).isCloseTo(expected[i], within(1e-3f));
        }
    }

    @Test
    void greyIsReplicatedToRgb() {
        var p = new ImagePreprocessor(ImageInputSpec.unitRange(1, 1, 3));
        float[] t = p.toTensor(grey(1, 1, 51));
        assertThat(t).containsExactly(new float[] {0.2f, 0.2f, 0.2f}, within(1e-6f));
    }

    @Test
    void rgbBecomesBt601Luma() {
        var p = new ImagePreprocessor(ImageInputSpec.unitRange(1, 1, 1));
        MedicalImage rgb = MedicalImage.ofPixels(1, 1, 3, new byte[] {(byte) 200, 100, 50});
        float[] t = p.toTensor(rgb);
        assertThat(t[0] * 255f).isCloseTo(0.299f * 200 + 0.587f * 100 + 0.114f * 50, within(1e-3f));
    }

    @Test
    void rgbLayoutIsChannelFirst() {
        var p = new ImagePreprocessor(ImageInputSpec.unitRange(2, 1, 3));
        MedicalImage rgb = MedicalImage.ofPixels(2, 1, 3, new byte[] {10, 20, 30, 40, 50, 60});
        float[] t = p.toTensor(rgb);
        float[] expected = {10, 40, 20, 50, 30, 60};
        for (int i = 0; i < 6; i++) {
            assertThat(t[i] * 255f).isCloseTo(expected[i], within(1e-3f));
        }
    }

    @Test
    void mixedResizeShrinksOneAxisAndGrowsTheOther() {
        var p = new ImagePreprocessor(ImageInputSpec.unitRange(1, 2, 1));
        // 2 wide x 1 high -> 1 wide x 2 high: width averaged, height replicated
        float[] t = p.toTensor(grey(2, 1, 100, 200));
        assertThat(t[0] * 255f).isCloseTo(150f, within(1e-3f));
        assertThat(t[1] * 255f).isCloseTo(150f, within(1e-3f));
    }

    @Test
    void constantImageStaysConstantAtAnySize() {
        var p = new ImagePreprocessor(ImageInputSpec.centered(28, 28, 3));
        byte[] px = new byte[37 * 19];
        java.util.Arrays.fill(px, (byte) 128);
        float[] t = p.toTensor(MedicalImage.ofPixels(37, 19, 1, px));
        for (float v : t) {
            assertThat(v).isCloseTo((128 / 255f - 0.5f) / 0.5f, within(1e-5f));
        }
    }

    @Test
    void batchConcatenatesSingles() {
        var p = new ImagePreprocessor(ImageInputSpec.centered(3, 3, 1));
        MedicalImage a = grey(2, 2, 0, 50, 100, 150);
        MedicalImage b = grey(4, 4, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        float[] batch = p.toTensor(List.of(a, b));
        float[] both = new float[18];
        System.arraycopy(p.toTensor(a), 0, both, 0, 9);
        System.arraycopy(p.toTensor(b), 0, both, 9, 9);
        assertThat(batch).containsExactly(both);
    }

    @Test
    void rejectsBadSpecAndTooSmallOutput() {
        assertThatThrownBy(() -> new ImageInputSpec(28, 28, 3, new float[] {0f}, new float[] {1f}))
                .hasMessageContaining("one value per channel (3)");
        assertThatThrownBy(() -> new ImageInputSpec(28, 28, 1, new float[] {0f}, new float[] {0f}))
                .hasMessageContaining("std[0]");
        var p = new ImagePreprocessor(ImageInputSpec.unitRange(2, 2, 1));
        assertThatThrownBy(() -> p.fill(grey(1, 1, 0), new float[5], 2)).hasMessageContaining("offset 2");
    }
}
