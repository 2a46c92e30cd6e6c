/**
 * A reader backed by the user's own TorchScript export that takes the built-in reader's five input tensors
 * and returns label logits: {@link io.jomed.reader.torchscript.TorchScriptReader} and its provider
 * {@code torchscript}.
 */
package io.jomed.reader.torchscript;
