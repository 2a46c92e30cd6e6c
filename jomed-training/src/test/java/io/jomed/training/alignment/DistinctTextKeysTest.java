package io.jomed.training.alignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.testing.SyntheticCases;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DistinctTextKeysTest {
    /** Counts the texts it is asked to encode; key = (length, 1) normalised. */
    private static final class CountingEncoder implements TextEncoder {
        final List<String> seen = new ArrayList<>();

        @Override
        public int dimension() {
            return 2;
        }

        @Override
        public EncoderFingerprint fingerprint() {
            return new EncoderFingerprint("counting", "00000000", 2);
        }

        @Override
        public float[][] encode(List<String> texts) {
            seen.addAll(texts);
            return texts.stream().map(t -> {
                float n = (float) Math.hypot(t.length(), 1);
                return new float[] {t.length() / n, 1 / n};
            }).toArray(float[][]::new);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void encodesEachDistinctReportOnceAndPairsEveryCaseWithItsKey() {
        List<KnowledgeBaseCase> cases = SyntheticCases.cases(6).stream()
                .map(c -> c.toBuilder().optText(c.metadata("group").orElseThrow().equals("a") ? "benign" : "malignant lesion").build())
                .toList();
        CountingEncoder g0 = new CountingEncoder();
        DistinctTextKeys keys = DistinctTextKeys.encode(g0, cases.subList(0, 4), cases.subList(4, 6));
        assertThat(g0.seen).containsExactly("benign", "malignant lesion");
        List<AlignmentPair> pairs = keys.pairs(cases);
        assertThat(pairs).hasSize(6);
        assertThat(pairs.get(0).textKey()).isEqualTo(g0.encode(List.of("benign"))[0]);
        assertThat(pairs.get(1).image()).isEqualTo(cases.get(1).image());
        KnowledgeBaseCase other = cases.get(0).toBuilder().optText("unseen").build();
        assertThatThrownBy(() -> keys.pairs(List.of(other))).hasMessageContaining(other.id());
    }
}
