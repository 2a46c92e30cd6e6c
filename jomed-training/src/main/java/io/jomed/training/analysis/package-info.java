/**
 * Analyses of a {@link io.jomed.training.evaluation.PredictionLog} (method.md §5): inconsistent retrieval
 * predictions with accuracy on the consistent and inconsistent subsets, oracle accuracy with its gap to
 * the fused prediction, and the reranker comparison. They need no reader calls.
 */
package io.jomed.training.analysis;
