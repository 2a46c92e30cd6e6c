package io.jomed.api.retrieval;

import io.jomed.api.image.MedicalImage;
import java.util.Objects;
import java.util.Optional;

/**
 * What a clinician's app asks about: a query image and, for visual question answering, a question.
 * Only the image takes part in retrieval (method.md §1.1); the question goes to the reader.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class Query {
    private final MedicalImage image;
    private final String question;

    private Query(MedicalImage image, String question) {
        this.image = Objects.requireNonNull(image, "image");
        this.question = question;
    }

    /** A query without a question (classification tasks). */
    public static Query of(MedicalImage image) {
        return new Query(image, null);
    }

    /** A query with a question; a blank question is rejected. */
    public static Query of(MedicalImage image, String question) {
        Objects.requireNonNull(question, "question");
        if (question.isBlank()) {
            throw new IllegalArgumentException("question is blank; use Query.of(image) for a query without one");
        }
        return new Query(image, question);
    }

    public MedicalImage image() {
        return image;
    }

    public Optional<String> question() {
        return Optional.ofNullable(question);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Query q && q.image.equals(image) && Objects.equals(q.question, question);
    }

    @Override
    public int hashCode() {
        return Objects.hash(image, question);
    }

    /** Shape and whether there is a question; never the question text. */
    @Override
    public String toString() {
        return "Query[" + image + (question == null ? "" : ", with question") + "]";
    }
}
