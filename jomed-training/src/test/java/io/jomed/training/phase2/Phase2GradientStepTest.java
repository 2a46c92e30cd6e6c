package io.jomed.training.phase2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.jomed.reader.training.AdamW;
import io.jomed.retriever.encoding.ImageTower;
import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.encoding.NoGradient;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.testing.RandomArrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Phase2GradientStepTest {
    private static final int DIM = 32;
    private static final int B = 2;
    private static final int K = 5;

    private static ImageTower tower() {
        ImageTowerConfig config = ImageTowerConfig.builder().setInputSpec(ImageInputSpec.centered(16, 16, 1)).optChannelWidths(16, 32)
                .optEmbeddingDimension(DIM).build();
        ImageTower tower = ImageTower.create(config, 3);
        tower.parameters().stream().filter(Parameter::requiresGradient).forEach(p -> p.getArray().setRequiresGradient(true));
        return tower;
    }

    private static AdamW optimizer(ImageTower tower) {
        Map<String, Parameter> trainable = new LinkedHashMap<>();
        tower.namedParameters().forEach((name, p) -> {
            if (p.requiresGradient()) {
                trainable.put(name, p);
            }
        });
        return AdamW.builder().setNamedParameters(trainable).build();
    }

    @Test
    void oneStepReportsTheLossOfTheDetachedScoresUpdatesThetaAndClearsItsGradients() {
        Phase2Settings settings = Phase2Settings.builder().build();
        KlRetrieverLoss loss = KlRetrieverLoss.of(settings);
        try (ImageTower theta = tower(); AdamW optimizer = optimizer(theta)) {
            float[] images = RandomArrays.gaussian(B * 16 * 16, 1);
            float[] f0 = RandomArrays.gaussian(B * DIM, 2);
            float[] keys = RandomArrays.gaussian(B * K * DIM, 3);
            double[][] g = {{-0.1, -2, -0.5, -3, -1}, {-1, -1, -0.2, -4, -0.3}};
            double[] weights = {1, 1};
            // the expected loss from the same scores, computed without gradients
            double[][] s = new double[B][K];
            try (NDManager scope = theta.manager().newSubManager(); NoGradient ignored = NoGradient.enter()) {
                float[] learned = theta.forward(scope.create(images, new Shape(B, 1, 16, 16)), false).toFloatArray();
                for (int b = 0; b < B; b++) {
                    for (int k = 0; k < K; k++) {
                        double dot = 0;
                        for (int j = 0; j < DIM; j++) {
                            float e = learned[b * DIM + j] * 0.15f + f0[b * DIM + j] * 0.85f;
                            dot += keys[(b * K + k) * DIM + j] * e;
                        }
                        s[b][k] = dot;
                    }
                }
            }
            double expected = loss.lossValue(s, loss.target(g, s), weights);
            float[][] before = theta.parameterValues();

            Phase2GradientStep.Outcome outcome = Phase2GradientStep.of(theta, optimizer, loss, settings, false)
                    .apply(images, f0, keys, g, weights, 1e-3f);

            assertThat(outcome.applied()).isTrue();
            assertThat(outcome.loss()).isCloseTo(expected, within(1e-4));
            assertThat(outcome.gradientNorm()).isPositive().isFinite();
            assertThat(optimizer.stepCount()).isEqualTo(1);
            assertThat(java.util.Arrays.deepEquals(theta.parameterValues(), before)).as("theta changed").isFalse();
            for (Parameter p : theta.parameters()) {
                if (p.getArray().hasGradient()) {
                    assertThat(p.getArray().getGradient().abs().sum().getFloat()).as(p.getName()).isZero();
                }
            }
        }
    }

    @Test
    void applyRecomputingAppliesACleanStepAtOnceAndFailsNamingTheStepWhenGradientsStayNonFinite() {
        Phase2Settings settings = Phase2Settings.builder().build();
        KlRetrieverLoss loss = KlRetrieverLoss.of(settings);
        try (ImageTower theta = tower(); AdamW optimizer = optimizer(theta)) {
            Phase2GradientStep step = Phase2GradientStep.of(theta, optimizer, loss, settings, false);
            float[] images = RandomArrays.gaussian(B * 16 * 16, 1);
            float[] f0 = RandomArrays.gaussian(B * DIM, 2);
            float[] keys = RandomArrays.gaussian(B * K * DIM, 3);
            double[][] g = {{-0.1, -2, -0.5, -3, -1}, {-1, -1, -0.2, -4, -0.3}};
            double[] weights = {1, 1};

            Phase2GradientStep.AppliedStep applied = step.applyRecomputing(images, f0, keys, g, weights, 1e-3f, "step 1");
            assertThat(applied.recomputations()).isZero();
            assertThat(applied.loss()).isFinite();
            assertThat(applied.gradientNorm()).isPositive().isFinite();
            assertThat(optimizer.stepCount()).isEqualTo(1);

            // a NaN supervision score leaves the loss finite but makes every gradient NaN, on every attempt
            double[][] poisoned = {{Double.NaN, -2, -0.5, -3, -1}, {-1, -1, -0.2, -4, -0.3}};
            assertThatThrownBy(() -> step.applyRecomputing(images, f0, keys, poisoned, weights, 1e-3f, "step 2 of the IMAGE stage"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("gradient norm NaN")
                    .hasMessageContaining("at step 2 of the IMAGE stage after " + Phase2GradientStep.MAX_ATTEMPTS + " attempts");
            assertThat(optimizer.stepCount()).as("a step with non-finite gradients is never applied").isEqualTo(1);
        }
    }

    @Test
    void validatesItsArguments() {
        KlRetrieverLoss loss = KlRetrieverLoss.of(Phase2Settings.clean());
        try (ImageTower theta = tower(); AdamW optimizer = optimizer(theta)) {
            assertThatThrownBy(() -> new Phase2GradientStep(null, optimizer, loss, 0.15, 1f, 1f, false))
                    .isInstanceOf(NullPointerException.class).hasMessage("theta");
            assertThatThrownBy(() -> new Phase2GradientStep(theta, null, loss, 0.15, 1f, 1f, false))
                    .isInstanceOf(NullPointerException.class).hasMessage("optimizer");
            assertThatThrownBy(() -> new Phase2GradientStep(theta, optimizer, null, 0.15, 1f, 1f, false))
                    .isInstanceOf(NullPointerException.class).hasMessage("loss");
            assertThatThrownBy(() -> new Phase2GradientStep(theta, optimizer, loss, 0, 1f, 1f, false))
                    .hasMessage("alpha (weight of the learned term) must be in (0, 1], got 0.0");
            assertThatThrownBy(() -> new Phase2GradientStep(theta, optimizer, loss, 1.5, 1f, 1f, false))
                    .hasMessage("alpha (weight of the learned term) must be in (0, 1], got 1.5");
            assertThatThrownBy(() -> new Phase2GradientStep(theta, optimizer, loss, 0.15, 0f, 1f, false))
                    .hasMessage("loss scale must be positive and finite, got 0.0");
            assertThatThrownBy(() -> new Phase2GradientStep(theta, optimizer, loss, 0.15, 1f, -1f, false))
                    .hasMessage("gradient clip norm must be finite and non-negative (0: no clipping), got -1.0");

            Phase2GradientStep step = new Phase2GradientStep(theta, optimizer, loss, 0.15, 1f, 1f, false);
            float[] images = new float[B * 16 * 16];
            float[] f0 = new float[B * DIM];
            float[] keys = new float[B * K * DIM];
            double[][] g = new double[B][K];
            double[] w = {1, 1};
            assertThatThrownBy(() -> step.apply(new float[7], f0, keys, g, w, 1e-3f))
                    .hasMessage("images has 7 values, expected 512 (2 images of 1x16x16)");
            assertThatThrownBy(() -> step.apply(images, new float[DIM], keys, g, w, 1e-3f))
                    .hasMessage("f0Rows has 32 values, expected 64 (2 rows of 32)");
            assertThatThrownBy(() -> step.apply(images, f0, new float[DIM], g, w, 1e-3f))
                    .hasMessage("keys has 32 values, expected 320 (2 x 5 keys of 32)");
            assertThatThrownBy(() -> step.apply(images, f0, keys, new double[][] {new double[K], new double[K - 1]}, w, 1e-3f))
                    .hasMessage("supervision scores: row 0 has 5 candidates, row 1 has 4");
            assertThatThrownBy(() -> step.apply(images, f0, keys, new double[0][], w, 1e-3f))
                    .hasMessage("a phase-2 step needs at least one query, got 0 rows of supervision scores");
            assertThatThrownBy(() -> step.apply(images, f0, keys, g, new double[] {1}, 1e-3f))
                    .hasMessage("weights has 1 entries, expected one per query: 2");
            assertThatThrownBy(() -> step.apply(images, f0, keys, g, w, Float.NaN))
                    .hasMessage("learning rate must be finite and non-negative, got NaN");
            assertThat(optimizer.stepCount()).isZero();
        }
    }
}
