package io.jomed.retriever.encoding;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Switches PyTorch's gradient recording off for the current thread until closed, then restores the
 * previous mode: inference and optimizer updates must not build autograd graphs over trainable
 * parameters.
 *
 * <pre>{@code
 * try (NoGradient ignored = NoGradient.enter()) { ... }
 * }</pre>
 *
 * <p>Not thread-safe: open and close it on the same thread (the mode it changes is thread-local).
 */
public final class NoGradient implements AutoCloseable {
    private final boolean previous;

    private NoGradient(boolean previous) {
        this.previous = previous;
    }

    /** Turns gradient recording off for this thread. */
    public static NoGradient enter() {
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return new NoGradient(previous);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
