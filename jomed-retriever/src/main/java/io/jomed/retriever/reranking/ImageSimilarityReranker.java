package io.jomed.retriever.reranking;

import io.jomed.api.diagnosis.CasePrediction;
import io.jomed.api.diagnosis.Diagnosis;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.kb.KnowledgeBase;
import io.jomed.api.reranking.Reranker;
import io.jomed.api.retrieval.Query;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.List;
import java.util.Objects;

/**
 * A retriever-side reranker: rescores every evidence item, whichever head retrieved it, with the exact
 * image-to-image similarity {@code f0(x) . k_image(d)} of the query image and the case's stored image key, and
 * picks the highest (the earlier item on a tie). Cross-modal text-head items thus compete on image similarity
 * with the image head's items. Named {@value #NAME}.
 *
 * <pre>{@code
 * Reranker r = ImageSimilarityReranker.builder().setKnowledgeBase(kb).setImageKeyEncoder(f0).build();
 * }</pre>
 *
 * <p>Thread-safe as long as the knowledge base and the encoder are (both contracts require it). It does not own
 * them and never closes them.
 */
public final class ImageSimilarityReranker implements Reranker {
    /** The reranker's name. */
    public static final String NAME = "image-similarity";

    private final KnowledgeBase knowledgeBase;
    private final ImageEncoder f0;

    private ImageSimilarityReranker(Builder b) {
        this.knowledgeBase = b.knowledgeBase;
        this.f0 = b.f0;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int select(Query query, Diagnosis diagnosis) {
        double[] s = similarities(query, diagnosis);
        int best = 0;
        for (int i = 1; i < s.length; i++) {
            if (s[i] > s[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * Per evidence item, in order, the dot product of {@code f0(query image)} and the case's stored image key.
     *
     * @throws IllegalArgumentException if the diagnosis has no evidence, or a case has no image key in the
     *     knowledge base (for example because it was deleted since retrieval)
     */
    public double[] similarities(Query query, Diagnosis diagnosis) {
        List<CasePrediction> evidence = Reranker.requireEvidence(query, diagnosis);
        float[] q = f0.encode(query.image());
        double[] out = new double[evidence.size()];
        for (int i = 0; i < out.length; i++) {
            String caseId = evidence.get(i).evidence().caseId();
            float[] key = knowledgeBase.key(caseId, RetrieverHead.IMAGE).orElseThrow(() -> new IllegalArgumentException(
                    "evidence item " + caseId + " has no image key in the knowledge base; was it deleted after retrieval?"));
            if (key.length != q.length) {
                throw new IllegalStateException("the image key of case " + caseId + " has " + key.length
                        + " dimensions, f0 makes " + q.length);
            }
            double dot = 0;
            for (int j = 0; j < key.length; j++) {
                dot += (double) q[j] * key[j];
            }
            out[i] = dot;
        }
        return out;
    }

    @Override
    public String toString() {
        return "ImageSimilarityReranker[" + f0.fingerprint() + "]";
    }

    /** Builder for {@link ImageSimilarityReranker}; not thread-safe. Knowledge base and {@code f0} are required. */
    public static final class Builder {
        private KnowledgeBase knowledgeBase;
        private ImageEncoder f0;

        private Builder() {
        }

        /** The knowledge base whose stored image keys are compared. */
        public Builder setKnowledgeBase(KnowledgeBase knowledgeBase) {
            this.knowledgeBase = Objects.requireNonNull(knowledgeBase, "knowledgeBase");
            return this;
        }

        /** The frozen image key encoder {@code f0} that built the knowledge base's image keys. */
        public Builder setImageKeyEncoder(ImageEncoder f0) {
            this.f0 = Objects.requireNonNull(f0, "f0");
            return this;
        }

        /**
         * @throws IllegalStateException if a required setting is missing
         * @throws IllegalArgumentException if {@code f0} did not build the knowledge base's image keys
         */
        public ImageSimilarityReranker build() {
            if (knowledgeBase == null) {
                throw new IllegalStateException("a knowledge base is required: call setKnowledgeBase");
            }
            if (f0 == null) {
                throw new IllegalStateException("the image key encoder f0 is required: call setImageKeyEncoder");
            }
            knowledgeBase.requireImageKeyEncoder(f0.fingerprint());
            return new ImageSimilarityReranker(this);
        }
    }
}
