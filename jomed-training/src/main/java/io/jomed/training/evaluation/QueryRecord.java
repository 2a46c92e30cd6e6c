package io.jomed.training.evaluation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One query of a prediction log: the example id, its gold class and every mode's prediction.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param exampleId the {@link io.jomed.api.training.TaskExample} id
 * @param gold the gold class index
 * @param modes mode name to that mode's prediction, in mode order
 */
public record QueryRecord(String exampleId, int gold, Map<String, ModePrediction> modes) {

    public QueryRecord {
        Objects.requireNonNull(exampleId, "exampleId");
        if (gold < 0) {
            throw new IllegalArgumentException("gold class of example " + exampleId + " must be >= 0, got " + gold);
        }
        modes = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(modes, "modes")));
    }

    /**
     * The prediction of one mode.
     *
     * @throws IllegalArgumentException naming the mode and the logged ones if it is absent
     */
    public ModePrediction mode(String mode) {
        ModePrediction p = modes.get(mode);
        if (p == null) {
            throw new IllegalArgumentException("example " + exampleId + " has no prediction of mode \"" + mode
                    + "\"; logged modes: " + modes.keySet());
        }
        return p;
    }
}
