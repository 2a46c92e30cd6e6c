package io.jomed.reader.classifier;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A copy of a model's parameter values by name, in Java memory (no native arrays), for best-on-validation
 * model selection: take one with {@link ClassifierReaderModel#snapshotParameters()} and put it back with
 * {@link ClassifierReaderModel#restoreParameters(ParameterSnapshot)}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ParameterSnapshot {
    private final Map<String, float[]> values;

    ParameterSnapshot(Map<String, float[]> values) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(k, v.clone()));
        this.values = Collections.unmodifiableMap(copy);
    }

    /** Parameter names in model order. */
    public java.util.Set<String> names() {
        return values.keySet();
    }

    /** A copy of one parameter's values (row-major). */
    public float[] values(String name) {
        float[] v = values.get(Objects.requireNonNull(name, "name"));
        if (v == null) {
            throw new IllegalArgumentException("no parameter \"" + name + "\" in this snapshot; it has " + values.keySet());
        }
        return v.clone();
    }

    float[] valuesNoCopy(String name) {
        return values.get(name);
    }

    @Override
    public String toString() {
        return "ParameterSnapshot[" + values.size() + " parameters]";
    }
}
