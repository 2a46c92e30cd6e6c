package io.jomed.training.dataset.npy;

import static io.jomed.training.dataset.npy.NpyFixtures.i8;
import static io.jomed.training.dataset.npy.NpyFixtures.npy;
import static io.jomed.training.dataset.npy.NpyFixtures.u1;
import static io.jomed.training.dataset.npy.NpyFixtures.writeNpz;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpzFileTest {

    @TempDir
    Path dir;

    private Map<String, byte[]> twoArrays() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("images", npy("|u1", new long[] {2, 2}, u1(1, 2, 3, 4)));
        m.put("labels", npy("<i8", new long[] {2}, i8(7, 8)));
        return m;
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void readsDeflatedAndStoredMembers(boolean deflate) throws IOException {
        Path file = writeNpz(dir.resolve("a.npz"), twoArrays(), deflate);
        try (NpzFile npz = NpzFile.open(file)) {
            assertThat(npz.keys()).containsExactly("images", "labels");
            assertThat(npz.contains("labels")).isTrue();
            NpyArray images = npz.array("images");
            assertThat(images.copyBytes(0, 4)).containsExactly(u1(1, 2, 3, 4));
            assertThat(images.source()).isEqualTo(file + ", key images");
            assertThat(npz.array("labels").toLongArray()).containsExactly(7, 8);
        }
    }

    @Test
    void missingKeyListsTheAvailableKeys() throws IOException {
        Path file = writeNpz(dir.resolve("a.npz"), twoArrays(), true);
        try (NpzFile npz = NpzFile.open(file)) {
            assertThatThrownBy(() -> npz.array("train_images")).isInstanceOf(NoSuchElementException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("train_images")
                    .hasMessageContaining("[images, labels]");
        }
    }

    @Test
    void brokenMemberNamesFileAndKey() throws IOException {
        Map<String, byte[]> m = twoArrays();
        byte[] bad = m.get("labels").clone();
        bad[0] = 'P';
        m.put("labels", bad);
        Path file = writeNpz(dir.resolve("a.npz"), m, true);
        try (NpzFile npz = NpzFile.open(file)) {
            assertThatThrownBy(() -> npz.array("labels")).isInstanceOf(NpyFormatException.class)
                    .hasMessageContaining(file + ", key labels").hasMessageContaining("bad magic");
        }
    }

    @Test
    void truncatedArchiveIsRejected() throws IOException {
        Path file = writeNpz(dir.resolve("a.npz"), twoArrays(), true);
        byte[] bytes = Files.readAllBytes(file);
        Path cut = Files.write(dir.resolve("cut.npz"), Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> NpzFile.open(cut)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(cut.toString()).hasMessageContaining("truncated");
    }

    @Test
    void notAZipAndMissingFileAreRejected() throws IOException {
        Path text = Files.writeString(dir.resolve("text.npz"), "hello, not a zip");
        assertThatThrownBy(() -> NpzFile.open(text)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(text.toString());
        assertThatThrownBy(() -> NpzFile.open(dir.resolve("absent.npz"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("absent.npz");
    }

    @Test
    void nonNpyMemberIsRejected() throws IOException {
        Path file = dir.resolve("odd.npz");
        try (var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new java.util.zip.ZipEntry("readme.txt"));
            zip.write(u1('h', 'i'));
            zip.closeEntry();
        }
        assertThatThrownBy(() -> NpzFile.open(file)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("readme.txt");
    }
}
