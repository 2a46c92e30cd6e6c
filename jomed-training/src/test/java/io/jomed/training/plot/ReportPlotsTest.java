package io.jomed.training.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.training.evaluation.LogFixtures;
import io.jomed.training.evaluation.ModeEvaluator;
import io.jomed.training.evaluation.PredictionLog;
import io.jomed.training.evaluation.QueryRecord;
import io.jomed.training.report.EvaluationReport;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportPlotsTest {

    private static EvaluationReport report(PredictionLog log) {
        return EvaluationReport.builder().setDataset("breastmnist").setSplit("test").setSeed(1).setPreset("CLEAN")
                .setKPerHead(2).setLog(log).optBootstrapResamples(10).build();
    }

    @Test
    void accuracyBySubsetPlotsEachModeOnTheReportsPartition(@TempDir Path dir) throws Exception {
        EvaluationReport report = report(LogFixtures.handMade());
        GroupedBarChart chart = ReportPlots.accuracyBySubsetChart(report);
        assertThat(chart.title()).contains("breastmnist / test, seed 1").contains("standard_rag partition")
                .contains("50.0% inconsistent");
        assertThat(chart.categories()).containsExactly(ModeEvaluator.CLOSED_BOOK, ModeEvaluator.STANDARD_RAG);
        assertThat(chart.groups()).containsExactly("all", "consistent", "inconsistent");
        // closed_book is right on queries 0 and 3, the consistent ones
        assertThat(chart.value(ModeEvaluator.CLOSED_BOOK, "consistent")).isEqualTo(1.0);
        assertThat(chart.value(ModeEvaluator.CLOSED_BOOK, "inconsistent")).isEqualTo(0.0);
        assertThat(chart.value(ModeEvaluator.STANDARD_RAG, "all")).isEqualTo(0.5);

        Path file = dir.resolve("accuracy_by_subset.png");
        ReportPlots.accuracyBySubset(report, file);
        BufferedImage img = ImageIO.read(file.toFile());
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo(500);
        // "all" bars for both modes; the consistent bar of closed_book (1.0) is twice its "all" bar (0.5)
        assertThat(Images.bars(img, Palette.rgb(0), 15)).hasSize(2);
        int[] cbAll = Images.bars(img, Palette.rgb(0), 15).getFirst();
        int[] cbConsistent = Images.bars(img, Palette.rgb(1), 15).getFirst();
        assertThat((double) (cbConsistent[3] - cbConsistent[2]) / (cbAll[3] - cbAll[2])).isBetween(1.95, 2.05);
    }

    @Test
    void aReportWithoutInconsistencyAnalysisIsRejected(@TempDir Path dir) {
        QueryRecord q = LogFixtures.handMade().queries().getFirst();
        PredictionLog cbOnly = PredictionLog.builder().setLabelSpace(LogFixtures.LABELS).addMode(ModeEvaluator.CLOSED_BOOK)
                .addQuery(new QueryRecord("q0", q.gold(), Map.of(ModeEvaluator.CLOSED_BOOK, q.mode(ModeEvaluator.CLOSED_BOOK))))
                .build();
        assertThatThrownBy(() -> ReportPlots.accuracyBySubset(report(cbOnly), dir.resolve("a.png")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no inconsistency analysis")
                .hasMessageContaining("\"standard_rag\"");
        assertThat(dir.resolve("a.png")).doesNotExist();
    }

    @Test
    void trainingCurveDrawsEverySeriesInADeterministicOrder(@TempDir Path dir) throws Exception {
        double[] steps = {0, 100, 200, 300, 400};
        Map<String, double[][]> ordered = new LinkedHashMap<>();
        ordered.put("val", new double[][] {steps, {0.5, 0.6, Double.NaN, 0.7, 0.72}});
        ordered.put("train", new double[][] {steps, {0.4, 0.5, 0.65, 0.8, 0.9}});
        assertThat(ReportPlots.trainingCurveChart("accuracy", "accuracy", ordered).seriesNames())
                .containsExactly("val", "train");
        assertThat(ReportPlots.trainingCurveChart("accuracy", "accuracy", new HashMap<>(ordered)).seriesNames())
                .containsExactly("train", "val");

        Path file = dir.resolve("curves/accuracy.png");
        ReportPlots.trainingCurve(file, "validation accuracy per step", "accuracy", ordered);
        BufferedImage img = ImageIO.read(file.toFile());
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(Images.count(img, Palette.rgb(0))).isGreaterThan(300);
        assertThat(Images.count(img, Palette.rgb(1))).isGreaterThan(300);
    }

    @Test
    void aSeriesThatIsNotAPairOfArraysIsNamed() {
        double[] s = {0, 1};
        assertThatThrownBy(() -> ReportPlots.trainingCurveChart("t", "loss", Map.of("loss", new double[][] {s, s, s})))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("series \"loss\": expected {steps, values}, got 3 arrays");
        assertThatThrownBy(() -> ReportPlots.trainingCurveChart("t", "loss", Map.of("loss", new double[][] {s, {1}})))
                .hasMessageContaining("series \"loss\": x has 2 values but y has 1");
        assertThatThrownBy(() -> ReportPlots.trainingCurveChart("t", "loss", Map.of()))
                .hasMessageContaining("no series");
    }
}
