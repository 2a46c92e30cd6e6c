package io.jomed.retriever.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a minimal TorchScript archive without PyTorch, for tests: a module class {@code __torch__.NAME} with
 * float32 parameters and the given TorchScript {@code forward} source. The zip holds {@code NAME/data.pkl}
 * (pickle protocol 2 rebuilding each tensor with {@code torch._utils._rebuild_tensor_v2} from persistent
 * storage ids), {@code NAME/code/__torch__.py}, {@code NAME/constants.pkl}, {@code NAME/version} (3),
 * {@code NAME/byteorder} and {@code NAME/data/0..n} (raw little-endian float32), all stored uncompressed.
 * The archive loads and runs in libtorch 2.7.1 through DJL's PyTorch engine.
 *
 * <p>Example: {@code new TorchScriptArchiveWriter("Linear").parameter("weight", w, 3, 4).write(file, forward)}.
 *
 * <p>Not thread-safe.
 */
public final class TorchScriptArchiveWriter {
    private final String name;
    private final Map<String, float[]> values = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private boolean training = true;

    /** @param name the module's class name, a Python identifier; also the archive's root folder */
    public TorchScriptArchiveWriter(String name) {
        this.name = Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("module name must be a Python identifier, got \"" + name + "\"");
        }
    }

    /**
     * Adds a float32 parameter, stored contiguously (row-major) in the given shape.
     *
     * @throws IllegalArgumentException if the shape does not hold exactly {@code data.length} values
     */
    public TorchScriptArchiveWriter parameter(String parameter, float[] data, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(parameter + ": shape holds " + n + " values, data " + data.length);
        }
        values.put(parameter, data.clone());
        shapes.put(parameter, shape.clone());
        return this;
    }

    /** The module's {@code training} attribute; default true. */
    public TorchScriptArchiveWriter training(boolean training) {
        this.training = training;
        return this;
    }

    /**
     * Writes the archive.
     *
     * @param forward the {@code def forward(...)} method, indented by two spaces, after the class header
     */
    public void write(Path file, String forward) throws IOException {
        StringBuilder code = new StringBuilder();
        code.append("class ").append(name).append("(Module):\n");
        code.append("  __parameters__ = [");
        for (String p : values.keySet()) {
            code.append('"').append(p).append("\", ");
        }
        code.append("]\n  __buffers__ = []\n");
        for (String p : values.keySet()) {
            code.append("  ").append(p).append(" : Tensor\n");
        }
        code.append("  training : bool\n").append(forward);

        Pickle data = new Pickle();
        data.proto();
        data.global("__torch__", name);
        data.op(')');
        data.op(0x81); // NEWOBJ
        data.op('}');
        data.op('(');
        data.string("training");
        data.op(training ? 0x88 : 0x89); // NEWTRUE or NEWFALSE
        int key = 0;
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            data.string(e.getKey());
            data.tensor(Integer.toString(key++), e.getValue().length, shapes.get(e.getKey()));
        }
        data.op('u'); // SETITEMS
        data.op('b'); // BUILD
        data.op('.');

        Pickle constants = new Pickle();
        constants.proto();
        constants.op(')');
        constants.op('.');

        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            stored(zip, name + "/data.pkl", data.bytes());
            stored(zip, name + "/code/__torch__.py", code.toString().getBytes(StandardCharsets.UTF_8));
            stored(zip, name + "/constants.pkl", constants.bytes());
            stored(zip, name + "/version", "3\n".getBytes(StandardCharsets.UTF_8));
            stored(zip, name + "/byteorder", "little".getBytes(StandardCharsets.UTF_8));
            key = 0;
            for (float[] v : values.values()) {
                stored(zip, name + "/data/" + key++, littleEndian(v));
            }
        }
    }

    private static void stored(ZipOutputStream zip, String entryName, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(entryName);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(bytes.length);
        entry.setCompressedSize(bytes.length);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    /** The few pickle opcodes a TorchScript data.pkl needs. */
    private static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void proto() {
            out.write(0x80);
            out.write(2);
        }

        void op(int code) {
            out.write(code);
        }

        void global(String module, String attribute) {
            out.write('c');
            out.writeBytes((module + "\n" + attribute + "\n").getBytes(StandardCharsets.UTF_8));
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            int32(b.length);
            out.writeBytes(b);
        }

        void integer(long v) {
            out.write('J');
            int32(Math.toIntExact(v));
        }

        private void int32(int v) {
            out.write(v);
            out.write(v >>> 8);
            out.write(v >>> 16);
            out.write(v >>> 24);
        }

        void tensor(String storageKey, int numel, long[] shape) {
            global("torch._utils", "_rebuild_tensor_v2");
            op('(');
            // persistent id: ('storage', torch.FloatStorage, key, 'cpu', numel)
            op('(');
            string("storage");
            global("torch", "FloatStorage");
            string(storageKey);
            string("cpu");
            integer(numel);
            op('t');
            op('Q'); // BINPERSID
            integer(0); // storage offset
            op('(');
            for (long d : shape) {
                integer(d);
            }
            op('t');
            op('(');
            long stride = 1;
            long[] strides = new long[shape.length];
            for (int i = shape.length - 1; i >= 0; i--) {
                strides[i] = stride;
                stride *= shape[i];
            }
            for (long s : strides) {
                integer(s);
            }
            op('t');
            op(0x89); // NEWFALSE: requires_grad
            global("collections", "OrderedDict");
            op(')');
            op('R');
            op('t');
            op('R');
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
