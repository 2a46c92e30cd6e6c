package io.jomed.retriever.encoding;

import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.spi.ImageEncoderProvider;
import io.jomed.api.spi.ProviderConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Provides an {@link ImageTowerEncoder} for a saved {@link ImageTower} under the name {@code conv-tower};
 * setting {@code path}: the file written by {@link ImageTower#save(Path)}.
 *
 * <p>Stateless and thread-safe.
 */
public final class ImageTowerEncoderProvider implements ImageEncoderProvider {
    @Override
    public String name() {
        return ImageTower.KIND;
    }

    @Override
    public String description() {
        return "trainable convolutional image tower f0; setting path = saved tower file";
    }

    @Override
    public ImageEncoder create(ProviderConfig config) {
        Path path = config.requirePath("path");
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("provider " + name() + ": setting \"path\" names no file: " + path);
        }
        return ImageTowerEncoder.load(path);
    }
}
