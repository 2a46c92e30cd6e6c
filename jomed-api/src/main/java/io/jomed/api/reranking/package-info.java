/**
 * Rerankers (method.md §5.3): a {@link io.jomed.api.reranking.Reranker} sees a query and the pipeline's
 * {@link io.jomed.api.diagnosis.Diagnosis}, never the gold label, and picks one evidence item whose per-case
 * prediction becomes the answer. Built-in baselines: the top-ranked item of one head, the most confident
 * reader prediction and the majority vote.
 */
package io.jomed.api.reranking;
