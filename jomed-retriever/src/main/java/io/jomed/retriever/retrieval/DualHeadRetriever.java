package io.jomed.retriever.retrieval;

import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBase;
import io.jomed.api.kb.QueryEmbedding;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.Retriever;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The dual-head retriever of method.md §1.1: each head embeds the query <em>image</em> with its own
 * {@link QueryEncoder} ({@code e_h = 0.15 f_theta,h + 0.85 f0}, equal to {@code f0} before training) and
 * searches its own index of the knowledge base (image keys {@code f0(image)} or report keys
 * {@code g0(text)}); each head returns its own top {@code k} with raw dot-product scores, image head first.
 * The question text takes no part in retrieval.
 *
 * <p>Thread-safe: many threads may call {@link #retrieve} at once. It does not own the knowledge base or
 * the encoders unless they are handed over with {@link Builder#optCloseWithRetriever}; {@link #close()}
 * closes exactly those.
 */
public final class DualHeadRetriever implements Retriever {
    private final KnowledgeBase knowledgeBase;
    private final ImageEncoder f0;
    private final Map<RetrieverHead, QueryEncoder> heads;
    private final List<AutoCloseable> owned;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private DualHeadRetriever(Builder b) {
        this.owned = List.copyOf(b.owned);
        this.knowledgeBase = b.knowledgeBase;
        this.f0 = b.f0;
        this.heads = new EnumMap<>(RetrieverHead.class);
        for (RetrieverHead h : b.heads) {
            ImageEncoder tower = b.towers.get(h);
            heads.put(h, tower == null ? QueryEncoder.untrained(f0) : QueryEncoder.mixed(f0, tower, b.alpha));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public List<RetrievedCase> retrieve(Query query, RetrievalOptions options) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(options, "options");
        return retrieve(List.of(query), options).get(0);
    }

    /**
     * Retrieves for many queries, encoding all their images in one batch per encoder.
     *
     * @return one list per query, as {@link #retrieve(Query, RetrievalOptions)} returns it
     */
    @Override
    public List<List<RetrievedCase>> retrieve(List<Query> queries, RetrievalOptions options) {
        Objects.requireNonNull(options, "options");
        List<MedicalImage> images = queries.stream().map(q -> Objects.requireNonNull(q, "query").image()).toList();
        Map<RetrieverHead, float[][]> embeddings = embed(images);
        List<List<RetrievedCase>> out = new ArrayList<>(queries.size());
        for (int i = 0; i < queries.size(); i++) {
            List<RetrievedCase> results = new ArrayList<>();
            for (Map.Entry<RetrieverHead, float[][]> head : embeddings.entrySet()) {
                QueryEmbedding e = QueryEmbedding.of(head.getValue()[i], f0.fingerprint(), images.get(i).contentHash());
                results.addAll(knowledgeBase.search(head.getKey(), e, options));
            }
            out.add(results);
        }
        return out;
    }

    /** The query embeddings {@code e_h(x)} of every head, {@code f0} computed once and shared. */
    public Map<RetrieverHead, float[][]> embed(List<MedicalImage> images) {
        float[][] frozen = f0.encode(images);
        Map<RetrieverHead, float[][]> out = new EnumMap<>(RetrieverHead.class);
        heads.forEach((head, encoder) -> out.put(head, encoder.encode(images, frozen)));
        return out;
    }

    @Override
    public List<RetrieverHead> heads() {
        return List.copyOf(heads.keySet());
    }

    /** The query encoder of one head. */
    public QueryEncoder queryEncoder(RetrieverHead head) {
        QueryEncoder e = heads.get(head);
        if (e == null) {
            throw new IllegalArgumentException("this retriever has no " + head + " head; heads: " + heads.keySet());
        }
        return e;
    }

    public KnowledgeBase knowledgeBase() {
        return knowledgeBase;
    }

    /**
     * Closes the resources handed over with {@link Builder#optCloseWithRetriever}, last first; nothing else.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        RuntimeException failure = null;
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing " + owned.get(i) + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Builder for {@link DualHeadRetriever}; not thread-safe. Knowledge base and {@code f0} are required. */
    public static final class Builder {
        private KnowledgeBase knowledgeBase;
        private ImageEncoder f0;
        private final Map<RetrieverHead, ImageEncoder> towers = new EnumMap<>(RetrieverHead.class);
        private List<RetrieverHead> heads = List.of(RetrieverHead.IMAGE, RetrieverHead.TEXT);
        private double alpha = QueryEncoder.DEFAULT_ALPHA;
        private final List<AutoCloseable> owned = new ArrayList<>();

        private Builder() {
        }

        /**
         * Hands a resource (the knowledge base, an encoder) over to the retriever, which closes it on
         * {@link DualHeadRetriever#close()}, in reverse order of hand-over.
         */
        public Builder optCloseWithRetriever(AutoCloseable resource) {
            owned.add(Objects.requireNonNull(resource, "resource"));
            return this;
        }

        public Builder setKnowledgeBase(KnowledgeBase knowledgeBase) {
            this.knowledgeBase = Objects.requireNonNull(knowledgeBase, "knowledgeBase");
            return this;
        }

        /** The frozen image key encoder that built the knowledge base's image keys. */
        public Builder setImageKeyEncoder(ImageEncoder f0) {
            this.f0 = Objects.requireNonNull(f0, "f0");
            return this;
        }

        /** A head's trained tower {@code f_theta,h}; without one the head uses {@code f0}. */
        public Builder optTrainedTower(RetrieverHead head, ImageEncoder tower) {
            towers.put(Objects.requireNonNull(head, "head"), Objects.requireNonNull(tower, "tower"));
            return this;
        }

        /** Weight of the learned term; default 0.15. */
        public Builder optAlpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        /** Which heads to search and in which order; default image, then text. */
        public Builder optHeads(List<RetrieverHead> heads) {
            if (heads.isEmpty() || heads.stream().distinct().count() != heads.size()) {
                throw new IllegalArgumentException("heads must be non-empty and distinct, got " + heads);
            }
            this.heads = List.copyOf(heads);
            return this;
        }

        public DualHeadRetriever build() {
            if (knowledgeBase == null) {
                throw new IllegalStateException("a knowledge base is required: call setKnowledgeBase");
            }
            if (f0 == null) {
                throw new IllegalStateException("the image key encoder f0 is required: call setImageKeyEncoder");
            }
            knowledgeBase.requireImageKeyEncoder(f0.fingerprint());
            for (RetrieverHead h : towers.keySet()) {
                if (!heads.contains(h)) {
                    throw new IllegalArgumentException("a tower is given for the " + h + " head, which is not among " + heads);
                }
            }
            return new DualHeadRetriever(this);
        }
    }
}
