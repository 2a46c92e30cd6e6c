/**
 * Evaluation: retrieval-only baselines, recall and latency measurement, the evaluation of modes
 * ({@link io.jomed.training.evaluation.ModeEvaluator}) into a {@link io.jomed.training.evaluation.PredictionLog},
 * per-mode metrics and paired bootstrap comparisons.
 */
package io.jomed.training.evaluation;
