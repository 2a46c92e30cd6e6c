package io.jomed.reader.bundle;

/**
 * Whether a {@link ModelBundle} refers to its knowledge base by path or holds a copy of it.
 *
 * <p>Enum constants are immutable and thread-safe.
 */
public enum KnowledgeBaseMode {
    /** The bundle records the knowledge base's absolute path; no case (and no patient data) is inside it. */
    PATH,
    /** The bundle holds a copy of the knowledge base's last commit in its {@code kb/} folder. */
    COPIED;

    /** The manifest spelling: {@code path} or {@code copied}. */
    public String manifestName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Parses the manifest spelling.
     *
     * @throws IllegalArgumentException naming the value and the allowed ones
     */
    public static KnowledgeBaseMode fromManifestName(String name) {
        for (KnowledgeBaseMode m : values()) {
            if (m.manifestName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("knowledge base mode must be \"path\" or \"copied\", got \"" + name + "\"");
    }
}
