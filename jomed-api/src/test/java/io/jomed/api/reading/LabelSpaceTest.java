package io.jomed.api.reading;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LabelSpaceTest {

    private static final LabelSpace BREAST = LabelSpace.builder().setName("breastmnist")
            .addLabel("malignant").addLabel("normal or benign").optPositiveLabel("malignant").build();

    @Test
    void classIndexIsInsertionOrderAndThePositiveClassIsKnown() {
        assertThat(BREAST.indexOf("normal or benign")).isEqualTo(1);
        assertThat(BREAST.positiveIndex()).hasValue(0);
        assertThatThrownBy(() -> BREAST.indexOf("benign"))
                .hasMessageContaining("unknown label \"benign\"").hasMessageContaining("breastmnist");
    }

    @Test
    void rejectsDuplicatesTooFewLabelsAndAForeignPositiveClass() {
        assertThatThrownBy(() -> LabelSpace.builder().setName("x").addLabel("a").addLabel("a")).hasMessageContaining("twice");
        assertThatThrownBy(() -> LabelSpace.builder().setName("x").addLabel("a").build()).hasMessageContaining("at least 2");
        assertThatThrownBy(() -> LabelSpace.builder().setName("x").addLabel("a").addLabel("b").optPositiveLabel("c").build())
                .hasMessageContaining("\"c\"");
    }

    @Test
    void logitsGiveAStableSoftmaxAndArgmax() {
        LabelLogits l = LabelLogits.of(new float[] {1000f, 1001f, 999f});
        double[] p = l.probabilities();
        assertThat(p[0] + p[1] + p[2]).isCloseTo(1.0, within(1e-12));
        assertThat(p[1]).isCloseTo(Math.exp(1) / (1 + Math.E + Math.exp(-1)) , within(1e-9));
        assertThat(l.predicted()).isEqualTo(1);
        assertThat(l.logProbability(1)).isCloseTo(Math.log(p[1]), within(1e-9));
        assertThatThrownBy(() -> LabelLogits.of(new float[] {1f, Float.NaN})).hasMessageContaining("NaN");
    }
}
