package io.jomed.api.training;

import io.jomed.api.retrieval.Query;
import java.util.Objects;

/**
 * One labelled example of a task: a query (image, optional question) with its gold label, and an id
 * (used to leave the example's own case out of its retrieval when the knowledge base holds it).
 *
 * <p>Instances are immutable and safe to share between threads.
 *
 * @param id unique within its split
 * @param query the image and optional question
 * @param goldLabel a label of the task's label space
 */
public record TaskExample(String id, Query query, String goldLabel) {
    public TaskExample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(goldLabel, "goldLabel");
    }

    @Override
    public String toString() {
        return "TaskExample[id=" + id + "]";
    }
}
