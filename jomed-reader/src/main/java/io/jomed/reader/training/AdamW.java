package io.jomed.reader.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.jomed.reader.classifier.NoGradient;
import java.nio.FloatBuffer;
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
 * drive it. The moments live in the optimizer's own native manager; {@link #state()} and
 * {@link #restore(AdamWState)} copy them exactly.
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
    private final Map<String, NDArray> first = new LinkedHashMap<>();
    private final Map<String, NDArray> second = new LinkedHashMap<>();
    private long step;

    private AdamW(Builder b) {
        this.parameters = List.copyOf(b.parameters);
        this.names = b.names != null ? List.copyOf(b.names) : parameters.stream().map(Parameter::getName).toList();
        this.beta1 = b.beta1;
        this.beta2 = b.beta2;
        this.epsilon = b.epsilon;
        this.weightDecay = b.weightDecay;
        this.decayed = b.decayed;
        NDManager parent = parameters.get(0).getArray().getManager();
        this.manager = parent.newSubManager();
        for (int i = 0; i < parameters.size(); i++) {
            Parameter p = parameters.get(i);
            String name = names.get(i);
            if (first.containsKey(name)) {
                manager.close();
                throw new IllegalArgumentException("two parameters are named \"" + name + "\"; name them with setNamedParameters");
            }
            first.put(name, manager.zeros(p.getArray().getShape()));
            second.put(name, manager.zeros(p.getArray().getShape()));
        }
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
            for (int i = 0; i < parameters.size(); i++) {
                Parameter p = parameters.get(i);
                NDArray weight = p.getArray();
                if (!weight.hasGradient()) {
                    continue;
                }
                NDArray g = weight.getGradient();
                g.attach(scope);
                NDArray m = first.get(names.get(i));
                NDArray v = second.get(names.get(i));
                m.muli(beta1).addi(g.mul(1f - beta1));
                v.muli(beta2).addi(g.square().mul(1f - beta2));
                NDArray mHat = m.div(bc1);
                mHat.attach(scope);
                NDArray vHat = v.div(bc2);
                vHat.attach(scope);
                NDArray update = mHat.div(vHat.sqrt().add(epsilon)).mul(learningRate);
                if (decays(p)) {
                    weight.muli(1f - learningRate * weightDecay);
                }
                weight.subi(update);
            }
        }
    }

    /** A copy of the optimizer state. */
    public AdamWState state() {
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        first.forEach((k, a) -> m.put(k, a.toFloatArray()));
        second.forEach((k, a) -> v.put(k, a.toFloatArray()));
        return new AdamWState(step, m, v);
    }

    /**
     * Puts a saved state back, exactly.
     *
     * @throws IllegalArgumentException if the state names other parameters or sizes
     */
    public void restore(AdamWState state) {
        Objects.requireNonNull(state, "state");
        if (!state.parameterNames().equals(first.keySet())) {
            throw new IllegalArgumentException("optimizer state names " + state.parameterNames() + ", this optimizer has "
                    + first.keySet());
        }
        for (String name : first.keySet()) {
            if (state.firstMomentNoCopy(name).length != first.get(name).size()) {
                throw new IllegalArgumentException("optimizer state of " + name + " has " + state.firstMomentNoCopy(name).length
                        + " values, the parameter has " + first.get(name).size());
            }
        }
        for (String name : first.keySet()) {
            first.get(name).set(FloatBuffer.wrap(state.firstMomentNoCopy(name)));
            second.get(name).set(FloatBuffer.wrap(state.secondMomentNoCopy(name)));
        }
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
