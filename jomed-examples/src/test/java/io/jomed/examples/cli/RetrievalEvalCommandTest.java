package io.jomed.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jomed.training.evaluation.RetrievalSummary;
import io.jomed.training.metrics.Bootstrap;
import io.jomed.training.metrics.PairedBootstrap;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetrievalEvalCommandTest {

    @Test
    void theSummaryTableGivesEachDatasetsMeanWithItsIntervalsAndCounts() {
        RetrievalSummary retina = new RetrievalSummary("retinamnist", List.of(1L, 2L, 3L), 0.525, 0.0222, 630, 1200,
                new Bootstrap.Interval(0.525, 0.4925, 0.5558), 0.4583, new PairedBootstrap.Interval(0.0667, 0.031, 0.101), 0.5383);
        String table = RetrievalEvalCommand.summaryTable(List.of(retina));
        assertThat(table.lines().toList()).hasSize(3);
        assertThat(table.lines().toList().get(2))
                .isEqualTo("| retinamnist | 1,2,3 | 0.5250 [0.493, 0.556] | 630 / 1200 | 0.022 | 0.4583 | +0.067 [+0.031, +0.101] | 0.538 |");
    }
}
