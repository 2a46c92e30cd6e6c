/**
 * Phase 1 of method.md §1.3: fine-tuning the reader with cases retrieved by the frozen retriever (top 2 per
 * head, the example's own case left out, one training row per retrieved case), and the closed-book baseline
 * trained with the same number of optimizer steps and the same batch size.
 */
package io.jomed.training.phase1;
