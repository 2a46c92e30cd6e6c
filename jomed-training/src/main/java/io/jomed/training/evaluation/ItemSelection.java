package io.jomed.training.evaluation;

import io.jomed.api.retrieval.RetrieverHead;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which logged items form the set {@code S(q)} of an analysis (method.md §5.1): by default every item
 * used at inference; optionally one head only, and only the best {@code maxRank} items per head.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param head the only head to keep, or empty for all heads
 * @param maxRank the largest rank kept within each head, at least 1
 */
public record ItemSelection(Optional<RetrieverHead> head, int maxRank) {
    /** Every logged item. */
    public static final ItemSelection ALL = new ItemSelection(Optional.empty(), Integer.MAX_VALUE);

    public ItemSelection {
        Objects.requireNonNull(head, "head");
        if (maxRank < 1) {
            throw new IllegalArgumentException("maxRank must be at least 1, got " + maxRank);
        }
    }

    /** The items of one head. */
    public static ItemSelection head(RetrieverHead head) {
        return new ItemSelection(Optional.of(head), Integer.MAX_VALUE);
    }

    /** The best {@code k} items of every head. */
    public static ItemSelection topK(int k) {
        return new ItemSelection(Optional.empty(), k);
    }

    /** The selected items, in logged order. */
    public List<ItemPrediction> apply(List<ItemPrediction> items) {
        return items.stream().filter(i -> head.map(h -> h == i.head()).orElse(true) && i.rank() <= maxRank).toList();
    }

    /** Whether the selected items predict more than one distinct value (invalid counts as a value). */
    public boolean inconsistent(List<ItemPrediction> items) {
        return apply(items).stream().mapToInt(ItemPrediction::predicted).distinct().count() > 1;
    }

    /** Whether some selected item predicts the gold class. */
    public boolean oracle(List<ItemPrediction> items, int gold) {
        return apply(items).stream().anyMatch(i -> i.predicted() == gold);
    }
}
