package io.jomed.training.alignment;

import static org.assertj.core.api.Assertions.assertThat;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.progress.ProgressListener;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.ImageTowerEncoder;
import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.retriever.image.ImageAugmentation;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.image.ImagePreprocessor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Measures the aligned tower on real MedMNIST data: k-NN majority vote of test images against the training
 * images' tower embeddings. Runs only with {@code JOMED_DATA_DIR} set and {@code -Djomed.measure=true}.
 * Settings can be overridden with {@code -Djomed.align.epochs=..}, {@code .lr}, {@code .wd}, {@code .scale},
 * {@code .batch}, {@code .shift}, {@code .vflip}, {@code .mixup}, {@code .ema}, {@code .select}, {@code .norm}, {@code .widths}, {@code .convs}, {@code .seed}.
 */
class ImageTowerAlignmentMeasurementTest {
    private static final int[] KS = {1, 5, 10, 20, 30, 50, 80};

    private static Path dataDir() {
        String dir = System.getenv("JOMED_DATA_DIR");
        Assumptions.assumeTrue(dir != null, "JOMED_DATA_DIR is not set: skipping the real-data alignment measurement");
        Assumptions.assumeTrue(Boolean.getBoolean("jomed.measure"),
                "-Djomed.measure=true is not set: skipping the real-data alignment measurement");
        return Path.of(dir);
    }

