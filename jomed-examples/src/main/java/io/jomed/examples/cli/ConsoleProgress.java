package io.jomed.examples.cli;

import io.jomed.api.progress.ProgressEvent;
import io.jomed.api.progress.ProgressListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Shows progress events as a one-line progress bar on standard error, redrawn at most every 200 ms.
 *
 * <p>Thread-safe: events from worker threads are serialised.
 */
final class ConsoleProgress implements ProgressListener {
    private static final int WIDTH = 28;
    private final PrintStream out;
    private long lastDraw;
    private String lastJob = "";

    ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void onProgress(ProgressEvent e) {
        long now = System.nanoTime();
        boolean done = e.total() > 0 && e.completed() >= e.total();
        if (!done && e.job().equals(lastJob) && now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        if (!e.job().equals(lastJob) && !lastJob.isEmpty()) {
            out.print('\n');
        }
        lastJob = e.job();
        StringBuilder line = new StringBuilder("\r").append(String.format(Locale.ROOT, "%-8s", e.job()));
        e.fraction().ifPresentOrElse(f -> {
            int filled = (int) Math.round(f * WIDTH);
            line.append(" [").append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append(']')
                    .append(String.format(Locale.ROOT, " %3.0f%%", f * 100));
        }, () -> line.append(" ").append(e.completed()));
        line.append(" ").append(format(e.elapsed()));
        e.remaining().ifPresent(r -> line.append(" (").append(format(r)).append(" left)"));
        for (Map.Entry<String, Double> m : e.metrics().entrySet()) {
            line.append(String.format(Locale.ROOT, " %s=%.4g", m.getKey(), m.getValue()));
        }
        out.print(line);
        if (done) {
            out.print('\n');
            lastJob = "";
        }
        out.flush();
    }

    private static String format(Duration d) {
        long s = d.toSeconds();
        return s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
