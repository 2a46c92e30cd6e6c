package io.jomed.training.plot;

import io.jomed.training.analysis.InconsistencyAnalysis;
import io.jomed.training.analysis.SubsetAccuracy;
import io.jomed.training.report.EvaluationReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SequencedMap;

/**
 * The charts written beside an evaluation report: accuracy by subset per mode from the report's inconsistency
 * analysis, and training curves (loss or validation accuracy per step).
 *
 * <p>Stateless and thread-safe.
 */
public final class ReportPlots {
    /** The subsets of the accuracy chart, in bar order. */
    public static final List<String> SUBSETS = List.of("all", "consistent", "inconsistent");

    private ReportPlots() {
    }

    /**
     * Writes a grouped bar chart of each mode's accuracy on all queries and on the consistent and inconsistent
     * subsets of the report's fixed partition, titled with the dataset, split, seed, partition mode and
     * inconsistent share.
     *
     * @throws IllegalArgumentException if the report has no inconsistency analysis
     */
    public static void accuracyBySubset(EvaluationReport report, Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        accuracyBySubsetChart(report).write(file);
    }

    static GroupedBarChart accuracyBySubsetChart(EvaluationReport report) {
        Objects.requireNonNull(report, "report");
        InconsistencyAnalysis a = report.inconsistency().orElseThrow(() -> new IllegalArgumentException(
                "report " + report.dataset() + " / " + report.split() + " (seed " + report.seed() + ") has no "
                        + "inconsistency analysis: partition mode \"" + report.partitionMode() + "\" is not logged or "
                        + "logged no retrieved items, so there is no accuracy by subset to plot"));
        String title = String.format(Locale.ROOT,
                "%s / %s, seed %d: accuracy by subset on the %s partition (%.1f%% inconsistent, %d of %d queries)",
                report.dataset(), report.split(), report.seed(), a.partitionMode(), 100 * a.inconsistentShare(),
                a.inconsistentCount(), report.examples());
        GroupedBarChart.Builder chart = GroupedBarChart.builder().setTitle(title).setYLabel("accuracy").optXLabel("mode")
                .optYRange(0, 1).setGroups(SUBSETS);
        for (Map.Entry<String, SubsetAccuracy> e : a.accuracy().entrySet()) {
            SubsetAccuracy s = e.getValue();
            chart.addCategory(e.getKey(), s.all(), s.consistent(), s.inconsistent());
        }
        return chart.build();
    }

    /**
     * Writes a line chart of training curves over the step axis.
     *
     * @param series per name, {@code {steps, values}}: strictly increasing steps and as many values, a
     *     non-finite value leaving a gap. Drawn in the map's order when it has one (a {@link SequencedMap} such as
     *     {@code LinkedHashMap}), else by name, so the output is deterministic
     * @throws IllegalArgumentException naming the series if one is not a pair of arrays or is invalid for
     *     {@link LineChart.Builder#addSeries}, or if there are no series
     */
    public static void trainingCurve(Path file, String title, String yLabel, Map<String, double[][]> series)
            throws IOException {
        Objects.requireNonNull(file, "file");
        trainingCurveChart(title, yLabel, series).write(file);
    }

    static LineChart trainingCurveChart(String title, String yLabel, Map<String, double[][]> series) {
        Objects.requireNonNull(series, "series");
        if (series.isEmpty()) {
            throw new IllegalArgumentException("training curve \"" + title + "\" has no series");
        }
        List<String> names = new ArrayList<>(series.keySet());
        if (!(series instanceof SequencedMap)) {
            names.sort(null);
        }
        LineChart.Builder chart = LineChart.builder().setTitle(title).setXLabel("step").setYLabel(yLabel);
        for (String name : names) {
            double[][] pair = series.get(name);
            if (pair == null || pair.length != 2) {
                throw new IllegalArgumentException("series \"" + name + "\": expected {steps, values}, got "
                        + (pair == null ? "null" : pair.length + " arrays"));
            }
            chart.addSeries(name, pair[0], pair[1]);
        }
        return chart.build();
    }
}
