package io.jomed.reader.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdamWTest {

    /** Backpropagates {@code loss = cw . w + cb * b} so the gradients are exactly the coefficients. */
    private static void backward(NDManager manager, Parameter w, Parameter b, float[] cw, float cb) {
        try (NDManager scope = manager.newSubManager();
                GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray loss = scope.create(cw).mul(w.getArray()).sum().add(scope.create(cb).mul(b.getArray()).sum());
            collector.backward(loss);
        }
    }

    private static double[] adamw(double[] p, double[] g, double[] m, double[] v, int t, double lr, double wd, boolean decay) {
        double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        double[] out = p.clone();
        for (int i = 0; i < p.length; i++) {
            if (decay) {
                out[i] *= 1 - lr * wd;
            }
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.pow(b1, t));
            double vHat = v[i] / (1 - Math.pow(b2, t));
            out[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
        }
        return out;
    }

    @Test
    void twoStepsMatchAHandComputationAndTheBiasIsNotDecayed() throws Exception {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            NDArray wArray = manager.create(new float[] {1f, -2f});
            NDArray bArray = manager.create(new float[] {0.5f});
            wArray.setRequiresGradient(true);
            bArray.setRequiresGradient(true);
            Parameter w = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).optArray(wArray).build();
            Parameter b = Parameter.builder().setName("b").setType(Parameter.Type.BIAS).optArray(bArray).build();
            try (AdamW adam = AdamW.builder().setParameters(List.of(w, b)).optWeightDecay(0.5f).build()) {
                double[] pw = {1, -2};
                double[] pb = {0.5};
                double[] mw = new double[2], vw = new double[2], mb = new double[1], vb = new double[1];

                backward(manager, w, b, new float[] {3f, -1f}, 2f);
                adam.step(0.1f);
                pw = adamw(pw, new double[] {3, -1}, mw, vw, 1, 0.1, 0.5, true);
                pb = adamw(pb, new double[] {2}, mb, vb, 1, 0.1, 0.5, false);
                assertArray(w.getArray().toFloatArray(), pw);
                assertArray(b.getArray().toFloatArray(), pb);

                // PyTorch accumulates gradients: clear them as the training step does.
                ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) w.getArray());
                ai.djl.pytorch.jni.JniUtils.zeroGrad((ai.djl.pytorch.engine.PtNDArray) b.getArray());
                backward(manager, w, b, new float[] {-0.5f, 4f}, 0.25f);
                adam.step(0.05f);
                pw = adamw(pw, new double[] {-0.5, 4}, mw, vw, 2, 0.05, 0.5, true);
                pb = adamw(pb, new double[] {0.25}, mb, vb, 2, 0.05, 0.5, false);
                assertArray(w.getArray().toFloatArray(), pw);
                assertArray(b.getArray().toFloatArray(), pb);

                AdamWState state = adam.state();
                assertThat(state.step()).isEqualTo(2);
                assertArray(state.firstMoment("w"), mw);
                assertArray(state.secondMoment("b"), vb);

                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                state.writeTo(new DataOutputStream(bytes));
                AdamWState read = AdamWState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
                assertThat(read.firstMoment("w")).isEqualTo(state.firstMoment("w"));
                assertThat(read.secondMoment("w")).isEqualTo(state.secondMoment("w"));
                adam.restore(AdamWState.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))));
                assertThat(adam.stepCount()).isEqualTo(2);
                assertThat(adam.state().secondMoment("w")).isEqualTo(state.secondMoment("w"));
            }
        }
    }

    private static void assertArray(float[] actual, double[] expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i], within(1e-6));
        }
    }

    @Test
    void rejectsBadSettings() {
        assertThatThrownBy(() -> AdamW.builder().optBetas(1f, 0.9f)).hasMessageContaining("betas");
        assertThatThrownBy(() -> AdamW.builder().build()).hasMessageContaining("setParameters");
        assertThatThrownBy(() -> AdamW.builder().optWeightDecay(-1f)).hasMessageContaining("weight decay");
    }
}
