package io.jomed.training.analysis;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reranking.Reranker;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.training.TaskExample;
import io.jomed.training.evaluation.ItemPrediction;
import io.jomed.training.evaluation.ItemSelection;
import io.jomed.training.evaluation.ModePrediction;
import io.jomed.training.evaluation.PredictionLog;
import io.jomed.training.evaluation.QueryRecord;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reranker comparison of method.md §5.3 for one retrieval mode of a {@link PredictionLog}. Each query's
 * {@link Diagnosis} is rebuilt from the log (the mode's fused answer and probabilities, and per selected item
 * {@code S(q)} its head, rank, raw score, fusion weight, logits and predicted label, with the case taken from a
 * case lookup); each {@link Reranker} picks one item and its logged prediction is the reranked answer. No reader
 * is called. Per reranker: accuracy overall and on the consistent and inconsistent subsets of a fixed partition,
 * beside the mode's fused and oracle accuracy and the share of the fused-to-oracle gap it closes.
 *
 * <pre>{@code
 * boolean[] partition = InconsistencyAnalysis.partition(log, ModeEvaluator.STANDARD_RAG, ItemSelection.ALL);
 * RerankerComparison c = RerankerComparison.builder().setLog(log).setMode(ModeEvaluator.JOMED)
 *         .setPartition(partition).setCaseLookup(knowledgeBase::find).setExamples(testExamples)
 *         .addReranker(new MajorityVoteReranker()).addReranker(new ReaderConfidenceReranker()).build();
 * }</pre>
 *
 * <p>A query whose selection is empty counts as wrong for every reranker, as for the oracle. Instances are
 * immutable and thread-safe.
 *
 * @param mode the compared retrieval mode
 * @param selection the items forming {@code S(q)}, the items a reranker sees
 * @param fused the mode's own (fused) accuracy overall and per subset
 * @param oracle the mode's oracle accuracy overall and per subset
 * @param rerankers per reranker name, in the order added, its result
 */
