package io.jomed.training.evaluation;

import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.retrieval.RetrieverHead;
import io.jomed.api.training.TaskExample;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Whether the image key encoder memorised its training cases: the image head's k-NN vote accuracy for
 * <em>training</em> queries (each query's own case excluded, by image) against that for <em>validation</em>
 * queries, over the same knowledge base of training cases. A tower aligned on the training cases can find far
 * better neighbours for them than for unseen images; a reader trained on such neighbours learns to trust
 * retrieval more than it deserves at test time, and training queries should then retrieve with out-of-fold
 * embeddings. Without such a gap, out-of-fold embeddings (from towers that saw only part of the data) give
 * training queries worse neighbours than test queries get, which teaches the reader to distrust retrieval.
 *
 * <p>The reader also reads the text head's cases (query image to report index, through the same tower), so the text
 * head's k-NN vote accuracy is measured beside it when the retriever has one; {@link #memorised} rests on the image
 * head. One {@code k}'s gap on a small validation split is noisy; the demo decides with the gap averaged over every
 * candidate {@code k} ({@link KnnKSelection#memorised()}) and reports this one beside it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param k the number of neighbours voting, on each head
 * @param trainingAccuracy image-head k-NN vote accuracy of the training queries, own case excluded
 * @param validationAccuracy image-head k-NN vote accuracy of the validation queries
 * @param textHeadTrainingAccuracy text-head k-NN vote accuracy of the training queries, own case excluded; empty when
 *     the retriever has no text head
 * @param textHeadValidationAccuracy text-head k-NN vote accuracy of the validation queries; empty likewise
 */
public record RetrievalMemorisation(int k, double trainingAccuracy, double validationAccuracy,
        OptionalDouble textHeadTrainingAccuracy, OptionalDouble textHeadValidationAccuracy) {
    /** Neighbours voting in {@link #measure}: the k the retrieval evaluation reports its memorisation figures at. */
    public static final int DEFAULT_K = 5;

    /**
     * Default margin of {@link #memorised(double)}: training queries must do this much better than validation
     * queries. Measured gaps (RESULTS.md, seed means at k = 5): BreastMNIST +0.046, RetinaMNIST -0.031.
     */
    public static final double DEFAULT_MARGIN = 0.02;

    private static final String LABEL_KEY = "label";

    public RetrievalMemorisation {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        Objects.requireNonNull(textHeadTrainingAccuracy, "textHeadTrainingAccuracy");
        Objects.requireNonNull(textHeadValidationAccuracy, "textHeadValidationAccuracy");
        if (textHeadTrainingAccuracy.isPresent() != textHeadValidationAccuracy.isPresent()) {
            throw new IllegalArgumentException("the text head's training and validation accuracies come together, got "
                    + textHeadTrainingAccuracy + " and " + textHeadValidationAccuracy);
        }
    }

    /** The image head's figures alone, for a retriever without a text head. */
    public RetrievalMemorisation(int k, double trainingAccuracy, double validationAccuracy) {
        this(k, trainingAccuracy, validationAccuracy, OptionalDouble.empty(), OptionalDouble.empty());
    }

    /**
     * Measures the accuracies with {@code retriever}, whose knowledge base holds the training cases with a
     * {@code label} metadata value (the retriever excludes each query's own image by default).
     *
     * @throws IllegalArgumentException if either list is empty or a retrieved case has no label
     */
    public static RetrievalMemorisation measure(Retriever retriever, List<TaskExample> training, List<TaskExample> validation,
            int k) {
        Objects.requireNonNull(retriever, "retriever");
        requireQueries(training, validation);
        RetrievalOptions options = RetrievalOptions.builder().optKPerHead(k).build();
        return of(retriever.retrieve(queries(training), options), training, retriever.retrieve(queries(validation), options),
                validation, k);
    }

    /**
     * The accuracies from results already retrieved, one list per query in the order of the examples and at least
     * {@code k} deep per head (deeper lists are cut to their first {@code k} per head), so that one retrieval can
     * serve several measurements.
     *
     * @throws IllegalArgumentException if either list of examples is empty, a list of results does not match its
     *     examples, or a retrieved case has no label
     */
    public static RetrievalMemorisation of(List<List<RetrievedCase>> trainingResults, List<TaskExample> training,
            List<List<RetrievedCase>> validationResults, List<TaskExample> validation, int k) {
        requireQueries(training, validation);
        if (trainingResults.size() != training.size() || validationResults.size() != validation.size()) {
            throw new IllegalArgumentException("need one result list per query, got " + trainingResults.size() + " for "
                    + training.size() + " training and " + validationResults.size() + " for " + validation.size()
                    + " validation queries");
        }
        OptionalDouble textTraining = OptionalDouble.empty();
        OptionalDouble textValidation = OptionalDouble.empty();
        if (hasHead(trainingResults, RetrieverHead.TEXT) || hasHead(validationResults, RetrieverHead.TEXT)) {
            textTraining = OptionalDouble.of(accuracy(trainingResults, training, RetrieverHead.TEXT, k));
            textValidation = OptionalDouble.of(accuracy(validationResults, validation, RetrieverHead.TEXT, k));
        }
        return new RetrievalMemorisation(k, accuracy(trainingResults, training, RetrieverHead.IMAGE, k),
                accuracy(validationResults, validation, RetrieverHead.IMAGE, k), textTraining, textValidation);
    }

    /** Training minus validation accuracy of the image head. */
    public double gap() {
        return trainingAccuracy - validationAccuracy;
    }

    /** Training minus validation accuracy of the text head; empty when it was not measured. */
    public OptionalDouble textHeadGap() {
        return textHeadTrainingAccuracy.isEmpty() ? OptionalDouble.empty()
                : OptionalDouble.of(textHeadTrainingAccuracy.getAsDouble() - textHeadValidationAccuracy.getAsDouble());
    }

    /** Whether training queries find better image-head neighbours than validation queries by more than {@code margin}. */
    public boolean memorised(double margin) {
        return gap() > margin;
    }

    private static void requireQueries(List<TaskExample> training, List<TaskExample> validation) {
        if (training.isEmpty() || validation.isEmpty()) {
            throw new IllegalArgumentException("memorisation needs training and validation queries, got " + training.size()
                    + " and " + validation.size());
        }
    }

    private static List<Query> queries(List<TaskExample> examples) {
        return examples.stream().map(TaskExample::query).toList();
    }

    private static boolean hasHead(List<List<RetrievedCase>> results, RetrieverHead head) {
        return results.stream().flatMap(List::stream).anyMatch(c -> c.head() == head);
    }

    private static double accuracy(List<List<RetrievedCase>> results, List<TaskExample> examples, RetrieverHead head, int k) {
        return new KnnVote(LABEL_KEY).accuracyByK(KnnVote.oneHead(results, head), examples.stream().map(TaskExample::goldLabel).toList(), k).get(k);
    }
}
