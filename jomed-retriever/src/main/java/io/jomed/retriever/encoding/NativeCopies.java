package io.jomed.retriever.encoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Copies Java arrays and scalars into native arrays whose memory the engine owns, for per-step inputs and for the
 * scalar factors of differentiable computations.
 *
 * <p>{@link NDManager#create(float[], Shape)} allocates a new direct buffer for every call, zero-fills it, copies
 * the values in and lets the tensor live in that buffer, whose memory returns to the system only when the
 * garbage collector collects the buffer: a training loop or a reader that does this every step keeps asking the
 * system for fresh memory (page faults, which cost a lot on virtual machines) while old buffers wait for a GC.
 * {@link #floats} instead writes the values into one direct staging buffer per thread, reused across calls, and
 * clones the engine's view of it into an array of the engine's own memory (freed as soon as it is closed, so
 * the allocator reuses it). The engine never keeps a reference to the staging buffer.
 *
 * <p>{@link #multiply} and {@link #divide} scale an array by a number held in engine-owned memory. DJL's
 * {@code NDArray.mul(Number)} and {@code div(Number)} put the number in a Java direct buffer, run the operation and
 * close that array at once; multiplication and division save their right operand for the backward pass, so in a
 * recorded computation the saved scalar points at a Java buffer that the garbage collector may free and hand to other
 * data before {@code backward} runs, which then reads garbage: now and then, and more often the more the JVM
 * collects, the gradients of every parameter below such a factor came back NaN, infinite or silently wrong. Every
 * differentiable scaling in jomed goes through these two methods.
 *
 * <p>Thread-safe: each thread has its own staging buffer (kept at the largest size it needed).
 */
public final class NativeCopies {
    private static final ThreadLocal<ByteBuffer> STAGING = new ThreadLocal<>();

    private NativeCopies() {
    }

    /**
     * {@code x * factor}, safe to record for gradients: the factor is a scalar of {@code x}'s data type in engine-owned
     * memory (exactly {@code factor} for float64 arrays). The result belongs to {@code x}'s manager.
     */
    public static NDArray multiply(NDArray x, double factor) {
        Objects.requireNonNull(x, "x");
        try (NDArray scalar = scalar(x, factor)) {
            return x.mul(scalar);
        }
    }

    /**
     * {@code x / divisor}, safe to record for gradients: the divisor is a scalar of {@code x}'s data type in
     * engine-owned memory (exactly {@code divisor} for float64 arrays). The result belongs to {@code x}'s manager.
     */
    public static NDArray divide(NDArray x, double divisor) {
        Objects.requireNonNull(x, "x");
        try (NDArray scalar = scalar(x, divisor)) {
            return x.div(scalar);
        }
    }

    /** A 0-d array of {@code x}'s data type holding {@code value}, in memory the engine allocated (a clone). */
    private static NDArray scalar(NDArray x, double value) {
        NDManager manager = x.getManager();
        DataType type = x.getDataType();
        try (NDArray javaBacked = type == DataType.FLOAT64 ? manager.create(value) : manager.create((float) value)) {
            return type == javaBacked.getDataType() ? javaBacked.duplicate() : javaBacked.toType(type, true);
        }
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
