package io.jomed.api.retrieval;

/**
 * The two heads of the dual-head retriever (method.md §1.1). Both embed the query <em>image</em>; they
 * differ in the index they search.
 *
 * <p>Enum constants are immutable and safe to share between threads.
 */
public enum RetrieverHead {
    /** Query image to the image index, keys {@code f0(image)}. */
    IMAGE,
    /** Query image to the report/caption index, keys {@code g0(text)}: cross-modal. */
    TEXT
}
