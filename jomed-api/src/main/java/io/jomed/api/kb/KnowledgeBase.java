package io.jomed.api.kb;

import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.progress.ProgressListener;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrievedCase;
import io.jomed.api.retrieval.RetrieverHead;
import java.util.List;
import java.util.Optional;

/**
 * The store of prior cases that retrieval searches. Each case has two frozen keys: the image key
 * {@code f0(image)} and the text key {@code g0(text)} (method.md §1.1), made by the encoders whose
 * fingerprints the store records; queries and ingests from other encoders are refused.
 *
 * <p>Every mutating call is atomic: it either commits all its cases or leaves the last commit as it was
 * (a failed, cancelled or interrupted ingest loses nothing). Implementations must be safe for many
 * concurrent readers while one writer works; searches see the last commit.
 */
public interface KnowledgeBase extends AutoCloseable {

    /**
     * Encodes and stores a batch of cases in one commit, replacing stored cases with the same id.
     *
     * @throws IllegalArgumentException naming the case and the reason if a case is invalid (duplicate id
     *     within the batch, undecodable image, key of the wrong dimension or not finite); nothing is
     *     committed then
     * @throws io.jomed.api.progress.JobCancelledException if the listener cancels; nothing is committed
     */
    IngestSummary ingest(Iterable<KnowledgeBaseCase> cases, ProgressListener listener);

    /** Adds a case or replaces the stored case with its id, and commits. */
    void upsert(KnowledgeBaseCase knowledgeBaseCase);

    /**
     * Deletes the case with this id (for example when a patient withdraws consent) and commits.
     *
     * @return whether a case was deleted
     */
    boolean delete(String caseId);

    /** The stored case with this id. */
    Optional<KnowledgeBaseCase> find(String caseId);

    /** The stored key of a case for one head: {@code f0(image)} or {@code g0(text)}, unit length. */
    Optional<float[]> key(String caseId, RetrieverHead head);

    /** Number of cases in the last commit. */
    int size();

    /** Fingerprint of the encoder whose keys one head's index holds. */
    EncoderFingerprint keyEncoder(RetrieverHead head);

    /**
     * Checks that {@code f0} made this knowledge base's image keys, as every query encoder built on it must.
     *
     * @throws IllegalArgumentException naming both fingerprints if it did not
     */
    default void requireImageKeyEncoder(EncoderFingerprint f0) {
        EncoderFingerprint keys = keyEncoder(RetrieverHead.IMAGE);
        if (!keys.equals(f0)) {
            throw new IllegalArgumentException("f0 " + f0 + " did not build this knowledge base; its image keys come from " + keys);
        }
    }

    /**
     * Searches one head's index: the {@code options.kPerHead()} cases with the highest exact score
     * {@code e_h . k_d}, best first, after exclusions and filters.
     *
     * @throws IllegalStateException if the knowledge base is empty
     * @throws IllegalArgumentException if the embedding has the wrong dimension or was made by another
     *     image encoder than the one that built this knowledge base
     */
    List<RetrievedCase> search(RetrieverHead head, QueryEmbedding query, RetrievalOptions options);

    @Override
    void close();
}
