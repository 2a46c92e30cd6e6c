package io.jomed.reader.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.nn.Parameter;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.reader.classifier.ParameterSnapshot;
import io.jomed.reader.testing.HashTextEncoder;
import io.jomed.reader.testing.SyntheticReaderData;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReaderTrainingStepTest {
    private static final HashTextEncoder TEXT = new HashTextEncoder(16);

    private static ClassifierReaderModel smallModel() {
        ClassifierReaderConfig config = ClassifierReaderConfig.builder().setImageSize(16, 16).setChannels(1)
                .setTextEncoder(TEXT.fingerprint()).optConvChannels(8, 16).optModelWidth(32).optLayers(1)
                .optDropout(0.1f).optSeed(3).build();
        return ClassifierReaderModel.create(config, SyntheticReaderData.LABELS);
    }

    /** The answer is the label written in the retrieved case's report; the query image is noise. */
    private static List<ReaderInput> batch(Random random, int n, int[] gold) {
        List<ReaderInput> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = random.nextInt(3);
            gold[i] = label;
            Query q = Query.of(SyntheticReaderData.image(16, 16, 1, random.nextInt(256), random));
            out.add(ReaderInput.withContext(q, SyntheticReaderData.reportCase("c" + i, label, random)));
        }
        return out;
    }

    @Test
    void learnsTheLabelWrittenInTheCaseReport() {
        Random random = new Random(11);
        try (ClassifierReaderModel model = smallModel();
                ReaderTrainingStep trainer = ReaderTrainingStep.builder().setModel(model).setTextEncoder(TEXT).build();
                ClassifierReader reader = ClassifierReader.builder().setModel(model).setTextEncoder(TEXT).build()) {
            int[] gold = new int[32];
            float first = trainer.step(batch(random, 32, gold), gold, 3e-3f);
            float last = first;
            for (int s = 0; s < 40; s++) {
                last = trainer.step(batch(random, 32, gold), gold, 3e-3f);
            }
            assertThat(last).isLessThan(first * 0.3f);
            int[] testGold = new int[60];
            List<ReaderInput> test = batch(new Random(99), 60, testGold);
            List<LabelLogits> out = reader.score(test);
            int correct = 0;
            for (int i = 0; i < out.size(); i++) {
                correct += out.get(i).predicted() == testGold[i] ? 1 : 0;
            }
            assertThat(correct).isGreaterThanOrEqualTo(57);
        }
    }

    @Test
    void aNonFiniteGradientNeverReachesTheWeightsAndFailsTheStepWithAClearMessage() {
        Random random = new Random(7);
        int[] gold = new int[8];
        List<ReaderInput> inputs = batch(random, 8, gold);
        try (ClassifierReaderModel model = smallModel();
                ReaderTrainingStep trainer = ReaderTrainingStep.builder().setModel(model).setTextEncoder(TEXT).build()) {
            trainer.step(inputs, gold, 1e-3f);
            long steps = trainer.optimizer().stepCount();
            // a poisoned weight makes every forward pass, and so every gradient, NaN
            Parameter poisoned = model.parameters().get(model.parameters().size() - 1);
            float[] nan = new float[Math.toIntExact(poisoned.getArray().size())];
            Arrays.fill(nan, Float.NaN);
            poisoned.getArray().set(FloatBuffer.wrap(nan));
            String before = model.fingerprint();
            assertThatThrownBy(() -> trainer.step(inputs, gold, 1e-3f)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("non-finite gradients in [").hasMessageContaining("in 3 attempts")
                    .hasMessageContaining("parameters were left unchanged");
            assertThat(model.fingerprint()).as("no update was applied").isEqualTo(before);
            assertThat(trainer.optimizer().stepCount()).isEqualTo(steps);
        }
    }

    @Test
    void snapshotsAndOptimizerStateRestoreExactly() {
        Random random = new Random(5);
        int[] gold = new int[8];
        List<ReaderInput> inputs = batch(random, 8, gold);
        try (ClassifierReaderModel model = smallModel();
                ReaderTrainingStep trainer = ReaderTrainingStep.builder().setModel(model).setTextEncoder(TEXT)
                        .optWeightDecay(0f).build();
                ClassifierReader reader = ClassifierReader.builder().setModel(model).setTextEncoder(TEXT).build()) {
            String initial = model.fingerprint();
            List<LabelLogits> before = reader.score(inputs);
            ParameterSnapshot snapshot = trainer.snapshotParameters();
            trainer.step(inputs, gold, 1e-2f);
            assertThat(model.fingerprint()).isNotEqualTo(initial);
            assertThat(reader.score(inputs)).isNotEqualTo(before);
            trainer.restoreParameters(snapshot);
            assertThat(model.fingerprint()).isEqualTo(initial);
            assertThat(reader.score(inputs)).isEqualTo(before);
            assertThat(trainer.optimizerState().step()).isEqualTo(1);
        }
    }

    @Test
    void rejectsLabelsOutsideTheLabelSpaceAndMismatchedSizes() {
        Random random = new Random(6);
        int[] gold = new int[3];
        List<ReaderInput> inputs = batch(random, 3, gold);
        try (ClassifierReaderModel model = smallModel();
                ReaderTrainingStep trainer = ReaderTrainingStep.builder().setModel(model).setTextEncoder(TEXT).build()) {
            String before = model.fingerprint();
            assertThatThrownBy(() -> trainer.step(inputs, new int[] {0, 3, 1}, 1e-3f))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gold label 3 of training row 1")
                    .hasMessageContaining("synthetic");
            assertThatThrownBy(() -> trainer.step(inputs, new int[] {0, 1}, 1e-3f)).hasMessageContaining("3 inputs but 2");
            assertThat(model.fingerprint()).isEqualTo(before);
        }
    }
}
