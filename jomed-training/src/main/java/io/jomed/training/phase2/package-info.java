/**
 * Phase 2 of the method (method.md §2): reader-supervised training of the retriever's query towers with the KL
 * loss toward the frozen reader's per-candidate answer likelihoods, the {@code REFERENCE} and {@code CLEAN}
 * presets and their switches, and resumable checkpoints.
 */
package io.jomed.training.phase2;
