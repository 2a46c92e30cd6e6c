/**
 * Analyses of a {@link io.jomed.training.evaluation.PredictionLog} (method.md §5): inconsistent retrieval
 * predictions with accuracy on the consistent and inconsistent subsets, and oracle accuracy with its gap to
 * the fused prediction. They need no reader calls.
 */
package io.jomed.training.analysis;
