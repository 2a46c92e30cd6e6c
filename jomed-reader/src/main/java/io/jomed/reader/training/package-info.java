/**
 * Training support for the built-in reader, for phase 1 (method.md §1.3) to drive: a cross-entropy
 * training step with dropout in train mode, an AdamW optimizer written in NDArray math whose state can be
 * saved and restored exactly, and parameter snapshots for best-on-validation selection.
 */
package io.jomed.reader.training;
