package io.jomed.retriever.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

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
