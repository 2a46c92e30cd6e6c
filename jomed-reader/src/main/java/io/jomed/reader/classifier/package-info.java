/**
 * The built-in reader: a small in-JVM vision-language classifier in DJL/PyTorch that reads one retrieved
 * case at a time (method.md §1.2) and outputs label logits, which for a classifier ARE the method's
 * selected logits (§2.3); settings about generated text (greedy decoding, token parsing) do not apply.
 */
package io.jomed.reader.classifier;
