/**
 * Phase 0 of method.md: aligning the trainable image tower {@code f0} to the frozen text keys {@code g0} of
 * the knowledge base pairs with a locked-text contrastive objective (LiT).
 */
package io.jomed.training.alignment;
