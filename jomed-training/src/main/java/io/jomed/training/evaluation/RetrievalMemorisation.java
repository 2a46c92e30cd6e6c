package io.jomed.training.evaluation;

import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.TaskExample;
import java.util.List;
import java.util.Objects;

/**
 * Whether the image key encoder memorised its training cases: the image head's k-NN vote accuracy for
 * <em>training</em> queries (each query's own case excluded, by image) against that for <em>validation</em>
 * queries, over the same knowledge base of training cases. A tower aligned on the training cases can find far
 * better neighbours for them than for unseen images; a reader trained on such neighbours learns to trust
 * retrieval more than it deserves at test time, and training queries should then retrieve with out-of-fold
 * embeddings. Without such a gap, out-of-fold embeddings (from towers that saw only part of the data) give
 * training queries worse neighbours than test queries get, which teaches the reader to distrust retrieval.
 *
 * <p>Immutable and thread-safe.
 *
 * @param k the number of image-head neighbours voting
 * @param trainingAccuracy k-NN vote accuracy of the training queries, own case excluded
 * @param validationAccuracy k-NN vote accuracy of the validation queries
 */
public record RetrievalMemorisation(int k, double trainingAccuracy, double validationAccuracy) {
    /** Neighbours voting in {@link #measure}: the k the retrieval evaluation reports its memorisation figures at. */
    public static final int DEFAULT_K = 5;

    /**
     * Default margin of {@link #memorised(double)}: training queries must do this much better than validation
     * queries. Measured gaps (RESULTS.md, seed means at k = 5): BreastMNIST +0.046, RetinaMNIST -0.031.
     */
    public static final double DEFAULT_MARGIN = 0.02;

    public RetrievalMemorisation {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
    }

    /**
     * Measures both accuracies with the image head of {@code retriever}, whose knowledge base holds the training
     * cases with a {@code label} metadata value (the retriever excludes each query's own image by default).
     *
     * @throws IllegalArgumentException if either list is empty or a retrieved case has no label
     */
    public static RetrievalMemorisation measure(Retriever retriever, List<TaskExample> training, List<TaskExample> validation,
            int k) {
        Objects.requireNonNull(retriever, "retriever");
        if (training.isEmpty() || validation.isEmpty()) {
            throw new IllegalArgumentException("memorisation needs training and validation queries, got " + training.size()
                    + " and " + validation.size());
        }
        return new RetrievalMemorisation(k, accuracy(retriever, training, k), accuracy(retriever, validation, k));
    }

    /** Training minus validation accuracy. */
    public double gap() {
        return trainingAccuracy - validationAccuracy;
    }

    /** Whether training queries find better neighbours than validation queries by more than {@code margin}. */
    public boolean memorised(double margin) {
        return gap() > margin;
    }

    private static double accuracy(Retriever retriever, List<TaskExample> examples, int k) {
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(k).build();
        List<List<RetrievedCase>> imageHead = retriever.retrieve(examples.stream().map(TaskExample::query).toList(), options)
                .stream().map(r -> r.stream().filter(c -> c.head() == RetrieverHead.IMAGE).toList()).toList();
        return new KnnVote("label").accuracyByK(imageHead, examples.stream().map(TaskExample::goldLabel).toList(), k).get(k);
    }
}
