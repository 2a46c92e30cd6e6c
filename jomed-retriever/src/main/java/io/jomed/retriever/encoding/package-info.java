/**
 * Key encoders: the frozen MiniLM text encoder {@code g0}, the trainable convolutional image tower {@code f0}
 * and TorchScript backbones, with their service providers.
 */
package io.jomed.retriever.encoding;
