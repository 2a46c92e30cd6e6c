/** Retrieval: queries, heads, retrieved cases and the {@link io.jomed.api.retrieval.Retriever} contract. */
package io.jomed.api.retrieval;
