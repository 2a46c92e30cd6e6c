package io.jomed.reader.training;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.jomed.retriever.encoding.NoGradient;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link AdamW} updates all parameters in one flat pass; this checks it against the per-parameter update it
 * replaced, bit for bit, including steps where some parameters have no gradient.
 */
class AdamWFlatTest {

    /** The former implementation: about fifteen native operations per parameter. */
    private static final class PerParameterAdamW implements AutoCloseable {
        final List<Parameter> parameters;
        final NDManager manager;
        final List<NDArray> first = new ArrayList<>();
        final List<NDArray> second = new ArrayList<>();
        final float weightDecay;
        long step;

        PerParameterAdamW(List<Parameter> parameters, float weightDecay) {
            this.parameters = parameters;
            this.weightDecay = weightDecay;
            this.manager = parameters.get(0).getArray().getManager().newSubManager();
            for (Parameter p : parameters) {
                first.add(manager.zeros(p.getArray().getShape()));
                second.add(manager.zeros(p.getArray().getShape()));
            }
        }

        void step(float learningRate) {
            step++;
            float bc1 = (float) (1 - Math.pow(0.9f, step));
            float bc2 = (float) (1 - Math.pow(0.999f, step));
            try (NDManager scope = manager.newSubManager(); NoGradient ignored = NoGradient.enter()) {
                for (int i = 0; i < parameters.size(); i++) {
                    Parameter p = parameters.get(i);
                    NDArray weight = p.getArray();
                    if (!weight.hasGradient()) {
                        continue;
                    }
                    NDArray g = weight.getGradient();
                    g.attach(scope);
                    NDArray m = first.get(i);
                    NDArray v = second.get(i);
                    m.muli(0.9f).addi(g.mul(1f - 0.9f));
                    v.muli(0.999f).addi(g.square().mul(1f - 0.999f));
                    NDArray mHat = m.div(bc1);
                    mHat.attach(scope);
                    NDArray vHat = v.div(bc2);
                    vHat.attach(scope);
                    NDArray update = mHat.div(vHat.sqrt().add(1e-8f)).mul(learningRate);
                    if (weightDecay != 0f && p.getType() == Parameter.Type.WEIGHT) {
                        weight.muli(1f - learningRate * weightDecay);
                    }
                    weight.subi(update);
                }
            }
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    private static List<Parameter> parameters(NDManager manager, long seed) {
        Random random = new Random(seed);
        Object[][] specs = {{"w", Parameter.Type.WEIGHT, new Shape(4, 3, 3, 3)}, {"b", Parameter.Type.BIAS, new Shape(4)},
            {"gamma", Parameter.Type.GAMMA, new Shape(7)}, {"token", Parameter.Type.OTHER, new Shape(1, 2, 5)},
            {"head", Parameter.Type.WEIGHT, new Shape(2, 5)}};
        List<Parameter> out = new ArrayList<>();
        for (Object[] spec : specs) {
            Shape shape = (Shape) spec[2];
            float[] v = new float[(int) shape.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) random.nextGaussian();
            }
            NDArray array = manager.create(v, shape);
            array.setRequiresGradient(true);
            out.add(Parameter.builder().setName((String) spec[0]).setType((Parameter.Type) spec[1]).optArray(array).build());
        }
        return out;
    }

    /** Gradients {@code c_i} (seeded) through {@code loss = sum c_i p_i}. */
    private static void backward(NDManager manager, List<Parameter> parameters, long seed) {
        Random random = new Random(seed);
        try (NDManager scope = manager.newSubManager();
                GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray loss = null;
            for (Parameter p : parameters) {
                if (!p.getArray().hasGradient()) {
                    continue;
                }
                float[] c = new float[(int) p.getArray().size()];
                for (int i = 0; i < c.length; i++) {
                    c[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(5) - 2));
                }
                NDArray term = scope.create(c, p.getArray().getShape()).mul(p.getArray()).sum();
                loss = loss == null ? term : loss.add(term);
            }
            collector.backward(loss);
        }
    }

    private static void zeroGrad(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            if (p.getArray().hasGradient()) {
                JniUtils.zeroGrad((PtNDArray) p.getArray());
            }
        }
    }

    @Test
    void theFlatUpdateEqualsThePerParameterUpdateBitForBit() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<Parameter> flatParams = parameters(manager, 1);
            List<Parameter> refParams = parameters(manager, 1);
            try (AdamW flat = AdamW.builder().setParameters(flatParams).optWeightDecay(0.01f).build();
                    PerParameterAdamW reference = new PerParameterAdamW(refParams, 0.01f)) {
                float[] rates = {1e-3f, 5e-4f, 1e-2f, 2e-3f, 1e-3f, 7e-4f};
                for (int step = 0; step < rates.length; step++) {
                    // steps 2 and 3: "b" and "token" have no gradient (left alone, moments too)
                    boolean partial = step == 2 || step == 3;
                    for (List<Parameter> ps : List.of(flatParams, refParams)) {
                        ps.get(1).getArray().setRequiresGradient(!partial);
                        ps.get(3).getArray().setRequiresGradient(!partial);
                        backward(manager, ps, 100 + step);
                    }
                    flat.step(rates[step]);
                    reference.step(rates[step]);
                    zeroGrad(flatParams);
                    zeroGrad(refParams);
                    for (int i = 0; i < flatParams.size(); i++) {
                        assertThat(flatParams.get(i).getArray().toFloatArray()).as("parameter %s after step %d",
                                flatParams.get(i).getName(), step + 1).isEqualTo(refParams.get(i).getArray().toFloatArray());
                    }
                }
                AdamWState state = flat.state();
                assertThat(state.step()).isEqualTo(rates.length);
                for (int i = 0; i < refParams.size(); i++) {
                    String name = refParams.get(i).getName();
                    assertThat(state.firstMoment(name)).as("first moment of %s", name).isEqualTo(reference.first.get(i).toFloatArray());
                    assertThat(state.secondMoment(name)).as("second moment of %s", name).isEqualTo(reference.second.get(i).toFloatArray());
                }
            }
        }
    }

    @Test
    void aRestoredStateContinuesExactly() {
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            List<Parameter> a = parameters(manager, 2);
            List<Parameter> b = parameters(manager, 2);
            try (AdamW first = AdamW.builder().setParameters(a).build(); AdamW second = AdamW.builder().setParameters(b).build()) {
                for (int step = 0; step < 3; step++) {
                    backward(manager, a, step);
                    first.step(1e-3f);
                    zeroGrad(a);
                }
                for (int i = 0; i < a.size(); i++) {
                    b.get(i).getArray().set(java.nio.FloatBuffer.wrap(a.get(i).getArray().toFloatArray()));
                }
                second.restore(first.state());
                backward(manager, a, 9);
                backward(manager, b, 9);
                first.step(1e-3f);
                second.step(1e-3f);
                for (int i = 0; i < a.size(); i++) {
                    assertThat(b.get(i).getArray().toFloatArray()).isEqualTo(a.get(i).getArray().toFloatArray());
                }
            }
        }
    }
}
