package io.jomed.reader.torchscript;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive of a linear reader, {@code logits = W . cat(flatten(query), flatten(case),
 * text, question, flag) + b}, without PyTorch: a stored zip with the module's code, a protocol-2 pickle that
 * rebuilds the two tensors with {@code torch._utils._rebuild_tensor_v2}, and raw little-endian float32
 * storages. Test fixture only; stateless.
 */
final class TorchScriptArchiveWriter {
    private static final String CODE = """
            class LinearReader(Module):
              __parameters__ = ["weight", "bias", ]
              __buffers__ = []
              weight : Tensor
              bias : Tensor
              training : bool
              def forward(self: __torch__.LinearReader,
                query: Tensor,
                case: Tensor,
                text: Tensor,
                question: Tensor,
                flag: Tensor) -> Tensor:
                x = torch.cat([torch.flatten(query, 1), torch.flatten(case, 1), text, question, flag], 1)
                return torch.linear(x, self.weight, self.bias)
            """;

    private TorchScriptArchiveWriter() {
    }

    static void writeLinearReader(Path file, float[] weight, int outputs, int inputs, float[] bias) throws IOException {
        String root = "linear_reader/";
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(zip, root + "data.pkl", dataPickle(outputs, inputs));
            stored(zip, root + "code/__torch__.py", CODE.getBytes(StandardCharsets.UTF_8));
            stored(zip, root + "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            stored(zip, root + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
            stored(zip, root + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            stored(zip, root + "data/0", floats(weight));
            stored(zip, root + "data/1", floats(bias));
        }
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    private static byte[] floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    private static byte[] dataPickle(int outputs, int inputs) throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(new byte[] {(byte) 0x80, 2});
        global(p, "__torch__", "LinearReader");
        p.write(')');
        p.write(0x81); // NEWOBJ
        p.write('}');
        p.write('(');
        unicode(p, "training");
        p.write(0x89); // NEWFALSE
        unicode(p, "weight");
        tensor(p, "0", new int[] {outputs, inputs});
        unicode(p, "bias");
        tensor(p, "1", new int[] {outputs});
        p.write('u'); // SETITEMS
        p.write('b'); // BUILD
        p.write('.');
        return p.toByteArray();
    }

    private static void tensor(OutputStream p, String key, int[] size) throws IOException {
        int numel = 1;
        for (int s : size) {
            numel *= s;
        }
        global(p, "torch._utils", "_rebuild_tensor_v2");
        p.write('(');
        p.write('(');
        unicode(p, "storage");
        global(p, "torch", "FloatStorage");
        unicode(p, key);
        unicode(p, "cpu");
        binint(p, numel);
        p.write('t');
        p.write('Q'); // BINPERSID
        binint(p, 0);
        p.write('(');
        for (int s : size) {
            binint(p, s);
        }
        p.write('t');
        p.write('(');
        int stride = 1;
        int[] strides = new int[size.length];
        for (int i = size.length - 1; i >= 0; i--) {
            strides[i] = stride;
            stride *= size[i];
        }
        for (int s : strides) {
            binint(p, s);
        }
        p.write('t');
        p.write(0x89); // requires_grad False
        global(p, "collections", "OrderedDict");
        p.write(')');
        p.write('R');
        p.write('t');
        p.write('R');
    }

    private static void global(OutputStream p, String module, String name) throws IOException {
        p.write('c');
        p.write((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private static void unicode(OutputStream p, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        p.write('X');
        p.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        p.write(b);
    }

    private static void binint(OutputStream p, int v) throws IOException {
        p.write('J');
        p.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }
}
