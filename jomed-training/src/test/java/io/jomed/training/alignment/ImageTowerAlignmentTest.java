package io.jomed.training.alignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.progress.JobCancelledException;
import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.image.ImageAugmentation;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.image.ImagePreprocessor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageTowerAlignmentTest {
    private static final int DIM = 16;
    private static final ImageTowerConfig CONFIG = ImageTowerConfig.builder()
            .setInputSpec(ImageInputSpec.centered(16, 16, 1)).optChannelWidths(8, 16).optConvolutionsPerStage(1)
            .optEmbeddingDimension(DIM).build();

    /** Three visually distinct classes: horizontal stripes, vertical stripes, a bright centre; noisy, any size. */
    static List<AlignmentPair> pairs(int perClass, float[][] keys, long seed) {
        Random r = new Random(seed);
        List<AlignmentPair> out = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < 3; c++) {
                int size = 14 + r.nextInt(6);
                int phase = r.nextInt(4);
                byte[] px = new byte[size * size];
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        double v = switch (c) {
                            case 0 -> ((y + phase) / 2) % 2 == 0 ? 200 : 50;
                            case 1 -> ((x + phase) / 2) % 2 == 0 ? 200 : 50;
                            default -> Math.hypot(x - size / 2.0, y - size / 2.0) < size / 4.0 ? 220 : 40;
                        };
                        v += r.nextGaussian() * 25;
                        px[y * size + x] = (byte) Math.clamp((long) v, 0, 255);
                    }
                }
                out.add(new AlignmentPair(MedicalImage.ofPixels(size, size, 1, px), keys[c]));
            }
        }
        return out;
    }

    static float[][] keys(long seed) {
        Random r = new Random(seed);
        float[][] keys = new float[3][DIM];
        for (float[] k : keys) {
            for (int j = 0; j < DIM; j++) {
                k[j] = (float) r.nextGaussian();
            }
        }
        return keys;
    }

    /** The key (by cosine) nearest to the embedding at {@code offset} of {@code embeddings}. */
    private static int nearestKey(float[] embeddings, int offset, float[][] keys) {
        int best = 0;
        double bestCosine = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < keys.length; k++) {
            double dot = 0;
            double norm = 0;
            for (int j = 0; j < DIM; j++) {
                dot += embeddings[offset + j] * keys[k][j];
                norm += keys[k][j] * keys[k][j];
            }
            if (dot / Math.sqrt(norm) > bestCosine) {
                bestCosine = dot / Math.sqrt(norm);
                best = k;
            }
        }
        return best;
    }

    private static ImageTowerAlignment alignment(long seed) {
        return ImageTowerAlignment.builder().setTowerConfig(CONFIG).optEpochs(12).optBatchSize(16)
                .optLearningRate(3e-3).optSeed(seed).optAugmentation(ImageAugmentation.shiftsAndHorizontalFlips(1)).build();
    }

    @Test
    void alignsDistinctClassesToTheirKeys(@TempDir Path dir) {
        float[][] keys = keys(1);
        List<AlignmentPair> train = pairs(20, keys, 2);
        List<AlignmentPair> val = pairs(8, keys, 3);
        List<ProgressEvent> events = new CopyOnWriteArrayList<>();
        try (AlignmentResult result = alignment(5).align(train, val, events::add)) {
            assertThat(result.epochs()).hasSize(12);
            assertThat(result.best().validationTop1()).isGreaterThanOrEqualTo(0.9);
            assertThat(result.epochs().get(result.bestEpoch() - 1).validationTop1())
                    .isEqualTo(result.epochs().stream().mapToDouble(AlignmentEpoch::validationTop1).max().orElseThrow());
            assertThat(events).anyMatch(e -> e.job().equals("align") && e.metrics().containsKey("val_accuracy"));
            assertThat(events).anyMatch(e -> e.metrics().containsKey("loss") && e.remaining().isPresent());

            // the kept tower embeds a validation image closest to its own key
            try (ImageTowerEncoder enc = new ImageTowerEncoder(result.tower())) {
                assertThat(nearestKey(enc.encode(val.get(2).image()), 0, keys)).isEqualTo(2);
                // save / load round trip keeps the embeddings
                Path file = dir.resolve("tower.bin");
                result.tower().save(file);
                try (ImageTowerEncoder loaded = ImageTowerEncoder.load(file)) {
                    float[][] a = enc.encode(val.stream().map(AlignmentPair::image).toList());
                    float[][] b = loaded.encode(val.stream().map(AlignmentPair::image).toList());
                    for (int i = 0; i < a.length; i++) {
                        assertThat(b[i]).containsExactly(a[i], within(1e-6f));
                    }
                    assertThat(loaded.fingerprint()).isEqualTo(enc.fingerprint());
                }
            }
        }
    }

    @Test
    void ensembleMembersEachLearnTheirOwnAlignment() {
        float[][] keys = keys(1);
        List<AlignmentPair> train = pairs(20, keys, 2);
        List<AlignmentPair> val = pairs(8, keys, 3);
        ImageTowerAlignment ensemble = ImageTowerAlignment.builder().setTowerConfig(CONFIG.toBuilder().optMembers(2).build())
                .optEpochs(12).optBatchSize(16).optLearningRate(3e-3).optSeed(5)
                .optAugmentation(ImageAugmentation.shiftsAndHorizontalFlips(1)).build();
        try (AlignmentResult result = ensemble.align(train, val, ProgressListener.NONE)) {
            assertThat(result.tower().config().members()).isEqualTo(2);
            assertThat(result.best().validationTop1()).isGreaterThanOrEqualTo(0.9);
            ImageTower tower = result.tower();
            try (NDManager sub = tower.manager().newSubManager()) {
                float[] pixels = new ImagePreprocessor(CONFIG.inputSpec())
                        .toTensor(val.stream().map(AlignmentPair::image).toList());
                NDList members = tower.forwardMembers(
                        sub.create(pixels, new Shape(val.size(), 1, 16, 16)), false);
                assertThat(members).hasSize(2);
                for (NDArray member : members) {
                    float[] e = member.toFloatArray();
                    int correct = 0;
                    for (int i = 0; i < val.size(); i++) {
                        correct += nearestKey(e, i * DIM, keys) == i % 3 ? 1 : 0;
                    }
                    assertThat(correct).as("validation images a member embeds nearest their own key")
                            .isGreaterThanOrEqualTo((int) Math.ceil(0.9 * val.size()));
                }
                assertThat(members.get(0).toFloatArray()).isNotEqualTo(members.get(1).toFloatArray());
            }
        }
    }

    @Test
    void sameSeedGivesSameParameters() {
        float[][] keys = keys(1);
        List<AlignmentPair> train = pairs(6, keys, 2);
        List<AlignmentPair> val = pairs(2, keys, 3);
        ImageTowerAlignment a = ImageTowerAlignment.builder().setTowerConfig(CONFIG).optEpochs(2).optBatchSize(8)
                .optSeed(9).optAugmentation(ImageAugmentation.shiftsAndHorizontalFlips(2)).build();
        try (AlignmentResult r1 = a.align(train, val, ProgressListener.NONE);
                AlignmentResult r2 = a.align(train, val, ProgressListener.NONE)) {
            assertThat(r1.tower().parameterValues()).isDeepEqualTo(r2.tower().parameterValues());
            assertThat(r1.tower().fingerprint()).isEqualTo(r2.tower().fingerprint());
            assertThat(r1.epochs()).isEqualTo(r2.epochs());
        }
    }

    @Test
    void mixupStillAlignsAndIsReproducibleForASeed() {
        float[][] keys = keys(1);
        List<AlignmentPair> train = pairs(20, keys, 2);
        List<AlignmentPair> val = pairs(8, keys, 3);
        ImageTowerAlignment mixup = ImageTowerAlignment.builder().setTowerConfig(CONFIG).optEpochs(12).optBatchSize(16)
                .optLearningRate(3e-3).optSeed(5).optAugmentation(ImageAugmentation.shiftsAndHorizontalFlips(1)).optMixup(0.4)
                .build();
        try (AlignmentResult a = mixup.align(train, val, ProgressListener.NONE);
                AlignmentResult b = mixup.align(train, val, ProgressListener.NONE);
                AlignmentResult plain = alignment(5).align(train, val, ProgressListener.NONE)) {
            assertThat(a.best().validationTop1()).isGreaterThanOrEqualTo(0.9);
            assertThat(a.tower().parameterValues()).isDeepEqualTo(b.tower().parameterValues());
            assertThat(a.epochs().get(0).trainLoss()).as("blended targets change the training loss")
                    .isNotEqualTo(plain.epochs().get(0).trainLoss());
        }
        assertThatThrownBy(() -> ImageTowerAlignment.builder().optMixup(-0.1)).hasMessageContaining("mixup alpha");
        assertThatThrownBy(() -> ImageTowerAlignment.builder().optMixup(Double.NaN)).hasMessageContaining("mixup alpha");
    }

    @Test
    void selectionKeepsTheEpochItNames() {
        float[][] keys = keys(1);
        List<AlignmentPair> train = pairs(12, keys, 2);
        List<AlignmentPair> val = pairs(6, keys, 3);
        for (AlignmentSelection selection : AlignmentSelection.values()) {
            ImageTowerAlignment a = ImageTowerAlignment.builder().setTowerConfig(CONFIG).optEpochs(5).optBatchSize(8)
                    .optLearningRate(3e-3).optSeed(4).optSelection(selection).build();
            try (AlignmentResult r = a.align(train, val, ProgressListener.NONE)) {
                List<AlignmentEpoch> epochs = r.epochs();
                int expected = switch (selection) {
                    case LAST_EPOCH -> epochs.size();
                    case VALIDATION_LOSS -> epochs.stream()
                            .min(Comparator.comparingDouble(AlignmentEpoch::validationLoss)
                                    .thenComparing(Comparator.comparingDouble(AlignmentEpoch::validationTop1).reversed()))
                            .orElseThrow().epoch();
                    case VALIDATION_TOP1 -> epochs.stream()
                            .max(Comparator.comparingDouble(AlignmentEpoch::validationTop1)
                                    .thenComparing(Comparator.comparingDouble(AlignmentEpoch::validationLoss).reversed()))
                            .orElseThrow().epoch();
                };
                assertThat(r.bestEpoch()).as(selection.name()).isEqualTo(expected);
            }
        }
    }

    @Test
    void weightAveragingKeepsAnAverageOfTheTrajectoryAndStillAligns() {
        float[][] keys = keys(1);
        List<AlignmentPair> train = pairs(20, keys, 2);
        List<AlignmentPair> val = pairs(8, keys, 3);
        ImageTowerAlignment.Builder b = ImageTowerAlignment.builder().setTowerConfig(CONFIG).optEpochs(12).optBatchSize(16)
                .optLearningRate(3e-3).optSeed(5).optSelection(AlignmentSelection.LAST_EPOCH);
        try (AlignmentResult averaged = b.optWeightAveraging(0.9).build().align(train, val, ProgressListener.NONE);
                AlignmentResult again = b.optWeightAveraging(0.9).build().align(train, val, ProgressListener.NONE);
                AlignmentResult raw = b.optWeightAveraging(0).build().align(train, val, ProgressListener.NONE)) {
            assertThat(averaged.best().validationTop1()).isGreaterThanOrEqualTo(0.9);
            assertThat(averaged.tower().parameterValues()).isDeepEqualTo(again.tower().parameterValues());
            assertThat(averaged.epochs().get(0).trainLoss()).as("the same training trajectory")
                    .isEqualTo(raw.epochs().get(0).trainLoss());
            assertThat(averaged.tower().parameterValues()[0]).as("the kept weights are the average, not the last step's")
                    .isNotEqualTo(raw.tower().parameterValues()[0]);
        }
        assertThatThrownBy(() -> ImageTowerAlignment.builder().optWeightAveraging(1)).hasMessageContaining("weight-averaging");
        assertThatThrownBy(() -> ImageTowerAlignment.builder().optWeightAveraging(-0.5)).hasMessageContaining("weight-averaging");
    }

    @Test
    void cancellationStopsTheJob() {
        float[][] keys = keys(1);
        ProgressListener cancel = new ProgressListener() {
            @Override
            public void onProgress(ProgressEvent event) {
            }

            @Override
            public boolean isCancelled() {
                return true;
            }
        };
        assertThatThrownBy(() -> alignment(1).align(pairs(4, keys, 2), pairs(1, keys, 3), cancel))
                .isInstanceOf(JobCancelledException.class).hasMessageContaining("align");
    }

    @Test
    void rejectsBadSettingsAndKeys() {
        assertThatThrownBy(() -> ImageTowerAlignment.builder().build()).hasMessageContaining("setTowerConfig");
        assertThatThrownBy(() -> ImageTowerAlignment.builder().setTowerConfig(CONFIG).optEpochs(0).build())
                .hasMessageContaining("epochs");
        float[][] wrong = {new float[DIM + 1], new float[DIM + 1], new float[DIM + 1]};
        for (float[] k : wrong) {
            k[0] = 1;
        }
        assertThatThrownBy(() -> alignment(1).align(pairs(2, wrong, 1), pairs(1, wrong, 1), ProgressListener.NONE))
                .hasMessageContaining("training pair 0").hasMessageContaining("17 dimensions");
    }
}
