package io.jomed.training.sampling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClassBalancedSamplerTest {

    /** RetinaMNIST's training split: 486/128/206/194/66 examples of grades 0..4, in blocks. */
    private static int[] retinaClasses() {
        int[] counts = {486, 128, 206, 194, 66};
        int[] classes = new int[Arrays.stream(counts).sum()];
        int i = 0;
        for (int c = 0; c < counts.length; c++) {
            for (int j = 0; j < counts[c]; j++) {
                classes[i++] = c;
            }
        }
        return classes;
    }

    @Test
    void retinaCountsGive330ExamplesPerPassOnePerClassInTurn() {
        int[] classes = retinaClasses();
        ClassBalancedSampler sampler = ClassBalancedSampler.builder().setClasses(classes).setBatchSize(2).optSeed(7).build();
        assertThat(sampler.passLength()).isEqualTo(330);
        assertThat(sampler.batchesPerPass()).isEqualTo(165);
        assertThat(sampler.classCount()).isEqualTo(5);
        int[] order = sampler.passOrder(0);
        assertThat(order).hasSize(330).doesNotHaveDuplicates();
        for (int i = 0; i < order.length; i++) {
            assertThat(classes[order[i]]).as("position %d", i).isEqualTo(i % 5);
        }
        // the minority class is used in full every pass; majority examples rotate across passes
        Set<Integer> seenGrade0 = new HashSet<>();
        for (int pass = 0; pass < 100; pass++) {
            for (int idx : sampler.passOrder(pass)) {
                if (classes[idx] == 0) {
                    seenGrade0.add(idx);
                }
            }
        }
        assertThat(seenGrade0).hasSize(486);
        assertThat(sampler.passOrder(1)).isNotEqualTo(sampler.passOrder(0));
    }

    @Test
    void batchesFollowThePassOrderAndMoveToTheNextPass() {
        int[] classes = {0, 1, 0, 1, 0, 1, 1, 1};
        ClassBalancedSampler sampler = ClassBalancedSampler.builder().setClasses(classes).setBatchSize(4).optSeed(1).build();
        assertThat(sampler.passLength()).isEqualTo(6);
        assertThat(sampler.batchesPerPass()).isEqualTo(1);
        int[] first = sampler.nextBatch();
        assertThat(first).containsExactly(Arrays.copyOf(sampler.passOrder(0), 4));
        assertThat(sampler.position()).isEqualTo(new SamplerPosition(0, 4));
        int[] second = sampler.nextBatch();
        assertThat(second).containsExactly(Arrays.copyOf(sampler.passOrder(1), 4));
        assertThat(sampler.position()).isEqualTo(new SamplerPosition(1, 4));

        ClassBalancedSampler keep = ClassBalancedSampler.builder().setClasses(classes).setBatchSize(4).optSeed(1)
                .optDropLast(false).build();
        assertThat(keep.batchesPerPass()).isEqualTo(2);
        keep.nextBatch();
        assertThat(keep.nextBatch()).containsExactly(Arrays.copyOfRange(keep.passOrder(0), 4, 6));
        assertThat(keep.nextBatch()).containsExactly(Arrays.copyOf(keep.passOrder(1), 4));
    }

    @Test
    void savedPositionsRestoreTheExactStream() {
        int[] classes = retinaClasses();
        ClassBalancedSampler a = ClassBalancedSampler.builder().setClasses(classes).setBatchSize(16).optSeed(3).build();
        for (int i = 0; i < 37; i++) {
            a.nextBatch();
        }
        SamplerPosition saved = a.position();
        List<int[]> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            expected.add(a.nextBatch());
        }
        ClassBalancedSampler b = ClassBalancedSampler.builder().setClasses(classes).setBatchSize(16).optSeed(3).build();
        b.seek(saved);
        for (int[] batch : expected) {
            assertThat(b.nextBatch()).containsExactly(batch);
        }
        ClassBalancedSampler otherSeed = ClassBalancedSampler.builder().setClasses(classes).setBatchSize(16).optSeed(4).build();
        assertThat(otherSeed.passOrder(0)).isNotEqualTo(a.passOrder(0));
        assertThatThrownBy(() -> b.seek(new SamplerPosition(0, 331))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("331").hasMessageContaining("330");
    }

    @Test
    void shuffleModeUsesEveryExampleOncePerPass() {
        int[] classes = retinaClasses();
        ClassBalancedSampler sampler = ClassBalancedSampler.builder().setClasses(classes).setBatchSize(10)
                .optMode(SamplingMode.SHUFFLE).optSeed(5).build();
        assertThat(sampler.passLength()).isEqualTo(1080);
        int[] order = sampler.passOrder(2);
        assertThat(order).hasSize(1080).doesNotHaveDuplicates();
        assertThat(order).isNotEqualTo(sampler.passOrder(3));
    }

    @Test
    void rejectsMissingSettingsAndPassesShorterThanABatch() {
        assertThatThrownBy(() -> ClassBalancedSampler.builder().setBatchSize(2).build()).hasMessageContaining("setClasses");
        assertThatThrownBy(() -> ClassBalancedSampler.builder().setClasses(new int[] {0, 1}).build())
                .hasMessageContaining("setBatchSize");
        assertThatThrownBy(() -> ClassBalancedSampler.builder().setClasses(new int[0]).setBatchSize(1).build())
                .hasMessageContaining("zero examples");
        assertThatThrownBy(() -> ClassBalancedSampler.builder().setClasses(new int[] {0, 1, 1, 1}).setBatchSize(4).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 examples")
                .hasMessageContaining("[1, 3]");
        assertThatThrownBy(() -> ClassBalancedSampler.builder().setClasses(new int[] {0, -1})).hasMessageContaining("example 1");
    }
}
