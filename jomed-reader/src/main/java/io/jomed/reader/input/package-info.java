/**
 * Turns reader inputs (query image, retrieved case image and report, question) into the batched tensors
 * every reader of this module takes: {@link io.jomed.reader.input.ReaderInputEncoder} and
 * {@link io.jomed.reader.input.EncodedReaderInputs}.
 */
package io.jomed.reader.input;
