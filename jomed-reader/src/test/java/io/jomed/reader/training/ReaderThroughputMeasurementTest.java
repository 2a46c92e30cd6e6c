package io.jomed.reader.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import io.jomed.reader.classifier.ClassifierReader;
import io.jomed.reader.classifier.ClassifierReaderConfig;
import io.jomed.reader.classifier.ClassifierReaderModel;
import io.jomed.reader.testing.HashTextEncoder;
import io.jomed.reader.testing.SyntheticReaderData;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Measures forward and forward+backward (training step) throughput of the default reader at batch 64 on
 * 28x28 inputs. Runs only with the environment variable {@code JOMED_MEASURE=true}; it prints figures and asserts nothing about
 * speed.
 */
class ReaderThroughputMeasurementTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void batch64Throughput(int channels) {
        Assumptions.assumeTrue("true".equals(System.getenv("JOMED_MEASURE")), "set JOMED_MEASURE=true to measure throughput");
        HashTextEncoder text = new HashTextEncoder(384);
        ClassifierReaderConfig config = ClassifierReaderConfig.builder().setImageSize(28, 28).setChannels(channels)
                .setTextEncoder(text.fingerprint()).build();
        Random random = new Random(1);
        List<ReaderInput> batch = new ArrayList<>();
        int[] gold = new int[64];
        for (int i = 0; i < 64; i++) {
            MedicalImage img = SyntheticReaderData.image(28, 28, channels, random.nextInt(256), random);
            batch.add(ReaderInput.withContext(Query.of(img, "question"), SyntheticReaderData.reportCase("c" + i, i % 3, random)));
            gold[i] = i % 3;
        }
        try (ClassifierReaderModel model = ClassifierReaderModel.create(config, SyntheticReaderData.LABELS);
                ClassifierReader reader = ClassifierReader.builder().setModel(model).setTextEncoder(text).build();
                ReaderTrainingStep trainer = ReaderTrainingStep.builder().setModel(model).setTextEncoder(text).build()) {
            for (int i = 0; i < 5; i++) {
                reader.score(batch);
                trainer.step(batch, gold, 1e-4f);
            }
            int steps = 30;
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                reader.score(batch);
            }
            double forward = steps / ((System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                trainer.step(batch, gold, 1e-4f);
            }
            double train = steps / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("reader throughput, %d channel(s), batch 64, %d parameters: forward %.1f steps/s, "
                    + "forward+backward+AdamW %.1f steps/s%n", channels, model.parameterCount(), forward, train);
            assertThat(forward).isPositive();
        }
    }
}
