package io.jomed.api;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.diagnosis.FusionWeighting;
import io.jomed.api.diagnosis.LogitFusion;
import io.jomed.api.reading.LabelLogits;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.reading.Reader;
import io.jomed.api.reading.ReaderInput;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.Retriever;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A retrieval-augmented diagnosis pipeline (method.md §3): retrieve {@code k} cases per head, read the
 * query once with each case in context in one batched reader call, fuse the label logits with weights
 * {@code softmax} of each head's max-normalised scores, and return the answer with its evidence.
 *
 * <pre>{@code
 * Jomed jomed = Jomed.builder().setRetriever(retriever).setReader(reader).build();
 * Diagnosis d = jomed.diagnose(Query.of(MedicalImage.read(path)));
 * }</pre>
 *
 * <p>The pipeline does not own its retriever and reader: whoever made them closes them. Instances are
 * immutable and safe to call from many threads at once, as retrievers and readers must be.
 */
public final class Jomed {
    private final Retriever retriever;
    private final Reader reader;
    private final RetrievalOptions retrievalOptions;
    private final LogitFusion fusion;

    private Jomed(Builder b) {
        this.retriever = b.retriever;
        this.reader = b.reader;
        this.retrievalOptions = b.retrievalOptions;
        this.fusion = new LogitFusion(b.weighting);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Retriever retriever() {
        return retriever;
    }

    public Reader reader() {
        return reader;
    }

    public RetrievalOptions retrievalOptions() {
        return retrievalOptions;
    }

    public LabelSpace labelSpace() {
        return reader.labelSpace();
    }

    /** Diagnoses one query. */
    public Diagnosis diagnose(Query query) {
        return diagnose(List.of(query)).get(0);
    }

    /**
     * Diagnoses many queries with one batched retrieval ({@link Retriever#retrieve(List, RetrievalOptions)}) and
     * one batched reader call over all their (query, case) pairs.
     *
     * @throws IllegalStateException if the retriever finds no case for a query
     */
    public List<Diagnosis> diagnose(List<Query> queries) {
        Objects.requireNonNull(queries, "queries");
        List<List<RetrievedCase>> retrieved = retriever.retrieve(queries, retrievalOptions);
        if (retrieved.size() != queries.size()) {
            throw new IllegalStateException("the retriever returned " + retrieved.size() + " result lists for " + queries.size()
                    + " queries");
        }
        List<ReaderInput> inputs = new ArrayList<>();
        for (int i = 0; i < queries.size(); i++) {
            Query q = queries.get(i);
            List<RetrievedCase> cases = retrieved.get(i);
            if (cases.isEmpty()) {
                throw new IllegalStateException("the retriever found no case for " + q + " with " + retrievalOptions);
            }
            for (RetrievedCase c : cases) {
                inputs.add(ReaderInput.withContext(q, c.knowledgeBaseCase()));
            }
        }
        List<LabelLogits> logits = reader.score(inputs);
        if (logits.size() != inputs.size()) {
            throw new IllegalStateException("reader returned " + logits.size() + " outputs for " + inputs.size() + " inputs");
        }
        LabelSpace labels = reader.labelSpace();
        List<Diagnosis> out = new ArrayList<>(queries.size());
        int offset = 0;
        for (List<RetrievedCase> cases : retrieved) {
            List<LabelLogits> mine = logits.subList(offset, offset + cases.size());
            offset += cases.size();
            double[] weights = fusion.weights(cases);
            LabelLogits fused = LabelLogits.of(LogitFusion.fuse(mine, weights));
            List<CasePrediction> evidence = new ArrayList<>(cases.size());
            for (int i = 0; i < cases.size(); i++) {
                evidence.add(new CasePrediction(cases.get(i), weights[i], mine.get(i), labels.label(mine.get(i).predicted())));
            }
            out.add(new Diagnosis(labels.label(fused.predicted()), Diagnosis.probabilities(labels, fused.probabilities()),
                    evidence));
        }
        return out;
    }

    /** Builder for {@link Jomed}; not thread-safe. Retriever and reader are required. */
    public static final class Builder {
        private Retriever retriever;
        private Reader reader;
        private RetrievalOptions retrievalOptions = RetrievalOptions.DEFAULT;
        private FusionWeighting weighting = FusionWeighting.CLEAN;

        private Builder() {
        }

        public Builder setRetriever(Retriever retriever) {
            this.retriever = Objects.requireNonNull(retriever, "retriever");
            return this;
        }

        public Builder setReader(Reader reader) {
            this.reader = Objects.requireNonNull(reader, "reader");
            return this;
        }

        /** Default {@link RetrievalOptions#DEFAULT}: 2 per head, the query's own image excluded. */
        public Builder optRetrievalOptions(RetrievalOptions options) {
            this.retrievalOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Default {@link FusionWeighting#CLEAN}. */
        public Builder optFusionWeighting(FusionWeighting weighting) {
            this.weighting = Objects.requireNonNull(weighting, "weighting");
            return this;
        }

        public Jomed build() {
            if (retriever == null) {
                throw new IllegalStateException("a retriever is required: call setRetriever");
            }
            if (reader == null) {
                throw new IllegalStateException("a reader is required: call setReader");
            }
            return new Jomed(this);
        }
    }
}
