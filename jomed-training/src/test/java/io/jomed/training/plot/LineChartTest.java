package io.jomed.training.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {
    private static final double[] X = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

    private static LineChart.Builder chart() {
        return LineChart.builder().setTitle("loss per step").setXLabel("step").setYLabel("loss").optSize(400, 300);
    }

    private static double[] line(double start, double slope) {
        double[] y = new double[X.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = start + slope * X[i];
        }
        return y;
    }

    /** Mean row of the pixels of {@code rgb} in the columns {@code [x0, x1)}. */
    private static double meanRow(BufferedImage img, int rgb, int x0, int x1) {
        long sum = 0;
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = x0; x < x1; x++) {
                if (Images.rgb(img, x, y) == rgb) {
                    sum += y;
                    n++;
                }
            }
        }
        assertThat(n).as("pixels of %06x in columns [%d, %d)", rgb, x0, x1).isPositive();
        return (double) sum / n;
    }

    @Test
    void eachSeriesIsDrawnInItsPaletteColourAndRunsTheRightWay() {
        BufferedImage img = chart().addSeries("rising", X, line(0, 0.1)).addSeries("falling", X, line(1, -0.1)).build()
                .render();
        assertThat(img.getWidth()).isEqualTo(400);
        assertThat(img.getHeight()).isEqualTo(300);
        int rising = Palette.rgb(0);
        int falling = Palette.rgb(1);
        // the legend swatch is 24 x 4 pixels; the lines add hundreds more
        assertThat(Images.count(img, rising)).isGreaterThan(300);
        assertThat(Images.count(img, falling)).isGreaterThan(300);
        // the legend sits in the middle columns; compare the outer quarters (rows grow downwards)
        assertThat(meanRow(img, rising, 300, 400)).isLessThan(meanRow(img, rising, 0, 100) - 100);
        assertThat(meanRow(img, falling, 300, 400)).isGreaterThan(meanRow(img, falling, 0, 100) + 100);
        assertThat(Images.nonWhite(img, 0, 0, 400, 300)).isGreaterThan(3000);
        assertThat(GraphicsEnvironment.isHeadless()).isTrue();
    }

    @Test
    void theDefaultSizeIs800By500() {
        LineChart c = LineChart.builder().setTitle("t").setXLabel("x").setYLabel("y").addSeries("s", X, X).build();
        BufferedImage img = c.render();
        assertThat(img.getWidth()).isEqualTo(800);
        assertThat(img.getHeight()).isEqualTo(500);
        assertThat(c.seriesNames()).containsExactly("s");
    }

    @Test
    void aNonFiniteValueBreaksTheLine() {
        double[] y = line(0.5, 0);
        y[4] = Double.NaN;
        y[5] = Double.POSITIVE_INFINITY;
        y[6] = Double.NaN;
        BufferedImage img = chart().optYRange(0, 1).addSeries("flat", X, y).build().render();
        int rgb = Palette.rgb(0);
        // the row of the flat line: the one holding the most pixels of its colour
        int row = 0;
        int most = 0;
        for (int r = 0; r < img.getHeight(); r++) {
            int n = Images.count(img, rgb, 0, r, img.getWidth(), r + 1);
            if (n > most) {
                most = n;
                row = r;
            }
        }
        List<Integer> columns = new ArrayList<>();
        for (int x = 0; x < img.getWidth(); x++) {
            if (Images.rgb(img, x, row) == rgb) {
                columns.add(x);
            }
        }
        int widestGap = 0;
        for (int i = 1; i < columns.size(); i++) {
            widestGap = Math.max(widestGap, columns.get(i) - columns.get(i - 1));
        }
        // x 3 to 7 of 0 to 10 across about 330 pixels is missing: well over 80 pixels
        assertThat(widestGap).isGreaterThan(80);
        assertThat(columns.size()).isGreaterThan(150);
    }

    @Test
    void anIsolatedPointIsADot() {
        double[] y = new double[X.length];
        java.util.Arrays.fill(y, Double.NaN);
        y[5] = 0.5;
        BufferedImage img = chart().addSeries("lonely", X, y).build().render();
        // beyond the 24 x 4 legend swatch
        assertThat(Images.count(img, Palette.rgb(0))).isGreaterThan(96 + 10);
    }

    @Test
    void theBuilderNamesTheSeriesAndTheIndex() {
        assertThatThrownBy(() -> chart().addSeries("loss", new double[] {0, 1, 2}, new double[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("series \"loss\": x has 3 values but y has 2; the first unmatched index is 2");
        assertThatThrownBy(() -> chart().addSeries("loss", new double[] {0, 1, 1}, new double[] {1, 2, 3}))
                .hasMessage("series \"loss\": x[2] = 1.0 is not greater than x[1] = 1.0; x must be strictly increasing");
        assertThatThrownBy(() -> chart().addSeries("loss", new double[] {0, Double.NaN}, new double[] {1, 2}))
                .hasMessage("series \"loss\": x[1] is NaN; x values must be finite");
        assertThatThrownBy(() -> chart().addSeries("loss", new double[0], new double[0]))
                .hasMessage("series \"loss\" is empty");
        assertThatThrownBy(() -> chart().addSeries("loss", X, X).addSeries("loss", X, X))
                .hasMessage("series \"loss\" is already added");
        LineChart.Builder full = chart();
        for (int i = 0; i < Palette.SIZE; i++) {
            full.addSeries("s" + i, X, X);
        }
        assertThatThrownBy(() -> full.addSeries("s8", X, X)).hasMessageContaining("series \"s8\"")
                .hasMessageContaining("at most 8 series");
        assertThatThrownBy(() -> chart().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no series");
        assertThatThrownBy(() -> LineChart.builder().setTitle("t").setYLabel("y").addSeries("s", X, X).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("setXLabel");
        assertThatThrownBy(() -> chart().optSize(100, 300)).hasMessageContaining("100x300");
        assertThatThrownBy(() -> chart().optYRange(1, 0)).hasMessageContaining("[1.0, 0.0]");
    }

    @Test
    void theChartKeepsItsOwnCopyOfTheData() {
        double[] y = line(0, 0.1);
        LineChart c = chart().addSeries("s", X, y).build();
        BufferedImage before = c.render();
        y[3] = 100;
        BufferedImage after = c.render();
        assertThat(after.getRGB(0, 0, 400, 300, null, 0, 400)).isEqualTo(before.getRGB(0, 0, 400, 300, null, 0, 400));
    }

    @Test
    void withoutFontsTheChartIsDrawnWithoutText() {
        LineChart c = chart().addSeries("s", X, line(0, 0.1)).build();
        BufferedImage text = c.render();
        BufferedImage none = c.render(Images.NO_FONTS);
        // the title band holds dark text only when fonts work
        assertThat(Images.darkGrey(text, 128, 0, 0, 400, 28)).isPositive();
        assertThat(Images.nonWhite(none, 0, 0, 400, 28)).isZero();
        assertThat(Images.count(none, Palette.rgb(0))).isGreaterThan(300);
    }

    @Test
    void writeReplacesAFileAtomicallyAndIsDeterministic(@TempDir Path dir) throws Exception {
        LineChart c = chart().addSeries("a", X, line(0, 0.1)).addSeries("b", X, line(1, -0.1)).build();
        Path file = dir.resolve("plots/loss.png");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "not a png");
        c.write(file);
        BufferedImage read = ImageIO.read(file.toFile());
        assertThat(read).isNotNull();
        assertThat(read.getWidth()).isEqualTo(400);
        assertThat(Images.count(read, Palette.rgb(1))).isGreaterThan(300);
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
        byte[] first = Files.readAllBytes(file);
        Path second = dir.resolve("fresh/dir/loss.png");
        c.write(second);
        assertThat(Files.readAllBytes(second)).isEqualTo(first);
    }
}
