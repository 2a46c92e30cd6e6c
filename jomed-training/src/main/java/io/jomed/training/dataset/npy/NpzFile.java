package io.jomed.training.dataset.npy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A numpy {@code .npz} archive: a zip (stored or deflated, with or without the ZIP64 local headers numpy
 * writes) of {@code <key>.npy} members. Arrays are read on demand with {@link #array(String)}.
 *
 * <p>Instances are thread-safe (concurrent {@link #array} calls are allowed); the open archive holds a file
 * handle, so close it when done.
 */
public final class NpzFile implements AutoCloseable {

    private final Path file;
    private final ZipFile zip;
    private final Map<String, ZipEntry> entries;

    private NpzFile(Path file, ZipFile zip, Map<String, ZipEntry> entries) {
        this.file = file;
        this.zip = zip;
        this.entries = entries;
    }

    /**
     * Opens an archive and lists its arrays.
     *
     * @throws NoSuchFileException if the file does not exist
     * @throws NpyFormatException naming the file if it is not a zip archive (for example truncated) or
     *     holds a member that is not {@code .npy}
     * @throws IOException if the file cannot be read
     */
    public static NpzFile open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "npz file does not exist");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new NpyFormatException(file + ": not a valid npz (zip) archive; it may be truncated or not a zip"
                    + " at all: " + e.getMessage(), e);
        }
        try {
            Map<String, ZipEntry> entries = new LinkedHashMap<>();
            for (ZipEntry e : Collections.list(zip.entries())) {
                if (e.isDirectory()) {
                    continue;
                }
                if (!e.getName().endsWith(".npy")) {
                    throw new NpyFormatException(file + ": member \"" + e.getName() + "\" is not a .npy array; an npz"
                            + " archive holds only <key>.npy members");
                }
                entries.put(e.getName().substring(0, e.getName().length() - 4), e);
            }
            return new NpzFile(file, zip, Collections.unmodifiableMap(entries));
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /** The archive's path. */
    public Path file() {
        return file;
    }

    /** The array keys in archive order (member names without {@code .npy}); unmodifiable. */
    public List<String> keys() {
        return List.copyOf(entries.keySet());
    }

    public boolean contains(String key) {
        return entries.containsKey(Objects.requireNonNull(key, "key"));
    }

    /**
     * Reads one array. Its {@linkplain NpyArray#source() source} is {@code <file>, key <key>}.
     *
     * @throws NoSuchElementException naming the file and listing the available keys if there is no such key
     * @throws NpyFormatException naming file and key if the member is corrupt, truncated or unsupported
     * @throws IOException if the file cannot be read
     */
    public NpyArray array(String key) throws IOException {
        Objects.requireNonNull(key, "key");
        ZipEntry entry = entries.get(key);
        if (entry == null) {
            throw new NoSuchElementException(file + ": no array \"" + key + "\"; available keys: " + keys());
        }
        String source = file + ", key " + key;
        try (InputStream in = zip.getInputStream(entry)) {
            return NpyArray.read(in, source);
        } catch (NpyFormatException e) {
            throw e;
        } catch (ZipException | java.io.EOFException e) {
            throw new NpyFormatException(source + ": the compressed member is corrupt or truncated: " + e.getMessage(), e);
        }
    }

    /** Names the keys of the archive in order; convenience for messages. */
    @Override
    public String toString() {
        return "NpzFile[" + file + ", keys " + new ArrayList<>(entries.keySet()) + "]";
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
