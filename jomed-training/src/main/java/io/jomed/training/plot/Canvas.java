package io.jomed.training.plot;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chart being drawn: a white RGB image with antialiasing, crisp one-pixel lines, filled shapes and text
 * placed by its box. Initializing this class sets {@code java.awt.headless=true} when the property is unset,
 * before any AWT class loads. If fonts cannot be used (no fonts, a font configuration {@link Error}), text is
 * left out of the chart and a warning is logged once per JVM; the rest is drawn as usual. Text positions never
 * depend on whether text is drawn, only on the measured or (without fonts) estimated sizes.
 *
 * <p>Not thread-safe: each render uses its own canvas.
 */
final class Canvas {
    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(Canvas.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** The platform's sans-serif font. */
    static final FontSource SYSTEM_FONTS = style -> new Font(Font.SANS_SERIF, style.bold() ? Font.BOLD : Font.PLAIN,
            style.size());

    static final Style TITLE = new Style(16, true);
    static final Style LABEL = new Style(13, false);
    static final Style TICK = new Style(11, false);

    static final int TEXT = 0x222222;
    static final int AXIS = 0x333333;
    static final int GRID = 0xE6E6E6;
    static final int MUTED = 0x777777;
    static final int BACKGROUND = 0xFFFFFF;

    /** Where a chart gets its fonts; a test can supply one that fails. Implementations must be thread-safe. */
    @FunctionalInterface
    interface FontSource {
        Font font(Style style);
    }

    /** A text style: size in points (one point is one pixel) and weight; immutable and thread-safe. */
    record Style(int size, boolean bold) {
    }

    private final BufferedImage image;
    private final Graphics2D g;
    private final FontSource fonts;
    private boolean text;

    Canvas(int width, int height, FontSource fonts) {
        this.image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        this.g = image.createGraphics();
        this.fonts = fonts;
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setColor(new Color(BACKGROUND));
        g.fillRect(0, 0, width, height);
        this.text = probeText();
    }

    int width() {
        return image.getWidth();
    }

    int height() {
        return image.getHeight();
    }

    /** Finishes drawing and returns the image. */
    BufferedImage finish() {
        g.dispose();
        return image;
    }

    private boolean probeText() {
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.getFontMetrics(fonts.font(TICK)).stringWidth("Ag0");
            return true;
        } catch (RuntimeException | LinkageError | InternalError e) {
            textFailed(e);
            return false;
        }
    }

    private void textFailed(Throwable e) {
        text = false;
        if (WARNED.compareAndSet(false, true)) {
            LOG.warn("fonts are unavailable ({}); charts are written without text", e.toString());
        }
    }

    /** The width of {@code s} in pixels, estimated without fonts. */
    double textWidth(String s, Style style) {
        if (text) {
            try {
                return g.getFontMetrics(fonts.font(style)).stringWidth(s);
            } catch (RuntimeException | LinkageError | InternalError e) {
                textFailed(e);
            }
        }
        return Math.ceil(0.6 * style.size() * s.length());
    }

    /** The line height (ascent plus descent) in pixels, estimated without fonts. */
    double textHeight(Style style) {
        if (text) {
            try {
                FontMetrics m = g.getFontMetrics(fonts.font(style));
                return m.getAscent() + m.getDescent();
            } catch (RuntimeException | LinkageError | InternalError e) {
                textFailed(e);
            }
        }
        return Math.ceil(1.2 * style.size());
    }

    /**
     * Draws {@code s} so that the point {@code (ax, ay)} of its box, in fractions of the box's width and height
     * from its top left, lies at {@code (x, y)}.
     */
    void text(String s, Style style, int rgb, double x, double y, double ax, double ay) {
        if (!text || s.isEmpty()) {
            return;
        }
        try {
            Font font = fonts.font(style);
            FontMetrics m = g.getFontMetrics(font);
            double w = m.stringWidth(s);
            double h = m.getAscent() + m.getDescent();
            g.setFont(font);
            g.setColor(new Color(rgb));
            g.drawString(s, (float) (x - ax * w), (float) (y - ay * h + m.getAscent()));
        } catch (RuntimeException | LinkageError | InternalError e) {
            textFailed(e);
        }
    }

    /** Draws {@code s} turned a quarter counter-clockwise, centred on {@code (x, y)}. */
    void verticalText(String s, Style style, int rgb, double x, double y) {
        if (!text || s.isEmpty()) {
            return;
        }
        AffineTransform saved = g.getTransform();
        try {
            g.translate(x, y);
            g.rotate(-Math.PI / 2);
            text(s, style, rgb, 0, 0, 0.5, 0.5);
        } finally {
            g.setTransform(saved);
        }
    }

    /** A one-pixel line between pixel centres, so that axis-parallel lines stay crisp. */
    void pixelLine(int x1, int y1, int x2, int y2, int rgb) {
        g.setColor(new Color(rgb));
        g.setStroke(new BasicStroke(1f));
        g.draw(new Line2D.Double(x1 + 0.5, y1 + 0.5, x2 + 0.5, y2 + 0.5));
    }

