package io.jomed.training.report;

import io.jomed.training.analysis.InconsistencyAnalysis;
import io.jomed.training.analysis.OracleAnalysis;
import io.jomed.training.analysis.RerankerComparison;
import io.jomed.training.analysis.SubsetAccuracy;
import io.jomed.training.evaluation.LatencySummary;
import io.jomed.training.evaluation.ModeComparison;
import io.jomed.training.evaluation.ModeMetrics;
import io.jomed.training.metrics.PairedBootstrap.Interval;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Renders an {@link EvaluationReport} as markdown for the command line: one row per mode (accuracy,
 * macro-F1, AUC, ECE, accuracy on the consistent and inconsistent subsets, oracle accuracy, p50 latency),
 * then one line per comparison with its bootstrap interval, a reranker table (one row per mode and reranker:
 * accuracy overall and per subset, the mode's fused and oracle accuracy, the share of the gap closed) when
 * rerankers were compared, and one line per skipped training stage. Undefined values print as {@code -}.
 *
 * <p>Stateless and thread-safe.
 */
public final class ReportTable {
    private ReportTable() {
    }

    public static String markdown(EvaluationReport report) {
        Objects.requireNonNull(report, "report");
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "%s / %s, %d examples, seed %d, preset %s, k per head %d%n%n", report.dataset(),
                report.split(), report.examples(), report.seed(), report.preset(), report.kPerHead()));
        t.append("| mode | accuracy | macro-F1 | AUC | ECE | acc. consistent | acc. inconsistent | own incons. share | oracle | p50 ms |\n");
        t.append("|---|---|---|---|---|---|---|---|---|---|\n");
        InconsistencyAnalysis inc = report.inconsistency().orElse(null);
        OracleAnalysis oracle = report.oracle().orElse(null);
        for (Map.Entry<String, ModeMetrics> e : report.results().entrySet()) {
            String mode = e.getKey();
            ModeMetrics m = e.getValue();
            SubsetAccuracy subsets = inc == null ? null : inc.accuracy().get(mode);
            OracleAnalysis.ModeOracle o = oracle == null ? null : oracle.modes().get(mode);
            LatencySummary l = report.latency().get(mode);
            t.append("| ").append(mode)
                    .append(" | ").append(fmt(m.accuracy()))
                    .append(" | ").append(fmt(m.macroF1()))
                    .append(" | ").append(fmt(m.auc()))
                    .append(" | ").append(fmt(m.ece()))
                    .append(" | ").append(subsets == null ? "-" : fmt(subsets.consistent()))
                    .append(" | ").append(subsets == null ? "-" : fmt(subsets.inconsistent()))
                    .append(" | ").append(inc == null || !inc.ownShare().containsKey(mode) ? "-" : fmt(inc.ownShare().get(mode)))
                    .append(" | ").append(o == null ? "-" : fmt(o.oracle().all()))
                    .append(" | ").append(l == null ? "-" : String.format(Locale.ROOT, "%.2f", l.p50()))
                    .append(" |\n");
        }
        if (inc != null) {
            t.append(String.format(Locale.ROOT, "%nInconsistent share (%s partition): %s (%d of %d queries)%n",
                    inc.partitionMode(), fmt(inc.inconsistentShare()), inc.inconsistentCount(), report.examples()));
        }
        for (ModeComparison c : report.comparisons()) {
            t.append(String.format(Locale.ROOT, "%s - %s: accuracy %s, macro-F1 %s (paired bootstrap 95%%, %d resamples)%n",
                    c.first(), c.second(), interval(c.accuracy()), interval(c.macroF1()), report.bootstrapResamples()));
        }
        if (!report.rerankers().isEmpty()) {
            t.append("\n| mode | reranker | accuracy | acc. consistent | acc. inconsistent | fused | oracle | gap closed |\n");
            t.append("|---|---|---|---|---|---|---|---|\n");
            for (Map.Entry<String, RerankerComparison> e : report.rerankers().entrySet()) {
                for (Map.Entry<String, RerankerComparison.RerankerResult> r : e.getValue().rerankers().entrySet()) {
                    RerankerComparison.RerankerResult result = r.getValue();
                    t.append("| ").append(e.getKey())
                            .append(" | ").append(r.getKey())
                            .append(" | ").append(fmt(result.accuracy().all()))
                            .append(" | ").append(fmt(result.accuracy().consistent()))
                            .append(" | ").append(fmt(result.accuracy().inconsistent()))
                            .append(" | ").append(fmt(result.fusedAccuracy()))
                            .append(" | ").append(fmt(result.oracleAccuracy()))
                            .append(" | ").append(fmt(result.gapClosed()))
                            .append(" |\n");
                }
            }
        }
        if (!report.skippedStages().isEmpty()) {
            t.append('\n');
            report.skippedStages().forEach((stage, reason) -> t.append("Skipped ").append(stage).append(": ").append(reason)
                    .append('\n'));
        }
        return t.toString();
    }

    private static String interval(Interval i) {
        return String.format(Locale.ROOT, "%+.3f [%+.3f, %+.3f]", i.difference(), i.lower(), i.upper());
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3f", v) : "-";
    }
}
