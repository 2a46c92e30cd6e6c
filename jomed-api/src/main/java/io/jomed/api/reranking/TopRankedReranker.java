package io.jomed.api.reranking;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Picks the best-ranked item of one head (method.md §5.3; default the image head): the item of that head with
 * the lowest rank, the earlier one on a tie. When no item comes from that head it falls back to the first item.
 * Named {@code top-ranked-image} or {@code top-ranked-text}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class TopRankedReranker implements Reranker {
    /** Prefix of the name; the head follows in lower case. */
    public static final String NAME_PREFIX = "top-ranked-";

    private final RetrieverHead head;

    /** Picks the top item of the image head. */
    public TopRankedReranker() {
        this(RetrieverHead.IMAGE);
    }

    /** Picks the top item of {@code head}. */
    public TopRankedReranker(RetrieverHead head) {
        this.head = Objects.requireNonNull(head, "head");
    }

    /** The head whose top item is picked. */
    public RetrieverHead head() {
        return head;
    }

    @Override
    public String name() {
        return NAME_PREFIX + head.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public int select(Query query, Diagnosis diagnosis) {
        List<CasePrediction> evidence = Reranker.requireEvidence(query, diagnosis);
        int best = -1;
        for (int i = 0; i < evidence.size(); i++) {
            var c = evidence.get(i).evidence();
            if (c.head() == head && (best < 0 || c.rank() < evidence.get(best).evidence().rank())) {
                best = i;
            }
        }
        return best < 0 ? 0 : best;
    }

    @Override
    public String toString() {
        return "TopRankedReranker[" + head + "]";
    }
}