    /** Fills the pixels {@code [x, x + w) x [y, y + h)}. */
    void fillRect(int x, int y, int w, int h, int rgb) {
        if (w <= 0 || h <= 0) {
            return;
        }
        g.setColor(new Color(rgb));
        g.fillRect(x, y, w, h);
    }

    /** Strokes a shape with round caps and joins, clipped to the given rectangle. */
    void stroke(Shape shape, float width, int rgb, int clipX, int clipY, int clipW, int clipH) {
        g.setClip(clipX, clipY, clipW, clipH);
        try {
            g.setColor(new Color(rgb));
            g.setStroke(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(shape);
        } finally {
            g.setClip(null);
        }
    }

    /** Fills a shape, clipped to the given rectangle. */
    void fill(Shape shape, int rgb, int clipX, int clipY, int clipW, int clipH) {
        g.setClip(clipX, clipY, clipW, clipH);
        try {
            g.setColor(new Color(rgb));
            g.fill(shape);
        } finally {
            g.setClip(null);
        }
    }

    /**
     * Draws the title centred from {@code top}, wrapped at spaces to fit within the margins, and returns the y
     * below it.
     */
    double title(String title, double top, int margin) {
        double h = textHeight(TITLE);
        double y = top;
        for (String line : wrap(title, TITLE, width() - 2.0 * margin)) {
            text(line, TITLE, TEXT, width() / 2.0, y, 0.5, 0);
            y += h + 2;
        }
        return y + 4;
    }

    /** Splits {@code s} at spaces into lines no wider than {@code maxWidth}, where words allow. */
    List<String> wrap(String s, Style style, double maxWidth) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : s.trim().split(" +")) {
            if (!line.isEmpty() && textWidth(line + " " + word, style) > maxWidth) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.isEmpty() ? "" : " ").append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    /**
     * Draws a legend of coloured swatches (short lines, or squares for bars) with names, in centred rows from
     * {@code top} that wrap within the canvas, and returns the y below it.
     */
    double legend(List<String> names, boolean squares, double top, int margin) {
        int swatchW = squares ? 12 : 24;
        int swatchH = squares ? 12 : 4;
        double rowH = Math.max(textHeight(LABEL), 12);
        double maxRow = width() - 2.0 * margin;
        List<List<Integer>> rows = new ArrayList<>();
        List<Double> rowWidths = new ArrayList<>();
        double[] itemW = new double[names.size()];
        List<Integer> row = new ArrayList<>();
        double rowW = 0;
        for (int i = 0; i < names.size(); i++) {
            itemW[i] = swatchW + 6 + textWidth(names.get(i), LABEL);
            double add = row.isEmpty() ? itemW[i] : 16 + itemW[i];
            if (!row.isEmpty() && rowW + add > maxRow) {
                rows.add(row);
                rowWidths.add(rowW);
                row = new ArrayList<>();
                rowW = 0;
                add = itemW[i];
            }
            row.add(i);
            rowW += add;
        }
        rows.add(row);
        rowWidths.add(rowW);
        double y = top;
        for (int r = 0; r < rows.size(); r++) {
            double x = Math.max(margin, (width() - rowWidths.get(r)) / 2);
            double mid = y + rowH / 2;
            for (int i : rows.get(r)) {
                fillRect((int) Math.round(x), (int) Math.round(mid - swatchH / 2.0), swatchW, swatchH, Palette.rgb(i));
                text(names.get(i), LABEL, TEXT, x + swatchW + 6, mid, 0, 0.5);
                x += itemW[i] + 16;
            }
            y += rowH + 4;
        }
        return y + 4;
    }

    /** Where a plot area must start so that the y axis's label, tick labels and ticks fit to its left. */
    int plotLeft(NiceScale ys, String yLabel, int margin) {
        double tickW = 0;
        for (double v : ys.ticks()) {
            tickW = Math.max(tickW, textWidth(ys.label(v), TICK));
        }
        double labelW = yLabel.isEmpty() ? 0 : textHeight(LABEL) + 8;
        return (int) Math.ceil(margin + labelW + tickW + 4 + 5);
    }

    /** The pixel row of {@code value} on a y axis from {@code bottom} (the scale's minimum) up to {@code top}. */
    static double yPixel(NiceScale ys, double value, int top, int bottom) {
        return bottom - ys.fraction(value) * (bottom - top);
    }

    /**
     * Draws the horizontal grid lines, the y axis line with ticks and tick labels, and the turned y label, for a
     * plot area {@code [left, right] x [top, bottom]}.
     */
    void yAxis(NiceScale ys, String yLabel, int margin, int left, int top, int bottom, int right) {
        for (double v : ys.ticks()) {
            int y = (int) Math.round(yPixel(ys, v, top, bottom));
            if (y != bottom) {
                pixelLine(left + 1, y, right, y, GRID);
            }
        }
        pixelLine(left, top, left, bottom, AXIS);
        for (double v : ys.ticks()) {
            int y = (int) Math.round(yPixel(ys, v, top, bottom));
            pixelLine(left - 5, y, left - 1, y, AXIS);
            text(ys.label(v), TICK, TEXT, left - 9, y + 0.5, 1, 0.5);
        }
        verticalText(yLabel, LABEL, TEXT, margin + textHeight(LABEL) / 2, (top + bottom) / 2.0);
    }
}
