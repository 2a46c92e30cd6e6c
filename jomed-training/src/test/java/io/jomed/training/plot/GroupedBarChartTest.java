package io.jomed.training.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupedBarChartTest {
    private static final int TOP = 2;
    private static final int BOTTOM = 3;

    private static GroupedBarChart chart() {
        return GroupedBarChart.builder().setTitle("accuracy by subset").setYLabel("accuracy").optXLabel("mode")
                .optSize(600, 400).setGroups("all", "consistent")
                .addCategory("a", 0.3, 0.6).addCategory("b", 0.9, Double.NaN).addCategory("c", 0.45, 0.15).build();
    }

    private static int height(int[] bar) {
        return bar[BOTTOM] - bar[TOP];
    }

    @Test
    void barHeightsFollowTheValuesOnOneBaseline() {
        BufferedImage img = chart().render();
        assertThat(img.getWidth()).isEqualTo(600);
        assertThat(img.getHeight()).isEqualTo(400);
        List<int[]> all = Images.bars(img, Palette.rgb(0), 15);
        List<int[]> consistent = Images.bars(img, Palette.rgb(1), 15);
        assertThat(all).hasSize(3);
        assertThat(consistent).hasSize(2);
        // left to right: a, b, c; values .3, .9, .45
        assertThat(height(all.get(0))).isLessThan(height(all.get(2)));
        assertThat(height(all.get(2))).isLessThan(height(all.get(1)));
        assertThat((double) height(all.get(1)) / height(all.get(0))).isCloseTo(3.0, within(0.1));
        // a and c; values .6, .15
        assertThat((double) height(consistent.get(0)) / height(consistent.get(1))).isCloseTo(4.0, within(0.2));
        assertThat(all).allSatisfy(bar -> assertThat(bar[BOTTOM]).isEqualTo(all.get(0)[BOTTOM]));
        assertThat(consistent.get(0)[BOTTOM]).isEqualTo(all.get(0)[BOTTOM]);
        // each consistent bar stands right of its category's all bar
        assertThat(consistent.get(0)[0]).isGreaterThan(all.get(0)[1]).isLessThan(all.get(1)[0]);
        assertThat(consistent.get(1)[0]).isGreaterThan(all.get(2)[1]);
    }

    @Test
    void aMissingValueLeavesAnNaMarkAndEveryBarItsValueLabel() {
        GroupedBarChart c = chart();
        BufferedImage img = c.render();
        BufferedImage none = c.render(Images.NO_FONTS);
        int[] b = Images.bars(img, Palette.rgb(0), 15).get(1);
        int w = b[1] - b[0];
        // the empty slot right of category b's first bar: "n/a" in grey just above the baseline, no bar
        int x0 = b[1] + 1;
        int x1 = b[1] + w;
        assertThat(Images.count(img, Palette.rgb(1), x0, 0, x1, 400)).isZero();
        assertThat(Images.darkGrey(img, 200, x0, b[BOTTOM] - 16, x1, b[BOTTOM])).isPositive();
        assertThat(Images.darkGrey(none, 200, x0, b[BOTTOM] - 16, x1, b[BOTTOM])).isZero();
        // "0.90" above the bar
        assertThat(Images.darkGrey(img, 128, b[0], b[TOP] - 16, b[1], b[TOP])).isPositive();
        assertThat(Images.darkGrey(none, 128, b[0], b[TOP] - 16, b[1], b[TOP])).isZero();
        assertThat(c.value("b", "consistent")).isNaN();
        assertThat(c.value("c", "all")).isEqualTo(0.45);
    }

    @Test
    void valuesBeyondTheUnitRangeGetAnAxisThatHoldsThemAndZero() {
        BufferedImage img = GroupedBarChart.builder().setTitle("t").setYLabel("gain").optSize(400, 300)
                .setGroups("up", "down").addCategory("x", 2.5, -0.8).build().render();
        int[] up = Images.bars(img, Palette.rgb(0), 15).getFirst();
        int[] down = Images.bars(img, Palette.rgb(1), 15).getFirst();
        assertThat(down[TOP]).isBetween(up[BOTTOM] - 1, up[BOTTOM] + 1);
        assertThat((double) height(up) / height(down)).isCloseTo(2.5 / 0.8, within(0.2));
    }

    @Test
    void theBuilderNamesTheCategoryAndTheGroup() {
        GroupedBarChart.Builder b = GroupedBarChart.builder().setTitle("t").setYLabel("y")
                .setGroups("all", "consistent", "inconsistent");
        assertThatThrownBy(() -> b.addCategory("knn", 0.5, 0.6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("category \"knn\": 2 values for 3 groups [all, consistent, inconsistent]");
        assertThatThrownBy(() -> b.addCategory("knn", 0.5, Double.POSITIVE_INFINITY, 0.1))
                .hasMessage("category \"knn\", group \"consistent\" (index 1): Infinity is not finite; NaN marks a "
                        + "missing bar");
        b.addCategory("knn", 0.5, 0.6, 0.7);
        assertThatThrownBy(() -> b.addCategory("knn", 0.5, 0.6, 0.7)).hasMessage("category \"knn\" is already added");
        assertThatThrownBy(() -> b.setGroups("x")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> GroupedBarChart.builder().setGroups("all", "knn", "all"))
                .hasMessage("group \"all\" is listed twice, at indexes 0 and 2");
        assertThatThrownBy(() -> GroupedBarChart.builder().addCategory("knn", 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("setGroups");
        assertThatThrownBy(() -> GroupedBarChart.builder().setTitle("t").setYLabel("y").setGroups("all").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no categories");
        assertThatThrownBy(() -> chart().value("knn", "all")).hasMessageContaining("\"knn\"");
    }

    @Test
    void writeLeavesOnlyThePng(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("accuracy.png");
        chart().write(file);
        chart().write(file);
        BufferedImage read = ImageIO.read(file.toFile());
        assertThat(read.getWidth()).isEqualTo(600);
        assertThat(Images.bars(read, Palette.rgb(0), 15)).hasSize(3);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }
}
