package io.jomed.api.reading;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The answers a task allows, in class order, and the positive class that F1 and ROC AUC use for a
 * binary task. Class {@code i} of the label space is logit {@code i} of every reader output.
 * Example: BreastMNIST has {@code malignant} (label 0, positive, "signs of cancer: yes") and
 * {@code normal or benign} (label 1).
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class LabelSpace {
    private final String name;
    private final List<String> labels;
    private final int positiveIndex;

    private LabelSpace(String name, List<String> labels, int positiveIndex) {
        this.name = name;
        this.labels = labels;
        this.positiveIndex = positiveIndex;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The task name, for example {@code breastmnist}. */
    public String name() {
        return name;
    }

    /** The labels in class order; unmodifiable. */
    public List<String> labels() {
        return labels;
    }

    public int size() {
        return labels.size();
    }

    public String label(int index) {
        Objects.checkIndex(index, labels.size());
        return labels.get(index);
    }

    /**
     * The class index of a label, matched exactly.
     *
     * @throws IllegalArgumentException naming the label and the allowed ones if it is unknown
     */
    public int indexOf(String label) {
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("unknown label \"" + label + "\" for task " + name + "; allowed: " + labels);
        }
        return i;
    }

    /** The positive class of a binary task. */
    public Optional<Integer> positiveIndex() {
        return positiveIndex < 0 ? Optional.empty() : Optional.of(positiveIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelSpace l && l.name.equals(name) && l.labels.equals(labels) && l.positiveIndex == positiveIndex;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, labels, positiveIndex);
    }

    @Override
    public String toString() {
        return "LabelSpace[" + name + ": " + labels + (positiveIndex < 0 ? "" : ", positive=" + labels.get(positiveIndex)) + "]";
    }

    /** Builder for {@link LabelSpace}; not thread-safe. Name and at least two labels are required. */
    public static final class Builder {
        private String name;
        private final List<String> labels = new ArrayList<>();
        private String positive;

        private Builder() {
        }

        public Builder setName(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("label space name is blank");
            }
            this.name = name;
            return this;
        }

        /** Appends a label; its class index is the number of labels added before it. */
        public Builder addLabel(String label) {
            Objects.requireNonNull(label, "label");
            if (label.isBlank()) {
                throw new IllegalArgumentException("label " + labels.size() + " is blank");
            }
            if (labels.contains(label)) {
                throw new IllegalArgumentException("label \"" + label + "\" is given twice");
            }
            labels.add(label);
            return this;
        }

        /** The positive class (binary tasks); must be one of the labels. */
        public Builder optPositiveLabel(String label) {
            this.positive = Objects.requireNonNull(label, "label");
            return this;
        }

        public LabelSpace build() {
            if (name == null) {
                throw new IllegalStateException("label space name is required: call setName");
            }
            if (labels.size() < 2) {
                throw new IllegalStateException("label space " + name + " needs at least 2 labels, got " + labels);
            }
            int pos = -1;
            if (positive != null) {
                pos = labels.indexOf(positive);
                if (pos < 0) {
                    throw new IllegalStateException("positive label \"" + positive + "\" is not one of " + labels);
                }
            }
            return new LabelSpace(name, Collections.unmodifiableList(new ArrayList<>(labels)), pos);
        }
    }
}
