package io.jomed.training.alignment;

import io.jomed.api.image.MedicalImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Throwaway reader of MedMNIST .npz files for the alignment measurement only (the library's own dataset
 * reader lives elsewhere): uint8 images {@code (N,H,W)} or {@code (N,H,W,3)} and uint8 labels {@code (N,)} or
 * {@code (N,1)}, .npy format version 1.
 */
final class MeasurementNpz {
    private static final Pattern SHAPE = Pattern.compile("'shape': \\(([^)]*)\\)");

    record Split(List<MedicalImage> images, int[] labels) {
    }

    private MeasurementNpz() {
    }

    static Map<String, Split> read(Path file) throws IOException {
        Map<String, byte[]> arrays = new HashMap<>();
        Map<String, int[]> shapes = new HashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                try (InputStream in = zip.getInputStream(e)) {
                    byte[] all = in.readAllBytes();
                    if (all[0] != (byte) 0x93 || all[6] != 1) {
                        throw new IOException(file + ": " + e.getName() + " is not a .npy v1 array");
                    }
                    int headerLength = (all[8] & 0xFF) | (all[9] & 0xFF) << 8;
                    String header = new String(all, 10, headerLength, StandardCharsets.ISO_8859_1);
                    if (!header.contains("'|u1'") || header.contains("'fortran_order': True")) {
                        throw new IOException(file + ": " + e.getName() + " is not a C-order uint8 array: " + header);
                    }
                    Matcher m = SHAPE.matcher(header);
                    if (!m.find()) {
                        throw new IOException(file + ": " + e.getName() + " has no shape: " + header);
                    }
                    String[] dims = m.group(1).split(",");
                    List<Integer> shape = new ArrayList<>();
                    for (String d : dims) {
                        if (!d.isBlank()) {
                            shape.add(Integer.parseInt(d.trim()));
                        }
                    }
                    String name = e.getName().replace(".npy", "");
                    arrays.put(name, java.util.Arrays.copyOfRange(all, 10 + headerLength, all.length));
                    shapes.put(name, shape.stream().mapToInt(Integer::intValue).toArray());
                }
            }
        }
        Map<String, Split> splits = new HashMap<>();
        for (String split : List.of("train", "val", "test")) {
            byte[] px = arrays.get(split + "_images");
            int[] shape = shapes.get(split + "_images");
            int n = shape[0];
            int h = shape[1];
            int w = shape[2];
            int c = shape.length == 4 ? shape[3] : 1;
            List<MedicalImage> images = new ArrayList<>(n);
            int size = h * w * c;
            for (int i = 0; i < n; i++) {
                images.add(MedicalImage.ofPixels(w, h, c, java.util.Arrays.copyOfRange(px, i * size, (i + 1) * size)));
            }
            byte[] lb = arrays.get(split + "_labels");
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = lb[i] & 0xFF;
            }
            splits.put(split, new Split(images, labels));
        }
        return splits;
    }
}
