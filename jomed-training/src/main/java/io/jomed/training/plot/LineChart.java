package io.jomed.training.plot;

import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A line chart of one or more named series over a numeric x axis, for example training loss or validation
 * accuracy per step, rendered as a PNG: title, legend, axes with "nice" ticks (steps of 1, 2 or 5 times a power
 * of ten) and labels, one Okabe-Ito colour per series. A non-finite y value is skipped and the line breaks
 * there; a point with no finite neighbour is drawn as a dot. Rendering is headless and deterministic.
 *
 * <p>Instances are immutable and thread-safe; each {@link #render()} draws a new image.
 */
public final class LineChart {
    private static final int MARGIN = 12;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final double yMin;
    private final double yMax;
    private final int width;
    private final int height;
    private final List<Series> series;

    private record Series(String name, double[] x, double[] y) {
    }

    private LineChart(Builder b) {
        this.title = b.title;
        this.xLabel = b.xLabel;
        this.yLabel = b.yLabel;
        this.yMin = b.yMin;
        this.yMax = b.yMax;
        this.width = b.width;
        this.height = b.height;
        this.series = List.copyOf(b.series);
    }

    public static Builder builder() {
        return new Builder();
    }

    public String title() {
        return title;
    }

    /** Width of the rendered image in pixels. */
    public int width() {
        return width;
    }

    /** Height of the rendered image in pixels. */
    public int height() {
        return height;
    }

    /** The series names in the order they were added, which is also their colour order. */
    public List<String> seriesNames() {
        return series.stream().map(Series::name).toList();
    }

    /** Draws the chart into a new RGB image. */
    public BufferedImage render() {
        return render(Canvas.SYSTEM_FONTS);
    }

    /**
     * Renders the chart and writes it as a PNG atomically (a temporary file in the same directory, then a
     * move), creating missing directories and replacing an existing file.
     */
    public void write(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        PngWriter.write(render(), file);
    }

    BufferedImage render(Canvas.FontSource fonts) {
        Canvas c = new Canvas(width, height, fonts);
        double top = c.title(title, MARGIN, MARGIN);
        top = c.legend(seriesNames(), false, top, MARGIN);

        double xLo = Double.POSITIVE_INFINITY;
        double xHi = Double.NEGATIVE_INFINITY;
        double yLo = Double.POSITIVE_INFINITY;
        double yHi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            xLo = Math.min(xLo, s.x[0]);
            xHi = Math.max(xHi, s.x[s.x.length - 1]);
            for (double v : s.y) {
                if (Double.isFinite(v)) {
                    yLo = Math.min(yLo, v);
                    yHi = Math.max(yHi, v);
                }
            }
        }
        NiceScale xs = NiceScale.auto(xLo, xHi, Math.max(2, width / 100));
        int yTarget = Math.max(2, height / 80);
        NiceScale ys = !Double.isNaN(yMin) ? NiceScale.fixed(yMin, yMax, yTarget)
                : yLo <= yHi ? NiceScale.auto(yLo, yHi, yTarget) : NiceScale.fixed(0, 1, yTarget);

        double tickH = c.textHeight(Canvas.TICK);
        double[] xTicks = xs.ticks();
        int left = c.plotLeft(ys, yLabel, MARGIN);
        int right = (int) Math.floor(width - MARGIN
                - Math.max(8, c.textWidth(xs.label(xTicks[xTicks.length - 1]), Canvas.TICK) / 2));
        int plotTop = (int) Math.ceil(top + tickH / 2);
        int bottom = (int) Math.floor(height - MARGIN - c.textHeight(Canvas.LABEL) - 6 - tickH - 3 - 5);
        if (right - left < 20 || bottom - plotTop < 20) {
            throw new IllegalStateException("chart \"" + title + "\": " + width + "x" + height + " pixels leave no room "
                    + "for the plot area; enlarge it with optSize");
        }

        for (double v : xTicks) {
            int x = (int) Math.round(left + xs.fraction(v) * (right - left));
            if (x != left) {
                c.pixelLine(x, plotTop, x, bottom - 1, Canvas.GRID);
            }
        }
        c.yAxis(ys, yLabel, MARGIN, left, plotTop, bottom, right);
        for (int i = 0; i < series.size(); i++) {
            drawSeries(c, series.get(i), Palette.rgb(i), xs, ys, left, right, plotTop, bottom);
        }
        c.pixelLine(left, bottom, right, bottom, Canvas.AXIS);
        for (double v : xTicks) {
            int x = (int) Math.round(left + xs.fraction(v) * (right - left));
            c.pixelLine(x, bottom + 1, x, bottom + 5, Canvas.AXIS);
            c.text(xs.label(v), Canvas.TICK, Canvas.TEXT, x + 0.5, bottom + 8, 0.5, 0);
        }
        c.text(xLabel, Canvas.LABEL, Canvas.TEXT, (left + right) / 2.0, height - MARGIN, 0.5, 1);
        return c.finish();
    }

    private static void drawSeries(Canvas c, Series s, int rgb, NiceScale xs, NiceScale ys, int left, int right,
            int top, int bottom) {
        Path2D.Double line = new Path2D.Double();
        Path2D.Double dots = new Path2D.Double();
        boolean pen = false;
        int n = s.x.length;
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(s.y[i])) {
                pen = false;
                continue;
            }
            double px = left + xs.fraction(s.x[i]) * (right - left) + 0.5;
            double py = Canvas.yPixel(ys, s.y[i], top, bottom) + 0.5;
            if (pen) {
                line.lineTo(px, py);
            } else {
                line.moveTo(px, py);
                pen = true;
                if (i == n - 1 || !Double.isFinite(s.y[i + 1])) {
                    dots.append(new Ellipse2D.Double(px - 3, py - 3, 6, 6), false);
                }
            }
        }
        int clipW = right - left + 1;
        int clipH = bottom - top + 1;
        c.stroke(line, 2.5f, rgb, left, top, clipW, clipH);
        c.fill(dots, rgb, left, top, clipW, clipH);
    }

    /**
     * Builder for {@link LineChart}; not thread-safe. The title, both axis labels and at least one series are
     * required.
     */
    public static final class Builder {
        private String title;
        private String xLabel;
        private String yLabel;
        private double yMin = Double.NaN;
        private double yMax = Double.NaN;
        private int width = 800;
        private int height = 500;
        private final List<Series> series = new ArrayList<>();

        private Builder() {
        }

        public Builder setTitle(String title) {
            this.title = Charts.requireText(title, "title");
            return this;
        }

        public Builder setXLabel(String xLabel) {
            this.xLabel = Charts.requireText(xLabel, "x label");
            return this;
        }

        public Builder setYLabel(String yLabel) {
            this.yLabel = Charts.requireText(yLabel, "y label");
            return this;
        }

        /**
         * Fixes the y axis to {@code [min, max]}; values outside are clipped. By default the axis covers the
         * finite y values, widened to whole tick steps.
         */
        public Builder optYRange(double min, double max) {
            Charts.requireRange(min, max);
            this.yMin = min;
            this.yMax = max;
            return this;
        }

        /** The image size in pixels; default 800 x 500. */
        public Builder optSize(int width, int height) {
            Charts.requireSize(width, height);
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * Adds a series; its colour is the next of the palette.
         *
         * @param x finite and strictly increasing
         * @param y as many values as {@code x}; a non-finite value leaves a gap
         * @throws IllegalArgumentException naming the series (and the index) if it is empty, the lengths differ,
         *     an x value is not finite or not above its predecessor, the name is taken, or the palette is used up
         */
        public Builder addSeries(String name, double[] x, double[] y) {
            Charts.requireText(name, "series name");
            Objects.requireNonNull(x, () -> "series \"" + name + "\": x");
            Objects.requireNonNull(y, () -> "series \"" + name + "\": y");
            for (Series s : series) {
                if (s.name.equals(name)) {
                    throw new IllegalArgumentException("series \"" + name + "\" is already added");
                }
            }
            if (series.size() == Palette.SIZE) {
                throw new IllegalArgumentException("series \"" + name + "\" would be number " + (Palette.SIZE + 1)
                        + "; a chart holds at most " + Palette.SIZE + " series, one per palette colour");
            }
            if (x.length == 0) {
                throw new IllegalArgumentException("series \"" + name + "\" is empty");
            }
            if (x.length != y.length) {
                throw new IllegalArgumentException("series \"" + name + "\": x has " + x.length + " values but y has "
                        + y.length + "; the first unmatched index is " + Math.min(x.length, y.length));
            }
            for (int i = 0; i < x.length; i++) {
                if (!Double.isFinite(x[i])) {
                    throw new IllegalArgumentException("series \"" + name + "\": x[" + i + "] is " + x[i]
                            + "; x values must be finite");
                }
                if (i > 0 && !(x[i] > x[i - 1])) {
                    throw new IllegalArgumentException("series \"" + name + "\": x[" + i + "] = " + x[i]
                            + " is not greater than x[" + (i - 1) + "] = " + x[i - 1] + "; x must be strictly increasing");
                }
            }
            series.add(new Series(name, x.clone(), y.clone()));
            return this;
        }

        /**
         * @throws IllegalStateException if the title, an axis label or every series is missing
         */
        public LineChart build() {
            if (title == null) {
                throw new IllegalStateException("the title is required: call setTitle");
            }
            if (xLabel == null) {
                throw new IllegalStateException("the x label is required: call setXLabel");
            }
            if (yLabel == null) {
                throw new IllegalStateException("the y label is required: call setYLabel");
            }
            if (series.isEmpty()) {
                throw new IllegalStateException("chart \"" + title + "\" has no series: call addSeries");
            }
            return new LineChart(this);
        }
    }
}
