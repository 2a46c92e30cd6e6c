package io.jomed.training.dataset.npy;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One numpy array read from the {@code .npy} format (versions 1.0, 2.0 and 3.0), C order, with a
 * {@linkplain NpyDtype supported dtype}. Elements are addressed by their flat (row-major) index; {@link
 * #flatIndex(long...)} turns coordinates into one.
 *
 * <p>Instances are immutable and thread-safe; the data are held in memory (at most 2 GiB per array).
 */
public final class NpyArray {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Headers longer than this are not numpy's; refusing them keeps a corrupt length from allocating. */
    private static final int MAX_HEADER_BYTES = 1 << 20;

    private final String source;
    private final NpyDtype dtype;
    private final long[] shape;
    private final long size;
    private final ByteBuffer data;

    private NpyArray(String source, NpyDtype dtype, long[] shape, long size, ByteBuffer data) {
        this.source = source;
        this.dtype = dtype;
        this.shape = shape;
        this.size = size;
        this.data = data;
    }

    /**
     * Reads a {@code .npy} file.
     *
     * @throws NpyFormatException naming the file if it is not a valid or supported npy array
     * @throws IOException if the file cannot be read
     */
    public static NpyArray read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            return read(in, file.toString());
        }
    }

    /**
     * Reads one array from a stream that holds exactly one {@code .npy} array; the stream is read to its
     * end but not closed.
     *
     * @param source names the array in error messages, for example {@code data.npz, key train_images}
     * @throws NpyFormatException naming {@code source} on bad magic, an unknown version, a malformed header,
     *     an unsupported dtype, Fortran order, truncated data or bytes left after the data
     */
    public static NpyArray read(InputStream in, String source) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(source, "source");
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || !Arrays.equals(magic, 0, 6, MAGIC, 0, 6)) {
            throw new NpyFormatException(source + ": not a numpy .npy array (bad magic: expected \\x93NUMPY, got "
                    + describeBytes(magic) + ")");
        }
        int major = magic[6] & 0xFF;
        int minor = magic[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw new NpyFormatException(source + ": unsupported npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        byte[] lengthBytes = in.readNBytes(major == 1 ? 2 : 4);
        if (lengthBytes.length < (major == 1 ? 2 : 4)) {
            throw new NpyFormatException(source + ": truncated: the file ends inside the npy header length");
        }
        ByteBuffer lb = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = major == 1 ? lb.getShort() & 0xFFFF : lb.getInt() & 0xFFFFFFFFL;
        if (headerLength > MAX_HEADER_BYTES) {
            throw new NpyFormatException(source + ": npy header length " + headerLength + " bytes is implausible (max "
                    + MAX_HEADER_BYTES + "); the file is corrupt");
        }
        byte[] headerBytes = in.readNBytes((int) headerLength);
        if (headerBytes.length < headerLength) {
            throw new NpyFormatException(source + ": truncated: the npy header should be " + headerLength
                    + " bytes, the file ends after " + headerBytes.length);
        }
        String headerText = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader header = NpyHeader.parse(headerText, source);

        NpyDtype dtype = NpyDtype.fromDescr(header.descr()).orElseThrow(() -> new NpyFormatException(source
                + ": unsupported dtype '" + header.descr() + "'"
                + (NpyDtype.isBigEndian(header.descr()) ? " (big-endian data are not supported; save little-endian)" : "")
                + "; supported: " + Arrays.stream(NpyDtype.values()).map(NpyDtype::descr).collect(Collectors.joining(", "))));
        if (header.fortranOrder()) {
            throw new NpyFormatException(source + ": fortran_order=True is not supported; only C-order arrays are"
                    + " (save np.ascontiguousarray(a))");
        }
        long[] shape = header.shape();
        long size = 1;
        long byteCount;
        try {
            for (long d : shape) {
                size = Math.multiplyExact(size, d);
            }
            byteCount = Math.multiplyExact(size, (long) dtype.itemSize());
        } catch (ArithmeticException e) {
            throw new NpyFormatException(source + ": shape " + formatShape(shape) + " overflows: the header is corrupt", e);
        }
        if (byteCount > Integer.MAX_VALUE - 16) {
            throw new NpyFormatException(source + ": array of shape " + formatShape(shape) + " and dtype "
                    + dtype.descr() + " holds " + byteCount + " bytes, more than this reader supports (2 GiB)");
        }
        byte[] bytes = in.readNBytes((int) byteCount);
        if (bytes.length < byteCount) {
            throw new NpyFormatException(source + ": truncated: shape " + formatShape(shape) + " of " + dtype.descr()
                    + " needs " + byteCount + " bytes of data, only " + bytes.length + " follow the header");
        }
        long extra = in.skip(Long.MAX_VALUE);
        while (in.read() != -1) {
            extra += 1 + in.skip(Long.MAX_VALUE);
        }
        if (extra > 0) {
            throw new NpyFormatException(source + ": shape/size mismatch: shape " + formatShape(shape) + " of "
                    + dtype.descr() + " needs " + byteCount + " bytes of data, but " + extra + " more bytes follow");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        return new NpyArray(source, dtype, shape.clone(), size, buffer);
    }

    /** Where the array came from, as given to {@link #read(InputStream, String)}. */
    public String source() {
        return source;
    }

    public NpyDtype dtype() {
        return dtype;
    }

    /** The dimensions (a copy); empty for a 0-d array. */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The length of dimension {@code axis}. */
    public long dim(int axis) {
        Objects.checkIndex(axis, shape.length);
        return shape[axis];
    }

    /** The number of elements (the product of the shape; 1 for a 0-d array). */
    public long size() {
        return size;
    }

    /**
     * The flat (row-major) index of one element.
     *
     * @throws IllegalArgumentException if the number of coordinates is not the rank
     * @throws IndexOutOfBoundsException if a coordinate is outside its dimension
     */
    public long flatIndex(long... coordinates) {
        if (coordinates.length != shape.length) {
            throw new IllegalArgumentException(source + ": " + coordinates.length + " coordinates given for an array of rank "
                    + shape.length + " (shape " + formatShape(shape) + ")");
        }
        long index = 0;
        for (int axis = 0; axis < shape.length; axis++) {
            Objects.checkIndex(coordinates[axis], shape[axis]);
            index = index * shape[axis] + coordinates[axis];
        }
        return index;
    }

    /**
     * The element at a flat index as a {@code long}; unsigned types are read without sign, booleans as 0/1.
     *
     * @throws IllegalStateException if the dtype is a floating-point type (use {@link #getDouble})
     */
    public long getLong(long index) {
        if (!dtype.isIntegral()) {
            throw new IllegalStateException(source + ": dtype " + dtype.descr() + " is floating point; use getDouble");
        }
        int at = byteOffset(index);
        return switch (dtype) {
            case BOOL, UINT8 -> data.get(at) & 0xFF;
            case INT8 -> data.get(at);
            case INT16 -> data.getShort(at);
            case UINT16 -> data.getShort(at) & 0xFFFF;
            case INT32 -> data.getInt(at);
            case UINT32 -> data.getInt(at) & 0xFFFFFFFFL;
            case INT64 -> data.getLong(at);
            case FLOAT32, FLOAT64 -> throw new AssertionError(dtype);
        };
    }

    /** The element at a flat index as a {@code double}, for any dtype. */
    public double getDouble(long index) {
        return switch (dtype) {
            case FLOAT32 -> data.getFloat(byteOffset(index));
            case FLOAT64 -> data.getDouble(byteOffset(index));
            default -> getLong(index);
        };
    }

    /** The element at a flat index as a boolean: non-zero is {@code true}. */
    public boolean getBoolean(long index) {
        return getDouble(index) != 0;
    }

    /**
     * Copies {@code count} consecutive elements of a one-byte dtype ({@code |u1}, {@code |i1}, {@code |b1})
     * starting at a flat index, for example one image of an {@code (N, H, W)} stack.
     *
     * @throws IllegalStateException if the dtype is wider than one byte
     * @throws IndexOutOfBoundsException if the range is outside the array
     */
    public byte[] copyBytes(long firstIndex, int count) {
        if (dtype.itemSize() != 1) {
            throw new IllegalStateException(source + ": copyBytes needs a one-byte dtype, this array is " + dtype.descr());
        }
        Objects.checkFromIndexSize(firstIndex, count, size);
        byte[] out = new byte[count];
        data.get((int) firstIndex, out);
        return out;
    }

    /**
     * Copies {@code out.length} consecutive elements of a {@code <f4} array starting at a flat index, for example
     * one row of an {@code (N, D)} matrix of embeddings.
     *
     * @throws IllegalStateException if the dtype is not {@code <f4}
     * @throws IndexOutOfBoundsException if the range is outside the array
     */
    public void copyFloats(long firstIndex, float[] out) {
        if (dtype != NpyDtype.FLOAT32) {
            throw new IllegalStateException(source + ": copyFloats needs dtype <f4, this array is " + dtype.descr());
        }
        Objects.checkFromIndexSize(firstIndex, out.length, size);
        data.asFloatBuffer().get((int) firstIndex, out);
    }

    /** All elements as {@code long}s (integral dtypes only). */
    public long[] toLongArray() {
        long[] out = new long[Math.toIntExact(size)];
        for (int i = 0; i < out.length; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    /** All elements as {@code double}s. */
    public double[] toDoubleArray() {
        double[] out = new double[Math.toIntExact(size)];
        for (int i = 0; i < out.length; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /** Source, dtype and shape; never the data. */
    @Override
    public String toString() {
        return "NpyArray[" + source + ", " + dtype.descr() + ", shape " + formatShape(shape) + "]";
    }

    /** Python tuple notation: {@code (546, 28, 28)}, {@code (546,)}, {@code ()}. */
    public static String formatShape(long[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        return Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    private int byteOffset(long index) {
        Objects.checkIndex(index, size);
        return (int) (index * dtype.itemSize());
    }

    private static String describeBytes(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 6); i++) {
            int b = bytes[i] & 0xFF;
            sb.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02x", b));
        }
        return bytes.length == 0 ? "an empty file" : sb.toString();
    }
}
