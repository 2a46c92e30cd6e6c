/** Evaluation: retrieval-only baselines, recall and latency measurement, and (later) metrics and analyses. */
package io.jomed.training.evaluation;
