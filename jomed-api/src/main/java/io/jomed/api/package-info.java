/**
 * The jomed public API. {@link io.jomed.api.Jomed} composes a {@link io.jomed.api.retrieval.Retriever} and a
 * {@link io.jomed.api.reading.Reader} into a diagnosis pipeline; the sub-packages hold one concept each.
 */
package io.jomed.api;
