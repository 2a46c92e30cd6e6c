package io.jomed.training.dataset.npy;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Objects;

/**
 * Writes {@code .npy} files (format 1.0, little-endian, C order) that numpy and {@link NpyArray} read back.
 * A file is written to a temporary sibling and moved into place, so a failed write never leaves a partial file.
 *
 * <p>Stateless and thread-safe.
 */
public final class NpyWriter {

    private NpyWriter() {
    }

    /**
     * Writes a {@code (rows, columns)} matrix of {@code <f4}.
     *
     * @param rows the rows; each must have the same, non-zero length
     * @throws IllegalArgumentException if there are no rows or the rows differ in length
     */
    public static void writeFloat32(Path file, float[][] rows) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(rows, "rows");
        if (rows.length == 0 || rows[0].length == 0) {
            throw new IllegalArgumentException("a matrix for " + file + " needs at least one row and one column");
        }
        int columns = rows[0].length;
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != columns) {
                throw new IllegalArgumentException("row " + i + " of the matrix for " + file + " has " + rows[i].length
                        + " columns, row 0 has " + columns);
            }
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            out.write(header("<f4", rows.length, columns));
            ByteBuffer row = ByteBuffer.allocate(columns * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] r : rows) {
                row.clear();
                row.asFloatBuffer().put(r);
                out.write(row.array());
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The magic, version, header length and header dict, padded with spaces to a multiple of 64 bytes. */
    private static byte[] header(String descr, long rows, long columns) {
        String dict = String.format(Locale.ROOT, "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }", descr, rows,
                columns);
        int unpadded = 10 + dict.length() + 1;
        int padded = (unpadded + 63) / 64 * 64;
        String text = dict + " ".repeat(padded - unpadded) + "\n";
        ByteBuffer b = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) text.length());
        b.put(text.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }
}
