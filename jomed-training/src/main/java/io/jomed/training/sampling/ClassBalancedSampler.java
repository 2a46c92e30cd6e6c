package io.jomed.training.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/**
 * An endless stream of training batches, pass after pass (method.md §2.10). In
 * {@link SamplingMode#UNDERSAMPLE_ROUND_ROBIN} mode every pass groups the examples by gold class, shuffles
 * each class, truncates all classes to the smallest size {@code m} and emits one example per class in turn
 * (classes in ascending order): RetinaMNIST's training counts 486/128/206/194/66 give {@code 5 * 66 = 330}
 * examples per pass. In {@link SamplingMode#SHUFFLE} mode a pass is a plain shuffle of all examples. Each
 * pass is cut into batches of {@code B} consecutive examples; an incomplete last batch is dropped unless
 * {@link Builder#optDropLast(boolean) dropLast} is off.
 *
 * <p>A pass's order depends only on the seed and the pass number, so {@link #position()} and
 * {@link #seek(SamplerPosition)} restore the exact stream without replaying it.
 *
 * <p>Not thread-safe.
 */
public final class ClassBalancedSampler {
    private final SamplingMode mode;
    private final int batchSize;
    private final long seed;
    private final boolean dropLast;
    private final int[][] byClass;
    private final int exampleCount;
    private final int passLength;
    private long pass;
    private int index;
    private int[] order;

    private ClassBalancedSampler(Builder b) {
        this.mode = b.mode;
        this.batchSize = b.batchSize;
        this.seed = b.seed;
        this.dropLast = b.dropLast;
        this.exampleCount = b.classes.length;
        TreeMap<Integer, List<Integer>> groups = new TreeMap<>();
        for (int i = 0; i < b.classes.length; i++) {
            groups.computeIfAbsent(b.classes[i], c -> new ArrayList<>()).add(i);
        }
        this.byClass = groups.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray())
                .toArray(int[][]::new);
        int m = Arrays.stream(byClass).mapToInt(a -> a.length).min().orElse(0);
        this.passLength = mode == SamplingMode.SHUFFLE ? exampleCount : m * byClass.length;
        if (passLength < batchSize && dropLast) {
            throw new IllegalArgumentException("a pass holds " + passLength + " examples (" + describe()
                    + "), fewer than one batch of " + batchSize + " and the incomplete batch is dropped");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private String describe() {
        StringBuilder s = new StringBuilder(mode.toString()).append(" over ").append(exampleCount).append(" examples");
        if (mode == SamplingMode.UNDERSAMPLE_ROUND_ROBIN) {
            s.append(" in ").append(byClass.length).append(" classes of sizes ")
                    .append(Arrays.toString(Arrays.stream(byClass).mapToInt(a -> a.length).toArray()));
        }
        return s.toString();
    }

    public SamplingMode mode() {
        return mode;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Examples per pass: {@code C * m} when undersampling, every example when shuffling. */
    public int passLength() {
        return passLength;
    }

    /** Batches per pass, the incomplete last one counted only when it is kept. */
    public int batchesPerPass() {
        return dropLast ? passLength / batchSize : (passLength + batchSize - 1) / batchSize;
    }

    /** Number of distinct gold classes among the examples. */
    public int classCount() {
        return byClass.length;
    }

    /** The full example order of one pass (indices into the examples given to the builder). */
    public int[] passOrder(long passNumber) {
        if (passNumber < 0) {
            throw new IllegalArgumentException("pass must be non-negative, got " + passNumber);
        }
        Random random = new Random(passSeed(seed, passNumber));
        if (mode == SamplingMode.SHUFFLE) {
            List<Integer> all = new ArrayList<>(exampleCount);
            for (int i = 0; i < exampleCount; i++) {
                all.add(i);
            }
            Collections.shuffle(all, random);
            return all.stream().mapToInt(Integer::intValue).toArray();
        }
        int m = passLength / byClass.length;
        int[] out = new int[passLength];
        for (int c = 0; c < byClass.length; c++) {
            List<Integer> members = new ArrayList<>(byClass[c].length);
            for (int i : byClass[c]) {
                members.add(i);
            }
            Collections.shuffle(members, random);
            for (int j = 0; j < m; j++) {
                out[j * byClass.length + c] = members.get(j);
            }
        }
        return out;
    }

    /** The next batch of example indices; moves to the next pass when this one is used up. */
    public int[] nextBatch() {
        if (index >= passLength || dropLast && passLength - index < batchSize) {
            pass++;
            index = 0;
            order = null;
        }
        if (order == null) {
            order = passOrder(pass);
        }
        int end = Math.min(passLength, index + batchSize);
        int[] batch = Arrays.copyOfRange(order, index, end);
        index = end;
        return batch;
    }

    /** The position of the next example, to save with a checkpoint. */
    public SamplerPosition position() {
        return new SamplerPosition(pass, index);
    }

    /**
     * Moves to a saved position; the following batches are those that followed it when it was saved.
     *
     * @throws IllegalArgumentException if the index lies beyond the pass length
     */
    public void seek(SamplerPosition position) {
        Objects.requireNonNull(position, "position");
        if (position.index() > passLength) {
            throw new IllegalArgumentException("sampler index " + position.index() + " lies beyond the pass length "
                    + passLength + " (" + describe() + ")");
        }
        this.pass = position.pass();
        this.index = position.index();
        this.order = null;
    }

    private static long passSeed(long seed, long pass) {
        long z = seed * 0x9E3779B97F4A7C15L + (pass + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return "ClassBalancedSampler[" + describe() + ", batch " + batchSize + ", position " + position() + "]";
    }

    /**
     * Builder for {@link ClassBalancedSampler}; not thread-safe. The gold classes and the batch size are
     * required; defaults: {@link SamplingMode#UNDERSAMPLE_ROUND_ROBIN}, seed 0, incomplete batches dropped.
     */
    public static final class Builder {
        private int[] classes;
        private int batchSize;
        private SamplingMode mode = SamplingMode.UNDERSAMPLE_ROUND_ROBIN;
        private long seed;
        private boolean dropLast = true;

        private Builder() {
        }

        /** Required: the gold class index of every example, in example order; copied. */
        public Builder setClasses(int[] classes) {
            Objects.requireNonNull(classes, "classes");
            for (int i = 0; i < classes.length; i++) {
                if (classes[i] < 0) {
                    throw new IllegalArgumentException("example " + i + " has negative class " + classes[i]);
                }
            }
            this.classes = classes.clone();
            return this;
        }

        /** Required: examples per batch, at least 1. */
        public Builder setBatchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        public Builder optMode(SamplingMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** The seed of every pass's shuffles; default 0. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether a pass's incomplete last batch is dropped; default true. */
        public Builder optDropLast(boolean dropLast) {
            this.dropLast = dropLast;
            return this;
        }

        /**
         * @throws IllegalStateException if the classes or the batch size are missing, or there are no examples
         * @throws IllegalArgumentException if a pass holds less than one batch and incomplete batches are dropped
         */
        public ClassBalancedSampler build() {
            if (classes == null) {
                throw new IllegalStateException("the examples' gold classes are required: call setClasses");
            }
            if (batchSize == 0) {
                throw new IllegalStateException("a batch size is required: call setBatchSize");
            }
            if (classes.length == 0) {
                throw new IllegalStateException("cannot sample from zero examples");
            }
            return new ClassBalancedSampler(this);
        }
    }
}
