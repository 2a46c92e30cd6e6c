package io.jomed.training.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryTrendTest {
    @Test
    void fitsTheSlopeOfEachColumnOverProgress() {
        List<double[]> points = List.of(new double[] {0, 10, 5}, new double[] {1000, 11, 5}, new double[] {2000, 12, 5});
        assertThat(MemoryTrend.slope(points, 1)).isCloseTo(0.001, within(1e-12));
        assertThat(MemoryTrend.slope(points, 2)).isZero();
        assertThat(MemoryTrend.slope(List.of(new double[] {3, 1, 1}), 1)).isZero();
    }

    @Test
    void samplesHeapAndResidentMemory() {
        MemoryTrend trend = new MemoryTrend();
        trend.sample(0);
        trend.sample(1000);
        assertThat(trend.sampled(1000)).isTrue();
        assertThat(trend.sampled(500)).isFalse();
        assertThat(trend.rows("x")).startsWith("| x | 0 | ").contains("| x | 1000 | ");
        assertThat(MemoryTrend.residentMiB()).isPositive(); // CI runs on Linux
        assertThat(trend.heapSlopePerThousand()).isFinite();
    }
}
