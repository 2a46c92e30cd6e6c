package io.jomed.reader.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.jomed.retriever.encoding.NoGradient;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * AdamW (Loshchilov and Hutter) in NDArray math, as PyTorch's {@code torch.optim.AdamW} computes it. For
 * every parameter {@code p} with gradient {@code g}, at step {@code t} (from 1) with learning rate
 * {@code lr}:
 * <pre>
 * p &larr; p &middot; (1 - lr &middot; &lambda;)            (only parameters the decay predicate accepts)
 * m &larr; &beta;1 m + (1 - &beta;1) g
 * v &larr; &beta;2 v + (1 - &beta;2) g&sup2;
 * p &larr; p - lr &middot; (m / (1 - &beta;1^t)) / (sqrt(v / (1 - &beta;2^t)) + &epsilon;)
 * </pre>
 * By default weight decay applies to {@link Parameter.Type#WEIGHT} parameters only: biases, norm gains and
 * shifts and learned tokens are not decayed. The learning rate is given per step, so any schedule can
 * drive it. The moments live in the optimizer's own native manager, all parameters' in one flat array each;
 * {@link #state()} and {@link #restore(AdamWState)} copy them exactly, by parameter name.
 *
 * <p>Not thread-safe. Owns native memory: close it when done.
 */
public final class AdamW implements AutoCloseable {
    private final List<Parameter> parameters;
    private final List<String> names;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final Predicate<Parameter> decayed;
    private final NDManager manager;
    /** Index of each parameter name (names are unique). */
    private final Map<String, Integer> index = new LinkedHashMap<>();
    /** Where each parameter's values start in the flat moments, in parameter order; one more entry: the total. */
    private final long[] offsets;
    /** The first and second moments of all parameters, concatenated in parameter order (1-D). */
    private final NDArray first;
    private final NDArray second;
    private long step;

    private AdamW(Builder b) {
        this.parameters = List.copyOf(b.parameters);
        this.names = b.names != null ? List.copyOf(b.names) : parameters.stream().map(Parameter::getName).toList();
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.epsilon = b.epsilon;
        this.weightDecay = b.weightDecay;
        this.decayed = b.decayed;
        this.offsets = new long[parameters.size() + 1];
        for (int i = 0; i < parameters.size(); i++) {
            String name = names.get(i);
            if (index.putIfAbsent(name, i) != null) {
                throw new IllegalArgumentException("two parameters are named \"" + name + "\"; name them with setNamedParameters");
            }
            offsets[i + 1] = offsets[i] + parameters.get(i).getArray().size();
        }
        NDManager parent = parameters.get(0).getArray().getManager();
        this.manager = parent.newSubManager();
        this.first = manager.zeros(new Shape(offsets[parameters.size()]));
        this.second = manager.zeros(new Shape(offsets[parameters.size()]));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Steps taken so far. */
    public long stepCount() {
        return step;
    }

    public float weightDecay() {
        return weightDecay;
    }

    /** Whether weight decay applies to this parameter. */
    public boolean decays(Parameter parameter) {
        return weightDecay != 0f && decayed.test(parameter);
    }

    /**
     * One update of every parameter from its current gradient; parameters without a gradient are left
     * alone (their moments too). Runs with gradient recording off, in a sub-manager it closes.
     *
     * <p>When every parameter has a gradient (the usual case) the update runs once over all parameters
     * concatenated, a fixed number of native operations instead of about fifteen per parameter; the values are
     * the same, since every operation is element-wise.
     *
     * @param learningRate this step's learning rate, finite and non-negative
     */
    public void step(float learningRate) {
        if (!(learningRate >= 0f) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be finite and non-negative, got " + learningRate);
        }
        step++;
        float bc1 = (float) (1 - Math.pow(beta1, step));
        float bc2 = (float) (1 - Math.pow(beta2, step));
        try (NDManager scope = manager.newSubManager(); NoGradient ignored = NoGradient.enter()) {
            NDList gradients = new NDList(parameters.size());
            List<Integer> active = new ArrayList<>(parameters.size());
            for (int i = 0; i < parameters.size(); i++) {
                NDArray weight = parameters.get(i).getArray();
                if (weight.hasGradient()) {
                    NDArray g = weight.getGradient();
                    g.attach(scope);
                    gradients.add(g.reshape(-1));
                    active.add(i);
                }
            }
            if (active.isEmpty()) {
                return;
            }
            if (active.size() == parameters.size()) {
                NDArray g = gradients.size() == 1 ? gradients.get(0) : NDArrays.concat(gradients);
                NDArray update = update(first, second, g, bc1, bc2, learningRate, scope);
                NDList parts = update.split(Arrays.copyOfRange(offsets, 1, parameters.size()));
                for (int i = 0; i < parameters.size(); i++) {
                    apply(parameters.get(i), parts.get(i), learningRate);
                }
            } else {
                for (int a = 0; a < active.size(); a++) {
                    int i = active.get(a);
                    NDIndex range = new NDIndex("{}:{}", offsets[i], offsets[i + 1]);
                    NDArray m = copy(first, range, scope);
                    NDArray v = copy(second, range, scope);
                    NDArray update = update(m, v, gradients.get(a), bc1, bc2, learningRate, scope);
                    first.set(range, m);
                    second.set(range, v);
                    apply(parameters.get(i), update, learningRate);
                }
            }
        }
    }

    /** A copy of a slice, in {@code scope} (written back with {@code set}, never updated through a view). */
    private static NDArray copy(NDArray flat, NDIndex range, NDManager scope) {
        NDArray slice = flat.get(range);
        slice.attach(scope);
        return slice.duplicate();
    }

    /** Updates the moments {@code m} and {@code v} in place and returns {@code lr m^ / (sqrt(v^) + eps)}. */
    private NDArray update(NDArray m, NDArray v, NDArray g, float bc1, float bc2, float learningRate, NDManager scope) {
        m.muli(beta1).addi(g.mul(1f - beta1));
        v.muli(beta2).addi(g.square().mul(1f - beta2));
        NDArray mHat = m.div(bc1);
        mHat.attach(scope);
        NDArray vHat = v.div(bc2);
        vHat.attach(scope);
        return mHat.div(vHat.sqrt().add(epsilon)).mul(learningRate);
    }

    /** Decoupled weight decay (if the parameter is decayed), then the update. */
    private void apply(Parameter p, NDArray flatUpdate, float learningRate) {
        NDArray weight = p.getArray();
        if (decays(p)) {
            weight.muli(1f - learningRate * weightDecay);
        }
        weight.subi(flatUpdate.reshape(weight.getShape()));
    }

    /** A copy of the optimizer state. */
    public AdamWState state() {
        return new AdamWState(step, split(first.toFloatArray()), split(second.toFloatArray()));
    }

    private Map<String, float[]> split(float[] flat) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : index.entrySet()) {
            int i = e.getValue();
            out.put(e.getKey(), Arrays.copyOfRange(flat, (int) offsets[i], (int) offsets[i + 1]));
        }
        return out;
    }

    /**
     * Puts a saved state back, exactly.
     *
     * @throws IllegalArgumentException if the state names other parameters or sizes
     */
    public void restore(AdamWState state) {
        Objects.requireNonNull(state, "state");
        if (!state.parameterNames().equals(index.keySet())) {
            throw new IllegalArgumentException("optimizer state names " + state.parameterNames() + ", this optimizer has "
                    + index.keySet());
        }
        for (Map.Entry<String, Integer> e : index.entrySet()) {
            int i = e.getValue();
            long size = offsets[i + 1] - offsets[i];
            if (state.firstMomentNoCopy(e.getKey()).length != size) {
                throw new IllegalArgumentException("optimizer state of " + e.getKey() + " has "
                        + state.firstMomentNoCopy(e.getKey()).length + " values, the parameter has " + size);
            }
        }
        float[] m = new float[(int) offsets[parameters.size()]];
        float[] v = new float[m.length];
        for (Map.Entry<String, Integer> e : index.entrySet()) {
            int offset = (int) offsets[e.getValue()];
            float[] mi = state.firstMomentNoCopy(e.getKey());
            System.arraycopy(mi, 0, m, offset, mi.length);
            float[] vi = state.secondMomentNoCopy(e.getKey());
            System.arraycopy(vi, 0, v, offset, vi.length);
        }
        first.set(FloatBuffer.wrap(m));
        second.set(FloatBuffer.wrap(v));
        step = state.step();
    }

    @Override
    public void close() {
        manager.close();
    }

    /**
     * Builder for {@link AdamW}; not thread-safe. The parameters are required; defaults are
     * {@code beta1 = 0.9}, {@code beta2 = 0.999}, {@code epsilon = 1e-8}, {@code weightDecay = 0.01}.
     */
    public static final class Builder {
        private List<Parameter> parameters;
        private List<String> names;
        private float beta1 = 0.9f;
        private float beta2 = 0.999f;
        private float epsilon = 1e-8f;
        private float weightDecay = 0.01f;
        private Predicate<Parameter> decayed = p -> p.getType() == Parameter.Type.WEIGHT;

        private Builder() {
        }

        /** Required: the trained parameters, already initialised. */
        public Builder setParameters(List<Parameter> parameters) {
            Objects.requireNonNull(parameters, "parameters");
            if (parameters.isEmpty()) {
                throw new IllegalArgumentException("AdamW needs at least one parameter");
            }
            for (Parameter p : parameters) {
                Objects.requireNonNull(p, "parameter");
                if (!p.isInitialized()) {
                    throw new IllegalArgumentException("parameter " + p.getName() + " has no array yet");
                }
            }
            this.parameters = List.copyOf(parameters);
            this.names = null;
            return this;
        }

        /**
         * Required unless {@link #setParameters} is called: the trained parameters under names unique among them (for
         * blocks whose parameters share names, such as {@code weight}; DJL's parameter paths are unique).
         */
        public Builder setNamedParameters(java.util.Map<String, Parameter> named) {
            Objects.requireNonNull(named, "named");
            setParameters(List.copyOf(named.values()));
            this.names = List.copyOf(named.keySet());
            return this;
        }

        public Builder optBetas(float beta1, float beta2) {
            if (!(beta1 >= 0f && beta1 < 1f) || !(beta2 >= 0f && beta2 < 1f)) {
                throw new IllegalArgumentException("betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
            }
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        public Builder optEpsilon(float epsilon) {
            if (!(epsilon > 0f) || Float.isInfinite(epsilon)) {
                throw new IllegalArgumentException("epsilon must be positive and finite, got " + epsilon);
            }
            this.epsilon = epsilon;
            return this;
        }

        /** Decoupled weight decay lambda; default 0.01. */
        public Builder optWeightDecay(float weightDecay) {
            if (!(weightDecay >= 0f) || Float.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("weight decay must be finite and non-negative, got " + weightDecay);
            }
            this.weightDecay = weightDecay;
            return this;
        }

        /** Which parameters are decayed; default those of type {@link Parameter.Type#WEIGHT}. */
        public Builder optDecayed(Predicate<Parameter> decayed) {
            this.decayed = Objects.requireNonNull(decayed, "decayed");
            return this;
        }

        public AdamW build() {
            if (parameters == null) {
                throw new IllegalStateException("the parameters are required: call setParameters");
            }
            return new AdamW(this);
        }
    }
}
