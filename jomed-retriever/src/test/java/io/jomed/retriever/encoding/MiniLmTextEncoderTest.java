package io.jomed.retriever.encoding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MiniLmTextEncoderTest {
    private static MiniLmTextEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = MiniLmTextEncoder.create();
    }

    @AfterAll
    static void close() {
        encoder.close();
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void unitVectorsOf384Dimensions() {
        float[][] v = encoder.encode(List.of("Breast ultrasound: malignant lesion.", "", "a"));
        assertThat(v).hasNumberOfRows(3);
        for (float[] x : v) {
            assertThat(x).hasSize(384);
            assertThat(Math.sqrt(dot(x, x))).isCloseTo(1.0, within(1e-5));
        }
        assertThat(encoder.dimension()).isEqualTo(384);
    }

    @Test
    void semanticallyCloseTextsAreCloser() {
        float[][] v = encoder.encode(List.of("malignant breast lesion", "breast cancer", "retina image of grade 0"));
        assertThat(dot(v[0], v[1])).isGreaterThan(dot(v[0], v[2]) + 0.1);
    }

    @Test
    void batchMatchesSingleWithinTolerance() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add(i % 2 == 0 ? "Fundus photograph: diabetic retinopathy grade " + (i % 5) + "."
                    : "A much longer report of a breast ultrasound showing an irregular hypoechoic mass number " + i);
        }
        float[][] batch = encoder.encode(texts);
        for (int i : new int[] {0, 1, 33, 39}) {
            assertThat(dot(batch[i], encoder.encode(texts.get(i)))).isGreaterThan(0.98);
        }
    }

    @Test
    void veryLongTextIsTruncated() {
        String longText = "lesion ".repeat(2000);
        assertThat(encoder.encode(longText)).hasSize(384);
    }

    @Test
    void fingerprintIsStable() {
        try (MiniLmTextEncoder other = MiniLmTextEncoder.create()) {
            assertThat(other.fingerprint()).isEqualTo(encoder.fingerprint());
        }
        assertThat(encoder.fingerprint().kind()).isEqualTo("minilm-l6-v2-q");
        assertThat(encoder.fingerprint().digest()).hasSize(64);
    }

    @Test
    void concurrentCallsAgree() throws Exception {
        List<String> texts = List.of("normal breast tissue", "proliferative diabetic retinopathy");
        float[][] expected = encoder.encode(texts);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[][]>> futures = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                futures.add(pool.submit(() -> encoder.encode(texts)));
            }
            for (Future<float[][]> f : futures) {
                float[][] got = f.get();
                assertThat(got[0]).containsExactly(expected[0], within(1e-4f));
                assertThat(got[1]).containsExactly(expected[1], within(1e-4f));
            }
        } finally {
            pool.shutdown();
        }
    }
}
