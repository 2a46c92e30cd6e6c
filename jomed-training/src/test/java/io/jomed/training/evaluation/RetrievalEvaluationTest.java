package io.jomed.training.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.progress.ProgressListener;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.MiniLmTextEncoder;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.training.alignment.ImageTowerAlignment;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistLocator;
import io.jomed.training.dataset.medmnist.MedMnistSplit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retrieval evaluation end to end on the real BreastMNIST file, with a one-epoch alignment of a narrow tower (the
 * figures are not the point; that every part of the report is measured and fits together is). Skipped unless
 * {@code JOMED_DATA_DIR} names the shared data folder.
 */
class RetrievalEvaluationTest {

    @Test
    void reportsTheKChoiceAndTheFiguresItWasMadeFrom(@TempDir Path work) throws Exception {
        String env = System.getenv(MedMnistLocator.ENV_DATA_DIR);
        Assumptions.assumeTrue(env != null && !env.isBlank(), "JOMED_DATA_DIR is not set: skipping the retrieval evaluation");
        Path file = Path.of(env).resolve("breastmnist/breastmnist.npz");
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " is missing");
        MedMnistDataset dataset = MedMnistDataset.load(file);
        ImageTowerConfig tower = ImageTowerConfig.builder().setInputSpec(ImageInputSpec.centered(28, 28, 1))
                .optChannelWidths(8, 16).optConvolutionsPerStage(1).build();

        RetrievalReport r;
        try (MiniLmTextEncoder g0 = MiniLmTextEncoder.create()) {
            r = RetrievalEvaluation.builder().setDataset(dataset).setTextEncoder(g0).setWorkDirectory(work)
                    .setAlignment(seed -> ImageTowerAlignment.builder().setTowerConfig(tower).optEpochs(1).optSeed(seed).build())
                    .optKs(1, 5, 20).build().run(7, ProgressListener.NONE);
        }

        assertThat(r.dataset()).isEqualTo("breastmnist");
        assertThat(r.kbSize()).isEqualTo(546);
        assertThat(r.tower()).isEqualTo(tower.toCanonicalString());
        assertThat(r.knnValidation()).containsOnlyKeys(1, 5, 20);
        assertThat(r.knnTrainingLeaveOneOut()).containsOnlyKeys(1, 5, 20);
        assertThat(r.knnTest()).containsOnlyKeys(1, 5, 20);
        assertThat(r.rawPixelTest()).containsOnlyKeys(1, 5, 20);
        // one report per class: the text head is a nearest-class lookup, its vote the same at every k
        for (Map<Integer, Double> textHead : List.of(r.textHeadTest(), r.textHeadValidation(),
                r.textHeadTrainingLeaveOneOut())) {
            assertThat(textHead).containsOnlyKeys(1, 5, 20);
            assertThat(textHead.values()).containsOnly(textHead.get(1));
        }
        KnnKSelection expected = KnnKSelection.choose(r.knnValidation(), 78, r.knnTrainingLeaveOneOut(), 546,
                KnnKSelection.DEFAULT_MARGIN);
        assertThat(r.kSelection()).isEqualTo(expected);
        assertThat(r.selectedK()).isEqualTo(expected.k());
        assertThat(r.trainQueryAccuracy()).isEqualTo(r.knnTrainingLeaveOneOut().get(r.selectedK()));
        assertThat(r.validationQueryAccuracy()).isEqualTo(r.knnValidation().get(r.selectedK()));
        assertThat(r.knnTestAtSelectedK()).isEqualTo(r.knnTest().get(r.selectedK()));
        // raw-pixel 1-NN on BreastMNIST's test split: 0.833 (RESULTS.md), independent of the tower
        assertThat(r.rawPixelTest().get(1)).isCloseTo(0.833, within(0.001));
        assertThat(r.recallAt10()).isBetween(0.9, 1.0);
        assertThat(r.trainQueryOutOfFoldAccuracy()).isNull();
        // the test votes behind the accuracy, with their intervals over test images
        assertThat(r.testVotes().size()).isEqualTo(156);
        assertThat(r.testVotes().gold()).isEqualTo(java.util.stream.IntStream.range(0, 156)
                .mapToObj(i -> dataset.label(MedMnistSplit.TEST, i)).toList());
        assertThat(r.knnTestInterval().estimate()).isEqualTo(r.knnTestAtSelectedK());
        assertThat(r.knnTestInterval().lower()).isLessThan(r.knnTestAtSelectedK());
        assertThat(r.knnTestInterval().upper()).isGreaterThan(r.knnTestAtSelectedK());
        long rawRight = java.util.stream.IntStream.range(0, 156).filter(q -> r.testVotes().rawPixelCorrect(q)).count();
        assertThat(rawRight / 156.0).isCloseTo(r.rawPixelTestAtSelectedK(), within(1e-12));
        assertThat(r.knnMinusRawPixelTest().difference())
                .isCloseTo(r.knnTestAtSelectedK() - r.rawPixelTestAtSelectedK(), within(1e-12));
    }
}
