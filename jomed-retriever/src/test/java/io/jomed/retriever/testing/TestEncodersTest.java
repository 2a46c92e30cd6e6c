package io.jomed.retriever.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TestEncodersTest {

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    @Test
    void pixelEncoderAveragesAreasSubtractsTheMeanAndNormalises() {
        // 4x4 image, left half 0 and right half 200: at grid 2 the cells are (0, 200, 0, 200)
        byte[] px = new byte[16];
        for (int y = 0; y < 4; y++) {
            for (int x = 2; x < 4; x++) {
                px[y * 4 + x] = (byte) 200;
            }
        }
        PixelImageEncoder encoder = new PixelImageEncoder(2, "0000000a");
        assertThat(encoder.dimension()).isEqualTo(4);
        assertThat(encoder.encode(MedicalImage.ofPixels(4, 4, 1, px))).containsExactly(-0.5f, 0.5f, -0.5f, 0.5f);
        // an RGB picture of the same grey gives the same key; a 3x3 image is split by fractional areas
        byte[] rgb = new byte[48];
        for (int i = 0; i < 16; i++) {
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = px[i];
        }
        assertThat(encoder.encode(MedicalImage.ofPixels(4, 4, 3, rgb))).containsExactly(-0.5f, 0.5f, -0.5f, 0.5f);
        byte[] three = {0, 0, (byte) 90, 0, 0, (byte) 90, 0, 0, (byte) 90};
        float[] k = encoder.encode(MedicalImage.ofPixels(3, 3, 1, three));
        assertThat(norm(k)).isCloseTo(1, within(1e-6));
        assertThat(k[0]).isEqualTo(k[2]).isNegative();
        assertThat(k[1]).isEqualTo(k[3]).isPositive();
        assertThatThrownBy(() -> encoder.encode(ClusteredCases.uniformImage())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uniform");
    }

    @Test
    void hashingEncoderIsDeterministicUnitAndCaseInsensitive() {
        HashingTextEncoder encoder = new HashingTextEncoder(32, "0000000b");
        float[][] keys = encoder.encode(List.of("Mild Effusion, left.", "mild effusion left", "", "!!!", "nodule"));
        assertThat(keys[0]).containsExactly(keys[1]);
        assertThat(keys[2]).containsExactly(keys[3]);
        for (float[] key : keys) {
            assertThat(key).hasSize(32);
            assertThat(norm(key)).isCloseTo(1, within(1e-6));
        }
        assertThat(dot(keys[0], keys[4])).isLessThan(0.99);
        assertThat(new HashingTextEncoder(32, "0000000b").encode("nodule")).containsExactly(keys[4]);
    }

    @Test
    void syntheticCasesAreDeterministicDistinctAndClustered() {
        List<KnowledgeBaseCase> cases = ClusteredCases.clustered("s", 40, 4, 3);
        assertThat(ClusteredCases.clustered("s", 40, 4, 3)).isEqualTo(cases);
        Set<String> hashes = new HashSet<>();
        cases.forEach(c -> hashes.add(c.image().contentHash()));
        assertThat(hashes).hasSize(40);
        PixelImageEncoder encoder = new PixelImageEncoder();
        float[] a = encoder.encode(cases.get(0).image());
        double sameCluster = dot(a, encoder.encode(cases.get(4).image()));
        double otherCluster = dot(a, encoder.encode(cases.get(1).image()));
        assertThat(sameCluster).isGreaterThan(otherCluster);
        assertThat(cases.get(5).metadata()).containsEntry("cluster", "1").containsEntry("label", "1");
    }

    @Test
    void brokenEncoderBreaksOnlyChosenInputs() {
        PixelImageEncoder good = new PixelImageEncoder();
        MedicalImage a = ClusteredCases.image(1);
        MedicalImage b = ClusteredCases.image(2);
        var nan = BrokenEncoder.image(good, BrokenEncoder.Fault.NAN, a::equals);
        assertThat(nan.fingerprint()).isEqualTo(good.fingerprint());
        float[][] keys = nan.encode(List.of(a, b));
        assertThat(keys[0][0]).isNaN();
        assertThat(keys[1]).containsExactly(good.encode(b));
        assertThat(BrokenEncoder.image(good, BrokenEncoder.Fault.WRONG_DIMENSION, a::equals).encode(a)).hasSize(65);
        assertThat(norm(BrokenEncoder.image(good, BrokenEncoder.Fault.NOT_UNIT, a::equals).encode(a)))
                .isCloseTo(2, within(1e-5));
        assertThatThrownBy(() -> BrokenEncoder.text(new HashingTextEncoder(), BrokenEncoder.Fault.THROW, t -> true)
                .encode("x")).isInstanceOf(IllegalStateException.class);
    }
}
