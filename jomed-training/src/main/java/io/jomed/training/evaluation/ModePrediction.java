package io.jomed.training.evaluation;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What one mode answered for one query: the predicted class, the probability of every class (for ROC AUC
 * and calibration) and, for retrieval modes, every retrieved item with its own prediction.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param predicted the predicted class index, or {@code -1} for invalid
 * @param probabilities one probability per class, in label-space order
 * @param items the retrieved items in retrieval order; empty for closed-book reading
 */
public record ModePrediction(int predicted, double[] probabilities, List<ItemPrediction> items) {

    public ModePrediction {
        Objects.requireNonNull(probabilities, "probabilities");
        items = List.copyOf(Objects.requireNonNull(items, "items"));
        if (predicted < -1 || predicted >= probabilities.length) {
            throw new IllegalArgumentException("predicted class " + predicted + " is outside [-1, " + probabilities.length + ")");
        }
        for (int c = 0; c < probabilities.length; c++) {
            if (!(probabilities[c] >= 0 && probabilities[c] <= 1)) {
                throw new IllegalArgumentException("probability of class " + c + " is " + probabilities[c] + ", outside [0, 1]");
            }
        }
        probabilities = probabilities.clone();
    }

    /** A copy of the class probabilities. */
    @Override
    public double[] probabilities() {
        return probabilities.clone();
    }

    /** The probability of the predicted class, 0 for an invalid prediction. */
    public double confidence() {
        return predicted < 0 ? 0 : probabilities[predicted];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModePrediction p && p.predicted == predicted && Arrays.equals(p.probabilities, probabilities)
                && p.items.equals(items);
    }

    @Override
    public int hashCode() {
        return Objects.hash(predicted, Arrays.hashCode(probabilities), items);
    }

    @Override
    public String toString() {
        return "ModePrediction[predicted=" + predicted + ", probabilities=" + Arrays.toString(probabilities) + ", items="
                + items.size() + "]";
    }
}
