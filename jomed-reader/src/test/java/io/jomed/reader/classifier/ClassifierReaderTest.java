package io.jomed.reader.classifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.Reader;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import io.jomed.api.spi.Providers;
import io.jomed.api.spi.ReaderProvider;
import io.jomed.reader.input.EncodedReaderInputs;
import io.jomed.reader.input.ReaderImageInput;
import io.jomed.reader.input.ReaderInputEncoder;
import io.jomed.reader.testing.HashTextEncoder;
import io.jomed.reader.testing.SyntheticReaderData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierReaderTest {
    private static final HashTextEncoder TEXT = new HashTextEncoder(16);
    private static ClassifierReaderModel model;
    private static ClassifierReader reader;

    static ClassifierReaderConfig config(long seed) {
        return ClassifierReaderConfig.builder().setImageSize(28, 28).setChannels(1).setTextEncoder(TEXT.fingerprint())
                .optSeed(seed).build();
    }

    @BeforeAll
    static void setUp() {
        model = ClassifierReaderModel.create(config(7), SyntheticReaderData.LABELS);
        reader = ClassifierReader.builder().setModel(model).setTextEncoder(TEXT).build();
    }

    @AfterAll
    static void tearDown() {
        reader.close();
        model.close();
    }

    private static void assertClose(List<LabelLogits> a, List<LabelLogits> b, double tolerance) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            float[] x = a.get(i).logits();
            float[] y = b.get(i).logits();
            for (int j = 0; j < x.length; j++) {
                assertThat((double) x[j]).as("row %d logit %d", i, j).isCloseTo(y[j], within(tolerance));
            }
        }
    }

    @Test
    void modelIsSmallAndScoresOneLogitPerLabel() {
        assertThat(model.parameterCount()).isBetween(300_000L, 1_000_000L);
        List<LabelLogits> out = reader.score(SyntheticReaderData.mixedInputs(5, 1));
        assertThat(out).hasSize(5).allSatisfy(l -> assertThat(l.size()).isEqualTo(3));
        assertThat(reader.labelSpace()).isEqualTo(SyntheticReaderData.LABELS);
    }

    @Test
    void batchOfTenEqualsTenSingleCallsAndSmallChunks() {
        List<ReaderInput> inputs = SyntheticReaderData.mixedInputs(10, 2);
        List<LabelLogits> batched = reader.score(inputs);
        List<LabelLogits> single = new ArrayList<>();
        for (ReaderInput in : inputs) {
            single.add(reader.score(in));
        }
        assertClose(batched, single, 1e-5);
        try (ClassifierReader chunked = ClassifierReader.builder().setModel(model).setTextEncoder(TEXT).optMaxBatch(3).build()) {
            assertClose(chunked.score(inputs), batched, 1e-5);
        }
    }

    @Test
    void rowsSharingAQueryImageGetTheLogitsOfTheirExpandedForm() {
        Random random = new Random(11);
        Query first = Query.of(SyntheticReaderData.image(28, 28, 1, 90, random), "what is the grade?");
        Query second = Query.of(SyntheticReaderData.image(28, 28, 1, 150, random));
        List<ReaderInput> inputs = new ArrayList<>();
        for (int i = 0; i < 6; i++) { // interleaved: first, second, first, ...; the last of each closed-book
            Query q = i % 2 == 0 ? first : second;
            inputs.add(i >= 4 ? ReaderInput.closedBook(q)
                    : ReaderInput.withContext(q, SyntheticReaderData.reportCase("c" + i, i % 3, random)));
        }
        EncodedReaderInputs encoded = ReaderInputEncoder.builder().setTextEncoder(TEXT)
                .setImageInput(new ReaderImageInput(28, 28, 1)).build().encode(inputs);
        assertThat(encoded.distinctQueryImages()).isEqualTo(2);
        assertThat(IntStream.range(0, 6).map(encoded::queryImageIndex)).containsExactly(0, 1, 0, 1, 0, 1);
        try (NDManager scope = NDManager.newBaseManager("PyTorch")) {
            NDList compact = encoded.toCompactNDList(scope);
            NDList expanded = encoded.toNDList(scope);
            assertThat(compact.get(0).getShape()).isEqualTo(new Shape(2, 1, 28, 28));
            assertThat(expanded.get(0).getShape()).isEqualTo(new Shape(6, 1, 28, 28));
            float[] a = model.forward(compact, false).toFloatArray();
            float[] b = model.forward(expanded, false).toFloatArray();
            for (int j = 0; j < a.length; j++) {
                assertThat((double) a[j]).as("logit %d", j).isCloseTo(b[j], within(1e-5));
            }
        }
        List<ReaderInput> copies = new ArrayList<>(); // the same pixels in other image objects: no sharing
        for (ReaderInput in : inputs) {
            MedicalImage copy = MedicalImage.ofPixels(28, 28, 1, in.query().image().pixels());
            Query q = in.query().question().map(question -> Query.of(copy, question)).orElseGet(() -> Query.of(copy));
            copies.add(in.context().map(c -> ReaderInput.withContext(q, c)).orElseGet(() -> ReaderInput.closedBook(q)));
        }
        assertClose(reader.score(inputs), reader.score(copies), 1e-5);
    }

    @Test
    void closedBookAndContextGiveDifferentLogitsInOneBatch() {
        ReaderInput withCase = SyntheticReaderData.mixedInputs(1, 3).get(0);
        assertThat(withCase.context()).isPresent();
        ReaderInput closed = ReaderInput.closedBook(withCase.query());
        List<LabelLogits> out = reader.score(List.of(withCase, closed));
        assertThat(out.get(0).logits()).isNotEqualTo(out.get(1).logits());
        assertClose(List.of(out.get(1)), List.of(reader.score(closed)), 1e-5);
    }

    @Test
    void sameSeedSameModelOtherSeedOtherModel() {
        List<ReaderInput> inputs = SyntheticReaderData.mixedInputs(4, 4);
        try (ClassifierReaderModel same = ClassifierReaderModel.create(config(7), SyntheticReaderData.LABELS);
                ClassifierReaderModel other = ClassifierReaderModel.create(config(8), SyntheticReaderData.LABELS);
                ClassifierReader sameReader = ClassifierReader.builder().setModel(same).setTextEncoder(TEXT).build();
                ClassifierReader otherReader = ClassifierReader.builder().setModel(other).setTextEncoder(TEXT).build()) {
            assertThat(same.fingerprint()).isEqualTo(model.fingerprint());
            assertThat(other.fingerprint()).isNotEqualTo(model.fingerprint());
            assertThat(sameReader.score(inputs)).isEqualTo(reader.score(inputs));
            assertThat(otherReader.score(inputs).get(0)).isNotEqualTo(reader.score(inputs).get(0));
        }
    }

    @Test
    void saveAndLoadGiveIdenticalLogits(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("reader.jomed");
        model.save(file);
        List<ReaderInput> inputs = SyntheticReaderData.mixedInputs(6, 5);
        try (ClassifierReaderModel loaded = ClassifierReaderModel.load(file);
                ClassifierReader loadedReader = ClassifierReader.builder().setModel(loaded).setTextEncoder(TEXT).build()) {
            assertThat(loaded.config()).isEqualTo(model.config());
            assertThat(loaded.labelSpace()).isEqualTo(model.labelSpace());
            assertThat(loaded.fingerprint()).isEqualTo(model.fingerprint());
            assertThat(loadedReader.score(inputs)).isEqualTo(reader.score(inputs));
        }
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x55;
        Path corrupt = dir.resolve("corrupt.jomed");
        Files.write(corrupt, bytes);
        assertThatThrownBy(() -> ClassifierReaderModel.load(corrupt)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("corrupt.jomed").hasMessageContaining("fingerprint mismatch");
        Path truncated = dir.resolve("truncated.jomed");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> ClassifierReaderModel.load(truncated)).hasMessageContaining("truncated");
    }

    @Test
    void providerLoadsASavedModelWithATextEncoderFoundByName(@TempDir Path dir) {
        Path file = dir.resolve("reader.jomed");
        model.save(file);
        List<ReaderInput> inputs = SyntheticReaderData.mixedInputs(3, 6);
        try (Reader viaSpi = Providers.create(ReaderProvider.class, "classifier",
                Map.of("path", file.toString(), "text-encoder.dimension", "16"))) {
            assertThat(viaSpi.score(inputs)).isEqualTo(reader.score(inputs));
        }
        assertThatThrownBy(() -> Providers.create(ReaderProvider.class, "classifier", Map.of()))
                .hasMessageContaining("\"path\"");
    }

    @Test
    void eightThreadsGetTheSingleThreadedResults() throws Exception {
        List<List<ReaderInput>> work = new ArrayList<>();
        List<List<LabelLogits>> expected = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            List<ReaderInput> inputs = SyntheticReaderData.mixedInputs(5, 100 + t);
            work.add(inputs);
            expected.add(reader.score(inputs));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<List<LabelLogits>>>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                futures.add(pool.submit(() -> {
                    List<List<LabelLogits>> mine = new ArrayList<>();
                    for (int r = 0; r < 5; r++) {
                        mine.add(reader.score(work.get(id)));
                    }
                    return mine;
                }));
            }
            for (int t = 0; t < 8; t++) {
                for (List<LabelLogits> got : futures.get(t).get()) {
                    assertClose(got, expected.get(t), 1e-5);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void nativeArraysDoNotGrowWithCalls() {
        List<ReaderInput> inputs = SyntheticReaderData.mixedInputs(4, 7);
        reader.score(inputs);
        int before = model.manager().getManagedArrays().size();
        for (int i = 0; i < 200; i++) {
            reader.score(inputs);
        }
        assertThat(model.manager().getManagedArrays()).hasSize(before);
    }

    @Test
    void rejectsATextEncoderOfAnotherDimension() {
        try (HashTextEncoder wrong = new HashTextEncoder(12)) {
            assertThatThrownBy(() -> ClassifierReader.builder().setModel(model).setTextEncoder(wrong).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dimension 12")
                    .hasMessageContaining("take 16");
        }
    }

    @Test
    void rejectsAnImageOfAnotherChannelCountWhenConversionIsOff() {
        ClassifierReaderConfig strict = ClassifierReaderConfig.builder().setImageSize(28, 28).setChannels(1)
                .setTextEncoder(TEXT.fingerprint()).optConvertChannels(false).build();
        try (ClassifierReaderModel m = ClassifierReaderModel.create(strict, SyntheticReaderData.LABELS);
                ClassifierReader r = ClassifierReader.builder().setModel(m).setTextEncoder(TEXT).build()) {
            Random random = new Random(1);
            ReaderInput rgb = ReaderInput.closedBook(Query.of(SyntheticReaderData.image(28, 28, 3, 100, random)));
            assertThatThrownBy(() -> r.score(List.of(SyntheticReaderData.mixedInputs(1, 1).get(0), rgb)))
                    .isInstanceOf(io.jomed.api.image.InvalidImageException.class)
                    .hasMessageContaining("query image of reader input 1").hasMessageContaining("3 channel(s)");
        }
    }

    @Test
    void configValidationNamesTheProblem() {
        assertThatThrownBy(() -> ClassifierReaderConfig.builder().setImageSize(28, 28).setChannels(1)
                .setTextEncoder(TEXT.fingerprint()).optHeads(5).build()).hasMessageContaining("not divisible by 5 heads");
        assertThatThrownBy(() -> ClassifierReaderConfig.builder().setImageSize(8, 8).setChannels(1)
                .setTextEncoder(TEXT.fingerprint()).optTokenGrid(4).build()).hasMessageContaining("token grid");
        assertThatThrownBy(() -> ClassifierReaderConfig.builder().setChannels(1).build()).hasMessageContaining("setImageSize");
    }
}
