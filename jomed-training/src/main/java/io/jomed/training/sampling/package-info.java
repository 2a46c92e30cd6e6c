/**
 * Orders training examples into batches: class-balanced round-robin undersampling (method.md §2.10) or a
 * plain shuffle, with a position that can be saved and restored.
 */
package io.jomed.training.sampling;
