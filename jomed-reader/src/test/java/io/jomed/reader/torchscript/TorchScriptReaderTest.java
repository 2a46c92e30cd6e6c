package io.jomed.reader.torchscript;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.Reader;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import io.jomed.api.spi.Providers;
import io.jomed.api.spi.ReaderProvider;
import io.jomed.reader.input.EncodedReaderInputs;
import io.jomed.reader.testing.HashTextEncoder;
import io.jomed.reader.testing.SyntheticReaderData;
import io.jomed.retriever.testing.TorchScriptArchiveWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptReaderTest {
    private static final int SIDE = 4;
    private static final int TEXT_DIM = 4;
    private static final int FEATURES = 2 * SIDE * SIDE + 2 * TEXT_DIM + 1;
    private static final LabelSpace LABELS = LabelSpace.builder().setName("ts").addLabel("a").addLabel("b").addLabel("c").build();

    private static List<ReaderInput> inputs(int n, long seed) {
        Random random = new Random(seed);
        List<ReaderInput> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Query q = Query.of(SyntheticReaderData.image(SIDE, SIDE, 1, random.nextInt(256), random), "question " + (i % 2));
            out.add(i % 3 == 0 ? ReaderInput.closedBook(q)
                    : ReaderInput.withContext(q, SyntheticReaderData.reportCase("c" + i, i % 3, random)));
        }
        return out;
    }

    /** The archive's math in Java. */
    private static float[][] expected(EncodedReaderInputs enc, float[] w, float[] b) {
        float[] q = enc.queryImages();
        float[] c = enc.caseImages();
        float[] t = enc.caseTexts();
        float[] qu = enc.questions();
        float[][] out = new float[enc.size()][3];
        int img = SIDE * SIDE;
        for (int r = 0; r < enc.size(); r++) {
            float[] x = new float[FEATURES];
            System.arraycopy(q, r * img, x, 0, img);
            System.arraycopy(c, r * img, x, img, img);
            System.arraycopy(t, r * TEXT_DIM, x, 2 * img, TEXT_DIM);
            System.arraycopy(qu, r * TEXT_DIM, x, 2 * img + TEXT_DIM, TEXT_DIM);
            x[FEATURES - 1] = enc.hasContext(r);
            for (int o = 0; o < 3; o++) {
                double s = b[o];
                for (int k = 0; k < FEATURES; k++) {
                    s += (double) w[o * FEATURES + k] * x[k];
                }
                out[r][o] = (float) s;
            }
        }
        return out;
    }

    /** A linear reader, {@code logits = W . cat(flatten(query), flatten(case), text, question, flag) + b}. */
    private static void writeLinearReader(Path file, float[] weight, int outputs, int inputs, float[] bias)
            throws IOException {
        new TorchScriptArchiveWriter("LinearReader").parameter("weight", weight, outputs, inputs)
                .parameter("bias", bias, outputs).training(false).write(file, """
                          def forward(self: __torch__.LinearReader,
                            query: Tensor,
                            case: Tensor,
                            text: Tensor,
                            question: Tensor,
                            flag: Tensor) -> Tensor:
                            x = torch.cat([torch.flatten(query, 1), torch.flatten(case, 1), text, question, flag], 1)
                            return torch.linear(x, self.weight, self.bias)
                        """);
    }

    @Test
    void scoresLikeTheSameMathInJavaConcurrentlyAndThroughTheProvider(@TempDir Path dir) throws Exception {
        Random random = new Random(21);
        float[] w = new float[3 * FEATURES];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian() * 0.3f;
        }
        float[] b = {0.1f, -0.2f, 0.3f};
        Path file = dir.resolve("linear_reader.pt");
        writeLinearReader(file, w, 3, FEATURES, b);
        HashTextEncoder text = new HashTextEncoder(TEXT_DIM);
        List<ReaderInput> in = inputs(7, 1);
        try (TorchScriptReader reader = TorchScriptReader.builder().setModelPath(file).setLabelSpace(LABELS)
                .setImageSize(SIDE, SIDE).setChannels(1).setTextEncoder(text).optMaxBatch(4).build()) {
            List<LabelLogits> got = reader.score(in);
            float[][] want = expected(reader.inputEncoder().encode(in), w, b);
            for (int r = 0; r < want.length; r++) {
                for (int o = 0; o < 3; o++) {
                    assertThat((double) got.get(r).logit(o)).as("row %d logit %d", r, o).isCloseTo(want[r][o], within(1e-4));
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<LabelLogits>>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    futures.add(pool.submit(() -> reader.score(in)));
                }
                for (Future<List<LabelLogits>> f : futures) {
                    assertThat(f.get()).isEqualTo(got);
                }
            } finally {
                pool.shutdownNow();
            }
            try (Reader viaSpi = Providers.create(ReaderProvider.class, "torchscript", Map.of("path", file.toString(),
                    "labels", "a, b, c", "width", "4", "height", "4", "channels", "1", "task", "ts",
                    "text-encoder", "test-hash", "text-encoder.dimension", "4"))) {
                assertThat(viaSpi.labelSpace()).isEqualTo(LABELS);
                assertThat(viaSpi.score(in)).isEqualTo(got);
            }
        }
    }

    @Test
    void rejectsAModelWhoseOutputDoesNotMatchTheLabelSpace(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("two.pt");
        writeLinearReader(file, new float[2 * FEATURES], 2, FEATURES, new float[2]);
        try (TorchScriptReader reader = TorchScriptReader.builder().setModelPath(file).setLabelSpace(LABELS)
                .setImageSize(SIDE, SIDE).setChannels(1).setTextEncoder(new HashTextEncoder(TEXT_DIM)).build()) {
            assertThatThrownBy(() -> reader.score(inputs(2, 3))).hasMessageContaining("two.pt")
                    .hasMessageContaining("expected (2, 3)");
        }
        assertThatThrownBy(() -> Providers.create(ReaderProvider.class, "torchscript", Map.of("path", file.toString(),
                "labels", "a,b", "height", "4", "channels", "1"))).hasMessageContaining("\"width\"");
        assertThatThrownBy(() -> TorchScriptReader.builder().setModelPath(dir.resolve("missing.pt")).build())
                .hasMessageContaining("missing.pt");
    }
}
