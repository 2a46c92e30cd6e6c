package io.jomed.training.dataset.npy;

import java.util.Optional;

/**
 * The numpy element types this reader understands, each with the little-endian (or byte-order free)
 * {@code descr} string numpy writes for it.
 *
 * <p>Enum constants are immutable and thread-safe.
 */
public enum NpyDtype {
    /** {@code |b1}: numpy {@code bool}, one byte, 0 or 1. */
    BOOL('b', 1),
    /** {@code |i1}: signed 8-bit integer. */
    INT8('i', 1),
    /** {@code |u1}: unsigned 8-bit integer (image pixels, MedMNIST labels). */
    UINT8('u', 1),
    /** {@code <i2}: signed 16-bit integer. */
    INT16('i', 2),
    /** {@code <u2}: unsigned 16-bit integer. */
    UINT16('u', 2),
    /** {@code <i4}: signed 32-bit integer. */
    INT32('i', 4),
    /** {@code <u4}: unsigned 32-bit integer. */
    UINT32('u', 4),
    /** {@code <i8}: signed 64-bit integer. */
    INT64('i', 8),
    /** {@code <f4}: IEEE 754 single precision. */
    FLOAT32('f', 4),
    /** {@code <f8}: IEEE 754 double precision. */
    FLOAT64('f', 8);

    private final char kind;
    private final int itemSize;

    NpyDtype(char kind, int itemSize) {
        this.kind = kind;
        this.itemSize = itemSize;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** Whether elements are integers or booleans (readable exactly with {@link NpyArray#getLong}). */
    public boolean isIntegral() {
        return kind != 'f';
    }

    /** The {@code descr} numpy writes for this type, for example {@code |u1} or {@code <f4}. */
    public String descr() {
        return (itemSize == 1 ? "|" : "<") + kind + itemSize;
    }

    /**
     * The type of a numpy {@code descr} string. One-byte types are accepted with any byte-order mark
     * ({@code |}, {@code <}, {@code >}, {@code =}); wider types only explicitly little-endian ({@code <}).
     *
     * @return the type, or empty if the string names no supported little-endian type
     */
    static Optional<NpyDtype> fromDescr(String descr) {
        if (descr.length() < 3) {
            return Optional.empty();
        }
        char order = descr.charAt(0);
        char kind = descr.charAt(1);
        int size;
        try {
            size = Integer.parseInt(descr.substring(2));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (size == 1 ? "|<>=".indexOf(order) < 0 : order != '<') {
            return Optional.empty();
        }
        for (NpyDtype t : values()) {
            if (t.kind == kind && t.itemSize == size) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Whether {@code descr} names a big-endian multi-byte type, which gets its own error message. */
    static boolean isBigEndian(String descr) {
        return descr.length() >= 3 && descr.charAt(0) == '>' && !descr.endsWith("1");
    }
}
