package io.jomed.training.plot;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A grouped bar chart rendered as a PNG: categories along the x axis (for example the modes
 * {@code closed_book}, {@code knn}, {@code standard_rag}, {@code jomed}), one bar per group within each (for
 * example the subsets {@code all}, {@code consistent}, {@code inconsistent}) in the group's Okabe-Ito colour,
 * the value on top of each bar with two decimals, and a legend of the groups. A NaN value omits its bar and
 * marks the slot "n/a". The y axis is {@code [0, 1]} when every value lies there, else it covers the values and
 * zero with "nice" ticks, unless fixed. Rendering is headless and deterministic.
 *
 * <p>Instances are immutable and thread-safe; each {@link #render()} draws a new image.
 */
public final class GroupedBarChart {
    private static final int MARGIN = 12;

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final double yMin;
    private final double yMax;
    private final int width;
    private final int height;
    private final List<String> groups;
    private final List<String> categories;
    private final double[][] values;

    private GroupedBarChart(Builder b) {
        this.title = b.title;
        this.xLabel = b.xLabel;
        this.yLabel = b.yLabel;
        this.yMin = b.yMin;
        this.yMax = b.yMax;
        this.width = b.width;
        this.height = b.height;
        this.groups = List.copyOf(b.groups);
        this.categories = List.copyOf(b.categories);
        this.values = b.values.toArray(double[][]::new);
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

    /** The groups, in legend and colour order. */
    public List<String> groups() {
        return groups;
    }

    /** The categories, left to right. */
    public List<String> categories() {
        return categories;
    }

    /**
     * The value of one bar; NaN when it is missing.
     *
     * @throws IllegalArgumentException if the category or group is unknown
     */
    public double value(String category, String group) {
        int c = categories.indexOf(category);
        int g = groups.indexOf(group);
        if (c < 0 || g < 0) {
            throw new IllegalArgumentException("no bar for category \"" + category + "\" and group \"" + group
                    + "\"; categories " + categories + ", groups " + groups);
        }
        return values[c][g];
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

    private NiceScale yScale() {
        int target = Math.max(2, height / 80);
        if (!Double.isNaN(yMin)) {
            return NiceScale.fixed(yMin, yMax, target);
        }
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] row : values) {
            for (double v : row) {
                if (!Double.isNaN(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi || (lo >= 0 && hi <= 1)) {
            return NiceScale.fixed(0, 1, target);
        }
        return NiceScale.auto(Math.min(0, lo), Math.max(0, hi), target);
    }

    BufferedImage render(Canvas.FontSource fonts) {
        Canvas c = new Canvas(width, height, fonts);
        double top = c.title(title, MARGIN, MARGIN);
        top = c.legend(groups, true, top, MARGIN);
        NiceScale ys = yScale();
        double tickH = c.textHeight(Canvas.TICK);
        int left = c.plotLeft(ys, yLabel, MARGIN);
        int right = width - MARGIN;
        int plotTop = (int) Math.ceil(top + tickH + 4);
        double xLabelH = xLabel.isEmpty() ? 0 : c.textHeight(Canvas.LABEL) + 6;
        int bottom = (int) Math.floor(height - MARGIN - xLabelH - tickH - 8);
        if (right - left < 10 * categories.size() || bottom - plotTop < 20) {
            throw new IllegalStateException("chart \"" + title + "\": " + width + "x" + height + " pixels leave no room "
                    + "for the plot area; enlarge it with optSize");
        }
        c.yAxis(ys, yLabel, MARGIN, left, plotTop, bottom, right);

        double base = Canvas.yPixel(ys, clamp(0, ys), plotTop, bottom);
        double slot = (double) (right - left) / categories.size();
        int n = groups.size();
        double gap = n > 1 ? Math.min(3, slot * 0.8 / n / 4) : 0;
        double barW = (slot * 0.8 - (n - 1) * gap) / n;
        for (int ci = 0; ci < categories.size(); ci++) {
            double x0 = left + ci * slot + slot * 0.1;
            for (int g = 0; g < n; g++) {
                int bx0 = (int) Math.round(x0 + g * (barW + gap));
                int bx1 = Math.max(bx0 + 1, (int) Math.round(x0 + g * (barW + gap) + barW));
                double mid = (bx0 + bx1) / 2.0;
                double v = values[ci][g];
                if (Double.isNaN(v)) {
                    c.text("n/a", Canvas.TICK, Canvas.MUTED, mid, base - 3, 0.5, 1);
                    continue;
                }
                double end = Canvas.yPixel(ys, clamp(v, ys), plotTop, bottom);
                int y0 = (int) Math.round(Math.min(base, end));
                int y1 = (int) Math.round(Math.max(base, end));
                c.fillRect(bx0, y0, bx1 - bx0, y1 - y0, Palette.rgb(g));
                String label = String.format(Locale.ROOT, "%.2f", v);
                if (v >= 0) {
                    c.text(label, Canvas.TICK, Canvas.TEXT, mid, y0 - 2, 0.5, 1);
                } else {
                    c.text(label, Canvas.TICK, Canvas.TEXT, mid, y1 + 2, 0.5, 0);
                }
            }
            c.text(categories.get(ci), Canvas.TICK, Canvas.TEXT, left + (ci + 0.5) * slot, bottom + 6, 0.5, 0);
        }
        c.pixelLine(left, (int) Math.round(base), right, (int) Math.round(base), Canvas.AXIS);
        c.text(xLabel, Canvas.LABEL, Canvas.TEXT, (left + right) / 2.0, height - MARGIN, 0.5, 1);
        return c.finish();
    }

    private static double clamp(double v, NiceScale ys) {
        return Math.max(ys.min(), Math.min(ys.max(), v));
    }

    /**
     * Builder for {@link GroupedBarChart}; not thread-safe. The title, the y label, the groups and at least one
     * category are required; the groups come before the categories.
     */
    public static final class Builder {
        private String title;
        private String xLabel = "";
        private String yLabel;
        private double yMin = Double.NaN;
        private double yMax = Double.NaN;
        private int width = 800;
        private int height = 500;
        private List<String> groups;
        private final List<String> categories = new ArrayList<>();
        private final List<double[]> values = new ArrayList<>();

        private Builder() {
        }

        public Builder setTitle(String title) {
            this.title = Charts.requireText(title, "title");
            return this;
        }

        public Builder setYLabel(String yLabel) {
            this.yLabel = Charts.requireText(yLabel, "y label");
            return this;
        }

        /** The x axis label; default none. */
        public Builder optXLabel(String xLabel) {
            this.xLabel = Charts.requireText(xLabel, "x label");
            return this;
        }

        /** Fixes the y axis to {@code [min, max]}; bars beyond it are cut at its edge. */
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
         * The groups: the bars of each category, in legend and colour order.
         *
         * @throws IllegalArgumentException if there are none, more than the palette's 8, or a name is blank or
         *     repeated
         * @throws IllegalStateException if categories were already added
         */
        public Builder setGroups(List<String> groups) {
            Objects.requireNonNull(groups, "groups");
            if (!categories.isEmpty()) {
                throw new IllegalStateException("the groups are fixed once categories are added: call setGroups first");
            }
            if (groups.isEmpty() || groups.size() > Palette.SIZE) {
                throw new IllegalArgumentException("a chart needs 1 to " + Palette.SIZE + " groups, one per palette colour, "
                        + "got " + groups.size());
            }
            for (int i = 0; i < groups.size(); i++) {
                Charts.requireText(groups.get(i), "group " + i);
                int first = groups.indexOf(groups.get(i));
                if (first < i) {
                    throw new IllegalArgumentException("group \"" + groups.get(i) + "\" is listed twice, at indexes " + first
                            + " and " + i);
                }
            }
            this.groups = List.copyOf(groups);
            return this;
        }

        /** {@link #setGroups(List)} for names given inline. */
        public Builder setGroups(String... groups) {
            return setGroups(List.of(groups));
        }

        /**
         * Adds a category with one value per group, in group order; NaN omits that bar.
         *
         * @throws IllegalArgumentException naming the category (and the group) if the name is taken, the count
         *     differs from the groups', or a value is infinite
         * @throws IllegalStateException if the groups are not set yet
         */
        public Builder addCategory(String name, double... values) {
            Charts.requireText(name, "category name");
            Objects.requireNonNull(values, () -> "category \"" + name + "\": values");
            if (groups == null) {
                throw new IllegalStateException("category \"" + name + "\": call setGroups before addCategory");
            }
            if (categories.contains(name)) {
                throw new IllegalArgumentException("category \"" + name + "\" is already added");
            }
            if (values.length != groups.size()) {
                throw new IllegalArgumentException("category \"" + name + "\": " + values.length + " values for "
                        + groups.size() + " groups " + groups);
            }
            for (int i = 0; i < values.length; i++) {
                if (Double.isInfinite(values[i])) {
                    throw new IllegalArgumentException("category \"" + name + "\", group \"" + groups.get(i) + "\" (index "
                            + i + "): " + values[i] + " is not finite; NaN marks a missing bar");
                }
            }
            categories.add(name);
            this.values.add(values.clone());
            return this;
        }

        /**
         * @throws IllegalStateException if the title, the y label, the groups or every category is missing
         */
        public GroupedBarChart build() {
            if (title == null) {
                throw new IllegalStateException("the title is required: call setTitle");
            }
            if (yLabel == null) {
                throw new IllegalStateException("the y label is required: call setYLabel");
            }
            if (groups == null) {
                throw new IllegalStateException("chart \"" + title + "\" has no groups: call setGroups");
            }
            if (categories.isEmpty()) {
                throw new IllegalStateException("chart \"" + title + "\" has no categories: call addCategory");
            }
            return new GroupedBarChart(this);
        }
    }
}
