package io.jomed.reader.bundle;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a bundle's knowledge base lives: an absolute path outside the bundle ({@link KnowledgeBaseMode#PATH}),
 * or the bundle's own {@code kb/} folder ({@link KnowledgeBaseMode#COPIED}).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param mode by path or copied
 * @param path the absolute folder (path mode) or {@code kb/} (copied mode)
 */
public record KnowledgeBaseReference(KnowledgeBaseMode mode, String path) {
    /** The folder of a copied knowledge base inside a bundle. */
    public static final String COPIED_FOLDER = "kb/";

    public KnowledgeBaseReference {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(path, "path");
        if (mode == KnowledgeBaseMode.COPIED && !path.equals(COPIED_FOLDER)) {
            throw new IllegalArgumentException("a copied knowledge base lives in \"" + COPIED_FOLDER + "\", got \"" + path + "\"");
        }
        if (mode == KnowledgeBaseMode.PATH && !Path.of(path).isAbsolute()) {
            throw new IllegalArgumentException("a knowledge base referenced by path needs an absolute path, got \"" + path + "\"");
        }
    }

    /** The knowledge base folder of a bundle in {@code bundleDirectory}. */
    public Path resolve(Path bundleDirectory) {
        Objects.requireNonNull(bundleDirectory, "bundleDirectory");
        return mode == KnowledgeBaseMode.COPIED ? bundleDirectory.resolve("kb") : Path.of(path);
    }
}
