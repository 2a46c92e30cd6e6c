package io.jomed.training.dataset.npy;

import static io.jomed.training.dataset.npy.NpyFixtures.f4;
import static io.jomed.training.dataset.npy.NpyFixtures.f8;
import static io.jomed.training.dataset.npy.NpyFixtures.i4;
import static io.jomed.training.dataset.npy.NpyFixtures.i8;
import static io.jomed.training.dataset.npy.NpyFixtures.npy;
import static io.jomed.training.dataset.npy.NpyFixtures.npyWithHeader;
import static io.jomed.training.dataset.npy.NpyFixtures.u1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NpyArrayTest {

    private static NpyArray read(byte[] bytes) throws IOException {
        return NpyArray.read(new ByteArrayInputStream(bytes), "test.npz, key x");
    }

    @Test
    void readsUint8WithShapeAndCoordinates() throws IOException {
        NpyArray a = read(npy("|u1", new long[] {2, 3}, u1(0, 1, 2, 200, 254, 255)));
        assertThat(a.dtype()).isEqualTo(NpyDtype.UINT8);
        assertThat(a.shape()).containsExactly(2, 3);
        assertThat(a.rank()).isEqualTo(2);
        assertThat(a.size()).isEqualTo(6);
        assertThat(a.getLong(a.flatIndex(1, 0))).isEqualTo(200);
        assertThat(a.getLong(5)).isEqualTo(255);
        assertThat(a.copyBytes(3, 3)).containsExactly(u1(200, 254, 255));
        assertThat(a.toString()).contains("test.npz, key x", "|u1", "(2, 3)");
    }

    @Test
    void readsEveryNumericDtype() throws IOException {
        assertThat(read(npy("<i8", new long[] {3}, i8(-5, 0, 1L << 40))).toLongArray())
                .containsExactly(-5, 0, 1L << 40);
        assertThat(read(npy("<i4", new long[] {2}, i4(-7, Integer.MAX_VALUE))).toLongArray())
                .containsExactly(-7, Integer.MAX_VALUE);
        assertThat(read(npy("<f4", new long[] {2}, f4(1.5f, -0.25f))).toDoubleArray()).containsExactly(1.5, -0.25);
        assertThat(read(npy("<f8", new long[] {1, 2}, f8(Math.PI, -1e300))).toDoubleArray())
                .containsExactly(Math.PI, -1e300);
        NpyArray bools = read(npy("|b1", new long[] {3}, u1(1, 0, 1)));
        assertThat(bools.dtype()).isEqualTo(NpyDtype.BOOL);
        assertThat(bools.getBoolean(0)).isTrue();
        assertThat(bools.getBoolean(1)).isFalse();
        assertThat(read(npy("|i1", new long[] {1}, u1(0xFF))).getLong(0)).isEqualTo(-1);
    }

    @Test
    void readsVersions2And3AndScalars() throws IOException {
        assertThat(read(npy(2, "<i4", false, new long[] {2}, i4(3, 4))).toLongArray()).containsExactly(3, 4);
        assertThat(read(npy(3, "<i4", false, new long[] {1}, i4(9))).toLongArray()).containsExactly(9);
        NpyArray scalar = read(npy("<f8", new long[] {}, f8(2.5)));
        assertThat(scalar.rank()).isZero();
        assertThat(scalar.size()).isEqualTo(1);
        assertThat(scalar.getDouble(0)).isEqualTo(2.5);
        NpyArray empty = read(npy("|u1", new long[] {0, 28}, new byte[0]));
        assertThat(empty.size()).isZero();
        // key order and quoting vary between writers
        assertThat(read(npyWithHeader(1, "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<i8\"}", i8(1, 2)))
                .toLongArray()).containsExactly(1, 2);
    }

    @Test
    void integerAccessOnFloatsFails() throws IOException {
        NpyArray a = read(npy("<f4", new long[] {1}, f4(1f)));
        assertThatThrownBy(() -> a.getLong(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("getDouble");
        assertThatThrownBy(() -> a.copyBytes(0, 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("<f4");
        assertThatThrownBy(() -> a.flatIndex(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.getDouble(1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void rejectsBadMagic() {
        byte[] bytes = npy("|u1", new long[] {1}, u1(1));
        bytes[1] = 'X';
        assertThatThrownBy(() -> read(bytes)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("test.npz, key x").hasMessageContaining("bad magic");
        assertThatThrownBy(() -> read(new byte[0])).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("empty file");
    }

    @Test
    void rejectsUnknownVersion() {
        byte[] bytes = npy("|u1", new long[] {1}, u1(1));
        bytes[6] = 4;
        assertThatThrownBy(() -> read(bytes)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("test.npz, key x").hasMessageContaining("version 4.0");
    }

    @Test
    void rejectsFortranOrder() {
        assertThatThrownBy(() -> read(npy(1, "<i4", true, new long[] {2, 2}, i4(1, 2, 3, 4))))
                .isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("test.npz, key x").hasMessageContaining("fortran_order");
    }

    @Test
    void rejectsBigEndianAndUnsupportedDtypes() {
        assertThatThrownBy(() -> read(npy(">i4", new long[] {1}, new byte[4]))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("test.npz, key x").hasMessageContaining("'>i4'").hasMessageContaining("big-endian");
        assertThatThrownBy(() -> read(npy("<c16", new long[] {1}, new byte[16]))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("unsupported dtype '<c16'").hasMessageContaining("|u1, <i2");
        assertThatThrownBy(() -> read(npyWithHeader(1, "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (1,), }",
                new byte[4]))).isInstanceOf(NpyFormatException.class).hasMessageContaining("structured");
    }

    @Test
    void rejectsMalformedHeaders() {
        assertThatThrownBy(() -> read(npyWithHeader(1, "{'descr': '<i4', 'shape': (1,), }", new byte[4])))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("lacks the field 'fortran_order'");
        assertThatThrownBy(() -> read(npyWithHeader(1, "{'descr': '<i4', 'fortran_order': None, 'shape': (1,)}",
                new byte[4]))).isInstanceOf(NpyFormatException.class).hasMessageContaining("malformed npy header");
    }

    @Test
    void rejectsTruncatedData() {
        byte[] full = npy("|u1", new long[] {4, 28, 28}, new byte[4 * 28 * 28]);
        byte[] cut = Arrays.copyOf(full, full.length - 100);
        assertThatThrownBy(() -> read(cut)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("test.npz, key x").hasMessageContaining("truncated")
                .hasMessageContaining("(4, 28, 28)").hasMessageContaining("3136 bytes");
        assertThatThrownBy(() -> read(Arrays.copyOf(full, 20))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void rejectsImpossibleShapes() {
        assertThatThrownBy(() -> read(npy("<f8", new long[] {1L << 40, 1L << 40}, new byte[0])))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("overflows");
        assertThatThrownBy(() -> read(npy("|u1", new long[] {1L << 20, 1L << 12}, new byte[0])))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("more than this reader supports");
    }

    @Test
    void rejectsDataLongerThanTheShape() {
        assertThatThrownBy(() -> read(npy("<i4", new long[] {2}, i4(1, 2, 3)))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("test.npz, key x").hasMessageContaining("shape/size mismatch")
                .hasMessageContaining("4 more bytes");
    }
}
