package io.jomed.training.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Memory of this JVM over a long run (many {@code diagnose} calls, many training steps): samples of the heap in use
 * after a GC hint and of the resident set size (from {@code /proc/self/status}; NaN where there is none), and the
 * least-squares slope of each per 1,000 units of progress, for benchmarks that must show memory staying flat.
 *
 * <p>Not thread-safe: one benchmark samples it.
 */
public final class MemoryTrend {
    private final List<double[]> samples = new ArrayList<>();

    /** Records the memory at {@code progress} (calls or steps done so far). */
    public void sample(long progress) {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        samples.add(new double[] {progress, (rt.totalMemory() - rt.freeMemory()) / 1048576.0, residentMiB()});
    }

    /** Whether a sample at this progress was taken. */
    public boolean sampled(long progress) {
        return samples.stream().anyMatch(s -> s[0] == progress);
    }

    /** The samples so far, in order, each {@code {progress, heap MiB, resident MiB}}; a copy. */
    public List<double[]> samples() {
        return samples.stream().map(double[]::clone).toList();
    }

    /** Heap growth per 1,000 units of progress, in MiB. */
    public double heapSlopePerThousand() {
        return slope(samples, 1) * 1000;
    }

    /** Resident-set growth per 1,000 units of progress, in MiB. */
    public double residentSlopePerThousand() {
        return slope(samples, 2) * 1000;
    }

    /** The samples as markdown rows {@code | label | progress | heap MiB | resident MiB |}. */
    public String rows(String label) {
        StringBuilder t = new StringBuilder();
        for (double[] s : samples) {
            t.append(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.1f |%n", label, s[0], s[1], s[2]));
        }
        return t.toString();
    }

    /** The resident set size of this process in MiB, or NaN where {@code /proc/self/status} does not exist. */
    public static double residentMiB() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return Double.NaN;
        }
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
            return Double.NaN;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + status, e);
        }
    }

    /** Least-squares slope of column {@code column} over column 0; 0 for fewer than two distinct x. */
    static double slope(List<double[]> points, int column) {
        double mx = 0;
        double my = 0;
        for (double[] p : points) {
            mx += p[0];
            my += p[column];
        }
        mx /= points.size();
        my /= points.size();
        double num = 0;
        double den = 0;
        for (double[] p : points) {
            num += (p[0] - mx) * (p[column] - my);
            den += (p[0] - mx) * (p[0] - mx);
        }
        return den == 0 ? 0 : num / den;
    }
}
