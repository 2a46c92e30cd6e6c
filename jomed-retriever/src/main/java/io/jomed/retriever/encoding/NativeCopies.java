package io.jomed.retriever.encoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Copies Java arrays into native arrays whose memory the engine owns, for per-step inputs.
 *
 * <p>{@link NDManager#create(float[], Shape)} allocates a new direct buffer for every call, zero-fills it, copies
 * the values in and lets the tensor live in that buffer, whose memory returns to the system only when the
 * garbage collector collects the buffer: a training loop or a reader that does this every step keeps asking the
 * system for fresh memory (page faults, which cost a lot on virtual machines) while old buffers wait for a GC.
 * {@link #floats} instead writes the values into one direct staging buffer per thread, reused across calls, and
 * clones the engine's view of it into an array of the engine's own memory (freed as soon as it is closed, so
 * the allocator reuses it). The engine never keeps a reference to the staging buffer.
 *
 * <p>Thread-safe: each thread has its own staging buffer (kept at the largest size it needed).
 */
public final class NativeCopies {
    private static final ThreadLocal<ByteBuffer> STAGING = new ThreadLocal<>();

    private NativeCopies() {
    }

    /**
     * A float32 array of {@code shape} in {@code manager} holding a copy of {@code values}.
     *
     * @throws IllegalArgumentException if the shape does not have {@code values.length} elements
     */
    public static NDArray floats(NDManager manager, float[] values, Shape shape) {
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(shape, "shape");
        if (shape.size() != values.length) {
            throw new IllegalArgumentException("shape " + shape + " has " + shape.size() + " elements, got " + values.length
                    + " values");
        }
        int bytes = Math.multiplyExact(values.length, Float.BYTES);
        ByteBuffer staging = STAGING.get();
        if (staging == null || staging.capacity() < bytes) {
            staging = ByteBuffer.allocateDirect(Math.max(bytes, staging == null ? 0 : staging.capacity() * 2))
                    .order(ByteOrder.nativeOrder());
            STAGING.set(staging);
        }
        ByteBuffer view = staging.duplicate().order(ByteOrder.nativeOrder());
        view.clear().limit(bytes);
        view.asFloatBuffer().put(values);
        ByteBuffer slice = view.slice().order(ByteOrder.nativeOrder());
        // the engine wraps a direct buffer without copying (so does NDArray.set): wrap the staging buffer, then clone
        try (NDArray staged = manager.create(slice, shape, DataType.FLOAT32)) {
            return staged.duplicate();
        }
    }
}