public record RerankerComparison(String mode, ItemSelection selection, SubsetAccuracy fused, SubsetAccuracy oracle,
        Map<String, RerankerResult> rerankers) {

    /** The label a rebuilt evidence item carries when its logged prediction is invalid ({@code -1}). */
    public static final String INVALID_LABEL = "<invalid>";

    private static final Logger LOG = LoggerFactory.getLogger(RerankerComparison.class);

    public RerankerComparison {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(selection, "selection");
        Objects.requireNonNull(fused, "fused");
        Objects.requireNonNull(oracle, "oracle");
        rerankers = Collections.unmodifiableMap(new LinkedHashMap<>(rerankers));
    }

    /**
     * One reranker's figures. Instances are immutable and thread-safe.
     *
     * @param accuracy the reranked accuracy overall and on the consistent and inconsistent subsets
     * @param fusedAccuracy the mode's fused accuracy over all queries
     * @param oracleAccuracy the mode's oracle accuracy over all queries, an upper bound of {@code accuracy.all()}
     */
    public record RerankerResult(SubsetAccuracy accuracy, double fusedAccuracy, double oracleAccuracy) {
        public RerankerResult {
            Objects.requireNonNull(accuracy, "accuracy");
        }

        /**
         * The share of the fused-to-oracle gap the reranker closes, {@code (acc - fused) / (oracle - fused)}: 1 at
         * the oracle, 0 at the fused accuracy, negative below it; NaN when oracle and fused accuracy are equal.
         */
        public double gapClosed() {
            return oracleAccuracy == fusedAccuracy ? Double.NaN
                    : (accuracy.all() - fusedAccuracy) / (oracleAccuracy - fusedAccuracy);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Rebuilds the diagnosis a mode gave one logged query, over its selected items only.
     *
     * @param cases finds a knowledge-base case by id, for example {@code knowledgeBase::find}
     * @throws IllegalArgumentException naming the example if the mode's prediction is invalid, an item carries no
     *     reader logits (the k-NN baseline) or a case is not found
     */
    public static Diagnosis diagnosis(PredictionLog log, QueryRecord query, String mode, ItemSelection selection,
            Function<String, Optional<KnowledgeBaseCase>> cases) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(selection, "selection");
        Objects.requireNonNull(cases, "cases");
        ModePrediction p = query.mode(mode);
        String where = "example " + query.exampleId() + ", mode " + mode;
        List<String> labels = log.labels();
        if (p.predicted() < 0) {
            throw new IllegalArgumentException(where + ": the fused prediction is invalid, so there is no diagnosis to "
                    + "rebuild");
        }
        double[] probabilities = p.probabilities();
        Map<String, Double> byLabel = new LinkedHashMap<>();
        for (int c = 0; c < probabilities.length; c++) {
            byLabel.put(labels.get(c), probabilities[c]);
        }
        List<CasePrediction> evidence = new ArrayList<>();
        for (ItemPrediction item : selection.apply(p.items())) {
            if (item.logits().length == 0) {
                throw new IllegalArgumentException(where + ", case " + item.caseId() + ": the item carries no reader "
                        + "logits (a retrieval-only mode such as k-NN?), which rerankers need");
            }
            KnowledgeBaseCase kbCase = Objects.requireNonNull(cases.apply(item.caseId()), "case lookup result")
                    .orElseThrow(() -> new IllegalArgumentException(where + ": case " + item.caseId()
                            + " is not in the case lookup (the knowledge base the log was made with?)"));
            if (!kbCase.id().equals(item.caseId())) {
                throw new IllegalArgumentException(where + ": the case lookup returned case " + kbCase.id() + " for id "
                        + item.caseId());
            }
            String label = item.predicted() < 0 ? INVALID_LABEL : labels.get(item.predicted());
            evidence.add(new CasePrediction(new RetrievedCase(kbCase, item.head(), item.rawScore(), item.rank()),
                    item.fusionWeight(), LabelLogits.of(item.logits()), label));
        }
        return new Diagnosis(labels.get(p.predicted()), byLabel, evidence);
    }

    /**
     * Builder for {@link RerankerComparison}; not thread-safe. The log, mode, partition, case and query lookups
     * and at least one reranker are required.
     */
    public static final class Builder {
        private PredictionLog log;
        private String mode;
        private boolean[] partition;
        private ItemSelection selection = ItemSelection.ALL;
        private Function<String, Optional<KnowledgeBaseCase>> cases;
        private Function<String, Optional<Query>> queries;
        private final List<Reranker> rerankers = new ArrayList<>();

        private Builder() {
        }

        public Builder setLog(PredictionLog log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /** The retrieval mode whose items are reranked, for example {@code jomed}. */
        public Builder setMode(String mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * The fixed partition: per logged query, whether it is inconsistent, for example
         * {@link InconsistencyAnalysis#partition} of the designated mode; copied.
         */
        public Builder setPartition(boolean[] inconsistent) {
            this.partition = Objects.requireNonNull(inconsistent, "inconsistent").clone();
            return this;
        }

        /** Finds a knowledge-base case by id, for example {@code knowledgeBase::find}. */
        public Builder setCaseLookup(Function<String, Optional<KnowledgeBaseCase>> cases) {
            this.cases = Objects.requireNonNull(cases, "cases");
            return this;
        }

        /** Finds the query of a logged example id. */
        public Builder setQueryLookup(Function<String, Optional<Query>> queries) {
            this.queries = Objects.requireNonNull(queries, "queries");
            return this;
        }

        /**
         * Takes the queries from the evaluated examples, as {@link #setQueryLookup} does.
         *
         * @throws IllegalArgumentException if an example id occurs twice
         */
        public Builder setExamples(Collection<TaskExample> examples) {
            Map<String, Query> byId = new HashMap<>();
            for (TaskExample e : Objects.requireNonNull(examples, "examples")) {
                if (byId.put(e.id(), e.query()) != null) {
                    throw new IllegalArgumentException("example " + e.id() + " is given twice");
                }
            }
            return setQueryLookup(id -> Optional.ofNullable(byId.get(id)));
        }

        /** The items a reranker sees; default every logged item. */
        public Builder optItemSelection(ItemSelection selection) {
            this.selection = Objects.requireNonNull(selection, "selection");
            return this;
        }

        /** Adds a reranker; names must be distinct. */
        public Builder addReranker(Reranker reranker) {
            Objects.requireNonNull(reranker, "reranker");
            String name = Objects.requireNonNull(reranker.name(), "reranker name");
            if (rerankers.stream().anyMatch(r -> r.name().equals(name))) {
                throw new IllegalArgumentException("two rerankers are named \"" + name + "\"");
            }
            rerankers.add(reranker);
            return this;
        }

        /**
         * Rebuilds every query's diagnosis, applies every reranker and computes the figures.
         *
         * @throws IllegalStateException if a required setting is missing, or a reranker chooses an index outside
         *     the evidence
         * @throws IllegalArgumentException if the mode is not logged or logged no items, the partition does not
         *     cover the log, or a query or case is not found (the message names the example)
         */
        public RerankerComparison build() {
            if (log == null) {
                throw new IllegalStateException("the prediction log is required: call setLog");
            }
            if (mode == null) {
                throw new IllegalStateException("the mode is required: call setMode");
            }
            if (partition == null) {
                throw new IllegalStateException("the partition is required: call setPartition");
            }
            if (cases == null) {
                throw new IllegalStateException("a case lookup is required: call setCaseLookup");
            }
            if (queries == null) {
                throw new IllegalStateException("a query lookup is required: call setQueryLookup or setExamples");
            }
            if (rerankers.isEmpty()) {
                throw new IllegalStateException("at least one reranker is required: call addReranker");
            }
            log.requireMode(mode);
            if (!log.hasItems(mode)) {
                throw new IllegalArgumentException("mode \"" + mode + "\" logged no retrieved items, so there is nothing "
                        + "to rerank");
            }
            if (partition.length != log.size()) {
                throw new IllegalArgumentException("the partition covers " + partition.length + " queries, the log holds "
                        + log.size());
            }
            if (log.labels().contains(INVALID_LABEL)) {
                throw new IllegalArgumentException("the label space uses the reserved label " + INVALID_LABEL);
            }
            List<QueryRecord> records = log.queries();
            boolean[][] correct = new boolean[rerankers.size()][records.size()];
            boolean[] oracle = new boolean[records.size()];
            for (int q = 0; q < records.size(); q++) {
                QueryRecord record = records.get(q);
                List<ItemPrediction> items = selection.apply(record.mode(mode).items());
                oracle[q] = selection.oracle(items, record.gold());
                if (items.isEmpty()) {
                    continue;
                }
                Query query = Objects.requireNonNull(queries.apply(record.exampleId()), "query lookup result")
                        .orElseThrow(() -> new IllegalArgumentException("example " + record.exampleId()
                                + " is not in the query lookup"));
                Diagnosis diagnosis = diagnosis(log, record, mode, selection, cases);
                for (int r = 0; r < rerankers.size(); r++) {
                    Reranker reranker = rerankers.get(r);
                    int chosen = reranker.select(query, diagnosis);
                    if (chosen < 0 || chosen >= items.size()) {
                        throw new IllegalStateException("reranker " + reranker.name() + " chose item " + chosen
                                + " of example " + record.exampleId() + ", which has " + items.size() + " items");
                    }
                    correct[r][q] = items.get(chosen).predicted() == record.gold();
                }
            }
            SubsetAccuracy fused = SubsetAccuracy.of(log.correct(mode), partition);
            SubsetAccuracy oracleAccuracy = SubsetAccuracy.of(oracle, partition);
            Map<String, RerankerResult> results = new LinkedHashMap<>();
            for (int r = 0; r < rerankers.size(); r++) {
                RerankerResult result = new RerankerResult(SubsetAccuracy.of(correct[r], partition), fused.all(),
                        oracleAccuracy.all());
                results.put(rerankers.get(r).name(), result);
                LOG.info("reranker {} on mode {}: accuracy {} (fused {}, oracle {}, gap closed {})", rerankers.get(r).name(),
                        mode, result.accuracy().all(), fused.all(), oracleAccuracy.all(), result.gapClosed());
            }
            return new RerankerComparison(mode, selection, fused, oracleAccuracy, results);
        }
    }
}
