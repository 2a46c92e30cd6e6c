package io.jomed.training.dataset.npy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriterTest {

    @TempDir
    Path dir;

    @Test
    void float32MatrixRoundTripsThroughNpyArray() throws Exception {
        float[][] rows = {{1.5f, -2f, 0f}, {Float.MIN_VALUE, 3e30f, -0.25f}};
        Path file = dir.resolve("m.npy");
        NpyWriter.writeFloat32(file, rows);
        assertThat(Files.size(file) % 64).isEqualTo(24 % 64); // 64-byte aligned header + 24 bytes of data
        NpyArray read = NpyArray.read(file);
        assertThat(read.dtype()).isEqualTo(NpyDtype.FLOAT32);
        assertThat(read.shape()).containsExactly(2, 3);
        float[] row = new float[3];
        read.copyFloats(3, row);
        assertThat(row).containsExactly(rows[1]);
        assertThat(read.getDouble(1)).isEqualTo(-2.0);
        assertThatThrownBy(() -> read.copyFloats(4, row)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(Files.exists(dir.resolve("m.npy.tmp"))).isFalse();
    }

    @Test
    void raggedOrEmptyMatricesAreRefusedWithoutWritingAFile() {
        Path file = dir.resolve("bad.npy");
        assertThatThrownBy(() -> NpyWriter.writeFloat32(file, new float[][] {{1, 2}, {3}}))
                .hasMessageContaining("row 1 of the matrix for " + file + " has 1 columns, row 0 has 2");
        assertThatThrownBy(() -> NpyWriter.writeFloat32(file, new float[0][])).hasMessageContaining("at least one row");
        assertThat(Files.exists(file)).isFalse();
    }
}