    @Test
    void breastMnist() throws Exception {
        Path file = dataDir().resolve("breastmnist/breastmnist.npz");
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " is missing");
        String[] reports = {"Breast ultrasound: malignant lesion.", "Breast ultrasound: normal or benign tissue."};
        double top = measure("BreastMNIST", file, reports, 1, false);
        assertThat(top).isGreaterThan(0.75);
    }

    @Test
    void retinaMnist() throws Exception {
        Path file = dataDir().resolve("retinamnist/retinamnist.npz");
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " is missing");
        String[] reports = {
            "Fundus photograph: diabetic retinopathy grade 0 (no retinopathy).",
            "Fundus photograph: diabetic retinopathy grade 1 (mild).",
            "Fundus photograph: diabetic retinopathy grade 2 (moderate).",
            "Fundus photograph: diabetic retinopathy grade 3 (severe).",
            "Fundus photograph: diabetic retinopathy grade 4 (proliferative)."};
        double top = measure("RetinaMNIST", file, reports, 3, true);
        assertThat(top).isGreaterThan(0.45);
    }

    private static double measure(String name, Path file, String[] reports, int channels, boolean flips) throws Exception {
        Map<String, MeasurementNpz.Split> data = MeasurementNpz.read(file);
        float[][] keys;
        try (MiniLmTextEncoder g0 = MiniLmTextEncoder.create()) {
            keys = g0.encode(List.of(reports));
        }
        int shift = Integer.getInteger("jomed.align.shift", 2);
        ImageTowerConfig config = ImageTowerConfig.builder()
                .setInputSpec(inputSpec(channels))
                .optChannelWidths(ints(System.getProperty("jomed.align.widths", "32,64,128")))
                .optConvolutionsPerStage(Integer.getInteger("jomed.align.convs", 2))
                .build();
        ImageTowerAlignment alignment = ImageTowerAlignment.builder().setTowerConfig(config)
                .optEpochs(Integer.getInteger("jomed.align.epochs", 30))
                .optBatchSize(Integer.getInteger("jomed.align.batch", 64))
                .optLearningRate(Double.parseDouble(System.getProperty("jomed.align.lr", "2e-3")))
                .optWeightDecay(Double.parseDouble(System.getProperty("jomed.align.wd", "0.05")))
                .optLogitScale(Double.parseDouble(System.getProperty("jomed.align.scale", "14.3")))
                .optSeed(Long.getLong("jomed.align.seed", 42))
                .optAugmentation(new ImageAugmentation(shift, flips, Boolean.getBoolean("jomed.align.vflip")))
                .optMixup(Double.parseDouble(System.getProperty("jomed.align.mixup", "0")))
                .optWeightAveraging(Double.parseDouble(System.getProperty("jomed.align.ema", "0")))
                .optSelection(AlignmentSelection.valueOf(System.getProperty("jomed.align.select", "VALIDATION_TOP1")))
                .build();
        MeasurementNpz.Split train = data.get("train");
        MeasurementNpz.Split val = data.get("val");
        MeasurementNpz.Split test = data.get("test");
        AlignmentResult result;
        try {
            result = alignment.align(pairs(train, keys), pairs(val, keys), ProgressListener.NONE);
        } finally {
            System.gc();
        }
        try (result; ImageTowerEncoder f0 = new ImageTowerEncoder(result.tower())) {
            float[][] trainEmb = f0.encode(train.images());
            float[][] testEmb = f0.encode(test.images());
            ImagePreprocessor raw = new ImagePreprocessor(ImageInputSpec.unitRange(28, 28, channels));
            float[][] trainRaw = rawVectors(raw, train.images());
            float[][] testRaw = rawVectors(raw, test.images());
            StringBuilder table = new StringBuilder();
            table.append(String.format(Locale.ROOT, "%n%s alignment: %d epochs kept epoch %d (train top-1 %.3f, val top-1 %.3f), %.1f s, config %s%n",
                    name, result.epochs().size(), result.bestEpoch(), result.best().trainTop1(), result.best().validationTop1(),
                    result.elapsed().toMillis() / 1000.0, config.toCanonicalString()));
            table.append(String.format(Locale.ROOT, "nearest report (text head), test: %.3f%n",
                    nearestKey(testEmb, keys, test.labels())));
            table.append("k  | tower test | tower train LOO | raw-pixel test (L2)\n");
            double best = 0;
            for (int k : KS) {
                double towerTest = knn(testEmb, trainEmb, train.labels(), test.labels(), k, false, true);
                double towerLoo = knn(trainEmb, trainEmb, train.labels(), train.labels(), k, true, true);
                double rawTest = knn(testRaw, trainRaw, train.labels(), test.labels(), k, false, false);
                best = Math.max(best, towerTest);
                table.append(String.format(Locale.ROOT, "%-2d | %.3f      | %.3f           | %.3f%n", k, towerTest, towerLoo, rawTest));
            }
            for (AlignmentEpoch e : result.epochs()) {
                table.append(String.format(Locale.ROOT, "epoch %2d: train loss %.4f train top-1 %.3f val loss %.4f val top-1 %.3f%n",
                        e.epoch(), e.trainLoss(), e.trainTop1(), e.validationLoss(), e.validationTop1()));
            }
            System.out.println(table);
            return best;
        }
    }

    /** Accuracy of the nearest text key (by dot product with the normalised key) as the prediction. */
    private static double nearestKey(float[][] queries, float[][] keys, int[] labels) {
        int correct = 0;
        for (int q = 0; q < queries.length; q++) {
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < keys.length; k++) {
                double dot = 0;
                double norm = 0;
                for (int j = 0; j < keys[k].length; j++) {
                    dot += queries[q][j] * keys[k][j];
                    norm += keys[k][j] * keys[k][j];
                }
                double score = dot / Math.sqrt(norm);
                if (score > bestScore) {
                    bestScore = score;
                    best = k;
                }
            }
            if (best == labels[q]) {
                correct++;
            }
        }
        return (double) correct / queries.length;
    }

    /** {@code -Djomed.align.norm=m1,m2,m3/s1,s2,s3}: per-channel mean and std instead of 0.5 / 0.5. */
    private static ImageInputSpec inputSpec(int channels) {
        String norm = System.getProperty("jomed.align.norm");
        if (norm == null) {
            return ImageInputSpec.centered(28, 28, channels);
        }
        String[] parts = norm.split("/");
        return new ImageInputSpec(28, 28, channels, floats(parts[0]), floats(parts[1]));
    }

    private static float[] floats(String csv) {
        String[] p = csv.split(",");
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Float.parseFloat(p[i].trim());
        }
        return out;
    }

    private static List<AlignmentPair> pairs(MeasurementNpz.Split split, float[][] keys) {
        List<AlignmentPair> out = new ArrayList<>();
        for (int i = 0; i < split.labels().length; i++) {
            out.add(new AlignmentPair(split.images().get(i), keys[split.labels()[i]]));
        }
        return out;
    }

    private static float[][] rawVectors(ImagePreprocessor pre, List<MedicalImage> images) {
        float[][] out = new float[images.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = pre.toTensor(images.get(i));
        }
        return out;
    }

    /** Majority vote among the k nearest (cosine for unit vectors, else Euclidean); ties go to the nearer class. */
    static double knn(float[][] queries, float[][] base, int[] baseLabels, int[] queryLabels, int k, boolean leaveOneOut,
            boolean cosine) {
        int maxLabel = 0;
        for (int l : baseLabels) {
            maxLabel = Math.max(maxLabel, l);
        }
        int correct = 0;
        for (int q = 0; q < queries.length; q++) {
            double[] score = new double[base.length];
            Integer[] order = new Integer[base.length];
            for (int i = 0; i < base.length; i++) {
                order[i] = i;
                double s = 0;
                for (int j = 0; j < queries[q].length; j++) {
                    s += cosine ? queries[q][j] * base[i][j] : -(queries[q][j] - base[i][j]) * (queries[q][j] - base[i][j]);
                }
                score[i] = (leaveOneOut && i == q) ? Double.NEGATIVE_INFINITY : s;
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
            int[] votes = new int[maxLabel + 1];
            int[] firstRank = new int[maxLabel + 1];
            java.util.Arrays.fill(firstRank, Integer.MAX_VALUE);
            for (int r = 0; r < k; r++) {
                int l = baseLabels[order[r]];
                votes[l]++;
                firstRank[l] = Math.min(firstRank[l], r);
            }
            int pred = 0;
            for (int l = 1; l <= maxLabel; l++) {
                if (votes[l] > votes[pred] || (votes[l] == votes[pred] && firstRank[l] < firstRank[pred])) {
                    pred = l;
                }
            }
            if (pred == queryLabels[q]) {
                correct++;
            }
        }
        return (double) correct / queries.length;
    }

    private static int[] ints(String csv) {
        return java.util.Arrays.stream(csv.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }
}
