package io.jomed.retriever.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.jomed.api.image.MedicalImage;
import io.jomed.retriever.image.ImageInputSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageTowerTest {

    private static final ImageTowerConfig SMALL = ImageTowerConfig.builder()
            .setInputSpec(ImageInputSpec.centered(16, 16, 1)).optChannelWidths(8, 16).optConvolutionsPerStage(1)
            .optEmbeddingDimension(32).build();

    static List<MedicalImage> randomImages(int n, int size, int channels, long seed) {
        Random r = new Random(seed);
        List<MedicalImage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] px = new byte[size * size * channels];
            r.nextBytes(px);
            out.add(MedicalImage.ofPixels(size, size, channels, px));
        }
        return out;
    }

    @Test
    void configRoundTripsThroughItsCanonicalString() {
        ImageTowerConfig parsed = ImageTowerConfig.parse(SMALL.toCanonicalString());
        assertThat(parsed).isEqualTo(SMALL);
        assertThat(SMALL.toCanonicalString()).isEqualTo("input=16x16x1;mean=0.5;std=0.5;widths=8,16;convs=1;dim=32");
        assertThatThrownBy(() -> ImageTowerConfig.parse("input=16x16x1;mean=0.5;std=0.5;widths=8;convs=1"))
                .hasMessageContaining("\"dim\" is missing");
        assertThatThrownBy(() -> ImageTowerConfig.builder().build()).hasMessageContaining("setInputSpec");
        assertThatThrownBy(() -> ImageTowerConfig.builder().setInputSpec(ImageInputSpec.centered(4, 4, 1))
                .optChannelWidths(8, 8, 8, 8).build()).hasMessageContaining("too small for 4 stages");
    }

    @Test
    void ensembleConfigWritesItsMembersAndRejectsOutOfRangeCounts() {
        ImageTowerConfig ensemble = SMALL.toBuilder().optMembers(3).build();
        assertThat(ensemble.toCanonicalString()).isEqualTo(SMALL.toCanonicalString() + ";members=3");
        assertThat(ImageTowerConfig.parse(ensemble.toCanonicalString())).isEqualTo(ensemble).isNotEqualTo(SMALL);
        assertThat(ImageTowerConfig.parse(SMALL.toCanonicalString()).members()).isEqualTo(1);
        assertThatThrownBy(() -> SMALL.toBuilder().optMembers(0).build()).hasMessageContaining("members must be between 1 and 16, got 0");
        assertThatThrownBy(() -> SMALL.toBuilder().optMembers(17).build()).hasMessageContaining("got 17");
        assertThatThrownBy(() -> ImageTowerConfig.parse(SMALL.toCanonicalString() + ";members=x"))
                .hasMessageContaining("malformed");
    }

    @Test
    void ensembleEmbeddingIsTheNormalisedMeanOfIndependentMembers(@TempDir Path dir) {
        ImageTowerConfig config = SMALL.toBuilder().optMembers(3).build();
        List<MedicalImage> images = randomImages(4, 16, 1, 4);
        try (ImageTower tower = ImageTower.create(config, 21); ImageTower single = ImageTower.create(SMALL, 21);
                NDManager sub = tower.manager().newSubManager()) {
            assertThat(tower.parameters()).hasSize(3 * single.parameters().size());
            assertThat(tower.trainableParameterCount()).isEqualTo(3 * single.trainableParameterCount());
            float[] pixels = new float[4 * 16 * 16];
            Random random = new Random(5);
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            NDArray x = sub.create(pixels, new Shape(4, 1, 16, 16));
            NDList members = tower.forwardMembers(x, false);
            assertThat(members).hasSize(3);
            float[][] m = new float[3][];
            for (int j = 0; j < 3; j++) {
                m[j] = members.get(j).toFloatArray();
            }
            assertThat(m[0]).isNotEqualTo(m[1]);
            float[] out = tower.forward(x, false).toFloatArray();
            for (int i = 0; i < 4; i++) {
                double[] mean = new double[32];
                double norm = 0;
                for (int d = 0; d < 32; d++) {
                    mean[d] = m[0][i * 32 + d] + m[1][i * 32 + d] + m[2][i * 32 + d];
                    norm += mean[d] * mean[d];
                }
                for (int d = 0; d < 32; d++) {
                    assertThat((double) out[i * 32 + d]).isCloseTo(mean[d] / Math.sqrt(norm), within(1e-5));
                }
            }
            assertThat(single.forwardMembers(x, false)).hasSize(1);

            Path file = dir.resolve("ensemble.bin");
            tower.save(file);
            try (ImageTower loaded = ImageTower.load(file); ImageTowerEncoder a = new ImageTowerEncoder(tower);
                    ImageTowerEncoder b = new ImageTowerEncoder(loaded)) {
                assertThat(loaded.config()).isEqualTo(config);
                assertThat(loaded.fingerprint()).isEqualTo(tower.fingerprint()).isNotEqualTo(single.fingerprint());
                float[][] ea = a.encode(images);
                float[][] eb = b.encode(images);
                for (int i = 0; i < ea.length; i++) {
                    assertThat(eb[i]).containsExactly(ea[i], within(1e-6f));
                }
            }
        }
    }

    @Test
    void sameSeedGivesSameWeightsAndFingerprint() {
        try (ImageTower a = ImageTower.create(SMALL, 7); ImageTower b = ImageTower.create(SMALL, 7);
                ImageTower c = ImageTower.create(SMALL, 8)) {
            assertThat(a.fingerprint()).isEqualTo(b.fingerprint());
            assertThat(a.fingerprint()).isNotEqualTo(c.fingerprint());
            assertThat(a.fingerprint().kind()).isEqualTo("conv-tower");
            assertThat(a.fingerprint().dimension()).isEqualTo(32);
            assertThat(a.parameterValues()).isDeepEqualTo(b.parameterValues());
        }
    }

    @Test
    void encoderGivesUnitVectorsAndBatchEqualsSingle() {
        List<MedicalImage> images = randomImages(5, 20, 3, 1);
        try (ImageTower tower = ImageTower.create(SMALL, 3); ImageTowerEncoder enc = new ImageTowerEncoder(tower, 2)) {
            float[][] batch = enc.encode(images);
            assertThat(batch).hasDimensions(5, 32);
            for (int i = 0; i < 5; i++) {
                double norm = 0;
                for (float v : batch[i]) {
                    norm += v * v;
                }
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));
                assertThat(enc.encode(images.get(i))).containsExactly(batch[i], within(1e-5f));
            }
            assertThat(enc.fingerprint()).isEqualTo(tower.fingerprint());
        }
    }

    @Test
    void saveAndLoadGiveTheSameEmbeddings(@TempDir Path dir) throws Exception {
        List<MedicalImage> images = randomImages(4, 16, 1, 2);
        Path file = dir.resolve("sub").resolve("tower.bin");
        try (ImageTower tower = ImageTower.create(SMALL, 11); ImageTowerEncoder enc = new ImageTowerEncoder(tower)) {
            tower.save(file);
            try (ImageTower loaded = ImageTower.load(file); ImageTowerEncoder enc2 = ImageTowerEncoder.load(file)) {
                assertThat(loaded.config()).isEqualTo(SMALL);
                assertThat(loaded.fingerprint()).isEqualTo(tower.fingerprint());
                float[][] a = enc.encode(images);
                float[][] b = enc2.encode(images);
                for (int i = 0; i < a.length; i++) {
                    assertThat(b[i]).containsExactly(a[i], within(1e-6f));
                }
            }
        }
        Files.write(dir.resolve("bad.bin"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertThatThrownBy(() -> ImageTower.load(dir.resolve("bad.bin"))).hasMessageContaining("bad.bin")
                .hasMessageContaining("magic");
    }

    @Test
    void copyIsIndependent() {
        try (ImageTower tower = ImageTower.create(SMALL, 5); ImageTower copy = tower.copy()) {
            assertThat(copy.fingerprint()).isEqualTo(tower.fingerprint());
            float[][] values = copy.parameterValues();
            float original = values[0][0];
            values[0][0] += 1f;
            copy.setParameterValues(values);
            assertThat(copy.fingerprint()).isNotEqualTo(tower.fingerprint());
            assertThat(tower.parameterValues()[0][0]).isEqualTo(original);
        }
    }

    @Test
    void encoderIsSafeFromManyThreads() throws Exception {
        List<MedicalImage> images = randomImages(8, 16, 1, 9);
        try (ImageTower tower = ImageTower.create(SMALL, 5); ImageTowerEncoder enc = new ImageTowerEncoder(tower)) {
            float[][] expected = enc.encode(images);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<float[][]>> futures = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    futures.add(pool.submit(() -> enc.encode(images)));
                }
                for (Future<float[][]> f : futures) {
                    float[][] got = f.get();
                    for (int i = 0; i < got.length; i++) {
                        assertThat(got[i]).containsExactly(expected[i], within(1e-5f));
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
    }
}
