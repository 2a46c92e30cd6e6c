package io.jomed.retriever.kb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LuceneKeyIndexTest {

    private static final int DIMENSION = 32;

    @TempDir
    Path dir;

    /** Unit keys clustered around 20 centres (isotropic random keys would make HNSW trivially hard and meaningless). */
    private static float[][] clusteredKeys(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] centres = new float[20][];
        for (int c = 0; c < centres.length; c++) {
            centres[c] = unit(gaussian(random, 1.0));
        }
        float[][] keys = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] noise = gaussian(random, 0.35);
            float[] centre = centres[random.nextInt(centres.length)];
            for (int j = 0; j < DIMENSION; j++) {
                noise[j] += centre[j];
            }
            keys[i] = unit(noise);
        }
        return keys;
    }

    private static float[] gaussian(SplittableRandom random, double sigma) {
        float[] v = new float[DIMENSION];
        for (int j = 0; j < DIMENSION; j++) {
            double u = random.nextDouble(1e-12, 1);
            double w = random.nextDouble();
            v[j] = (float) (sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w));
        }
        return v;
    }

    private static float[] unit(float[] v) {
        double n = Math.sqrt(KeySearch.dot(v, v));
        float[] u = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = (float) (v[i] / n);
        }
        return u;
    }

    private static List<String> bruteForce(float[][] keys, float[] query, int k) {
        return IntStream.range(0, keys.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -KeySearch.dot(query, keys[i])).thenComparing(i -> id(i)))
                .limit(k).map(LuceneKeyIndexTest::id).toList();
    }

    private static String id(int i) {
        return String.format("k%05d", i);
    }

    private LuceneKeyIndex index(KeyQuantization quantization, float[][] keys) {
        LuceneKeyIndex index = LuceneKeyIndex.builder().setDirectory(dir.resolve(quantization.name())).setDimension(DIMENSION)
                .optQuantization(quantization).optHnswMaxConn(16).optMergeThreads(2).build();
        for (int i = 0; i < keys.length; i++) {
            index.add(id(i), keys[i]);
            if (i % 700 == 699) {
                index.commit(); // several segments, merged below with two merge threads
            }
        }
        index.commit();
        return index;
    }

    @ParameterizedTest
    @EnumSource(KeyQuantization.class)
    void exactSearchEqualsBruteForceAndWideHnswSearchFindsIt(KeyQuantization quantization) {
        float[][] keys = clusteredKeys(2_000, 7);
        float[][] queries = clusteredKeys(30, 8);
        try (LuceneKeyIndex index = index(quantization, keys)) {
            assertThat(index.segments()).isGreaterThan(1);
            for (float[] q : queries) { // across segments: each graph searched, the best candidates merged
                assertThat(index.search(q, 10, 200)).extracting(ScoredCaseId::caseId).containsAnyElementsOf(bruteForce(keys, q, 3));
            }
            index.forceMerge(1);
            assertThat(index.segments()).isEqualTo(1);
            assertThat(index.size()).isEqualTo(2_000);
            int found = 0;
            for (float[] q : queries) {
                float[] raw = q.clone();
                for (int j = 0; j < raw.length; j++) {
                    raw[j] *= 3; // scores use the raw query
                }
                List<String> truth = bruteForce(keys, raw, 10);
                List<ScoredCaseId> exact = index.searchExact(raw, 10);
                assertThat(exact).extracting(ScoredCaseId::caseId).containsExactlyElementsOf(truth);
                assertThat(exact.get(0).rawScore()).isCloseTo(KeySearch.dot(raw, keys[Integer.parseInt(truth.get(0).substring(1))]),
                        org.assertj.core.data.Offset.offset(1e-9));
                List<ScoredCaseId> approximate = index.search(raw, 10, 200);
                assertThat(approximate).isSortedAccordingTo(Comparator.comparingDouble(ScoredCaseId::rawScore).reversed());
                found += (int) approximate.stream().filter(h -> truth.contains(h.caseId())).count();
            }
            assertThat(found / 300.0).as("recall@10 with 200 candidates").isGreaterThanOrEqualTo(0.95);
            assertThat(index.bytesOnDisk()).isGreaterThan(2_000L * DIMENSION * 4);
        }
    }

    @Test
    void addIsAnUpsertAndKeysSurviveReopening() {
        float[][] keys = clusteredKeys(50, 3);
        try (LuceneKeyIndex index = index(KeyQuantization.NONE, keys)) {
            index.add(id(0), keys[1]);
            index.commit();
            assertThat(index.size()).isEqualTo(50);
            assertThat(index.searchExact(keys[1], 2)).extracting(ScoredCaseId::caseId).containsExactly(id(0), id(1));
            index.add(id(99), keys[2]); // never committed
        }
        try (LuceneKeyIndex reopened = LuceneKeyIndex.builder().setDirectory(dir.resolve("NONE")).setDimension(DIMENSION).build()) {
            assertThat(reopened.size()).isEqualTo(50);
            assertThat(reopened.searchExact(keys[1], 2)).extracting(ScoredCaseId::caseId).containsExactly(id(0), id(1));
        }
        assertThatThrownBy(() -> LuceneKeyIndex.builder().setDirectory(dir.resolve("NONE")).setDimension(DIMENSION + 1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds keys of dimension 32, not 33");
    }

    @Test
    void badInputGetsPreciseMessages() {
        try (LuceneKeyIndex index = LuceneKeyIndex.builder().setDirectory(dir.resolve("x")).setDimension(4).build()) {
            assertThatThrownBy(() -> index.add("a", new float[] {1, 0, 0})).hasMessageContaining("key a has dimension 3")
                    .hasMessageContaining("holds dimension 4");
            assertThatThrownBy(() -> index.add("a", new float[] {2, 0, 0, 0})).hasMessageContaining("L2 norm 2.0");
            assertThatThrownBy(() -> index.add("a", new float[] {Float.NaN, 0, 0, 0})).hasMessageContaining("non-finite value at index 0");
            assertThatThrownBy(() -> index.add("", new float[] {1, 0, 0, 0})).hasMessageContaining("must not be empty");
            index.add("a", new float[] {1, 0, 0, 0});
            index.commit();
            assertThatThrownBy(() -> index.search(new float[] {1, 0, 0, 0}, 5, 4)).hasMessageContaining("at least k = 5");
            assertThatThrownBy(() -> index.search(new float[] {1, 0, 0, 0}, 0, 4)).hasMessageContaining("k must be at least 1");
            assertThatThrownBy(() -> index.searchExact(new float[4], 1)).hasMessageContaining("zero vector");
            assertThat(index.search(new float[] {0, 1, 0, 0}, 3, 10)).extracting(ScoredCaseId::caseId).containsExactly("a");
        }
        assertThatThrownBy(() -> LuceneKeyIndex.builder().setDimension(0)).hasMessageContaining("dimension must be in [1, ");
        assertThatThrownBy(() -> LuceneKeyIndex.builder().setDimension(4).build()).hasMessageContaining("setDirectory");
        assertThatThrownBy(() -> LuceneKeyIndex.builder().optHnswMaxConn(0)).hasMessageContaining("maxConn must be in [1, 512]");
    }
}
