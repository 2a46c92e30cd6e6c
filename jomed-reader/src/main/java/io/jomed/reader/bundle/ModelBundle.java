package io.jomed.reader.bundle;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jomed.api.diagnosis.FusionWeighting;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.reading.LabelSpace;
import io.jomed.api.retrieval.RetrievalOptions;
import io.jomed.api.retrieval.RetrieverHead;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The description of a saved model bundle: the contents of its {@code manifest.json}, read and verified by
 * {@link #read(Path)}, written by {@link ModelBundleWriter}, opened as a pipeline by {@link LoadedPipeline}.
 *
 * <p><b>Bundle layout</b> (format version {@value #FORMAT_VERSION}), one folder:
 * <pre>
 * manifest.json         this description (below)
 * f0.tower              the frozen image key encoder f0 ({@code ImageTower.save})
 * head-image.tower      optional: the image head's trained query tower f_theta (phase 2); absent: the head uses f0
 * head-text.tower       optional: the text head's trained query tower; absent: the head uses f0
 * reader.model          the reader ({@code ClassifierReaderModel.save})
 * kb/                   optional: a copy of the knowledge base's last Lucene commit (copied mode only)
 * </pre>
 * {@code manifest.json} holds:
 * <ul>
 *   <li>{@code formatVersion} (this layout's version), {@code jomedVersion} (the library that wrote it),
 *       {@code createdAt} (ISO-8601 instant);</li>
 *   <li>{@code task} and {@code labelSpace} ({@code labels} in class order, optional {@code positive});</li>
 *   <li>{@code preset}: optional {@code name} and the {@code configuration} map of strings it was trained with;</li>
 *   <li>{@code encoders}: {@code imageKey} (f0's fingerprint), {@code heads} (each trained tower's fingerprint),
 *       {@code textKey} and {@code readerText} (provider name, provider settings and fingerprint: text encoders
 *       are re-created through {@link io.jomed.api.spi.Providers}, not stored);</li>
 *   <li>{@code inference}: {@code alpha} (weight of the trained towers), {@code kPerHead}, {@code excludeSameImage},
 *       {@code filters}, {@code fusion} (the {@link FusionWeighting});</li>
 *   <li>{@code knowledgeBase}: {@code {"mode": "path", "path": "/abs/kb"}} (no case inside the bundle) or
 *       {@code {"mode": "copied", "path": "kb/"}};</li>
 *   <li>{@code files}: every other file of the bundle (names relative to the bundle folder, {@code /}-separated)
 *       with its {@code sha256} and {@code size}.</li>
 * </ul>
 * A bundle is immutable once written: files not listed in the manifest (such as Lucene's {@code kb/write.lock})
 * are ignored, listed files must match their checksums.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ModelBundle {
    /** The bundle layout version this library writes and reads. */
    public static final int FORMAT_VERSION = 1;
    /** The manifest's file name. */
    public static final String MANIFEST = "manifest.json";
    /** The file of the frozen image key encoder f0. */
    public static final String IMAGE_KEY_ENCODER_FILE = "f0.tower";
    /** The file of the reader model. */
    public static final String READER_FILE = "reader.model";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path directory;
    private final int formatVersion;
    private final String jomedVersion;
    private final Instant createdAt;
    private final LabelSpace labelSpace;
    private final String presetName;
    private final Map<String, String> configuration;
    private final EncoderFingerprint imageKeyEncoder;
    private final Map<RetrieverHead, EncoderFingerprint> headTowers;
    private final EncoderReference textKeyEncoder;
    private final EncoderReference readerTextEncoder;
    private final double alpha;
    private final RetrievalOptions retrievalOptions;
    private final FusionWeighting fusionWeighting;
    private final KnowledgeBaseReference knowledgeBase;
    private final Map<String, BundleFile> files;

    ModelBundle(Path directory, String jomedVersion, Instant createdAt, LabelSpace labelSpace, String presetName,
            Map<String, String> configuration, EncoderFingerprint imageKeyEncoder,
            Map<RetrieverHead, EncoderFingerprint> headTowers, EncoderReference textKeyEncoder,
            EncoderReference readerTextEncoder, double alpha, RetrievalOptions retrievalOptions,
            FusionWeighting fusionWeighting, KnowledgeBaseReference knowledgeBase, Map<String, BundleFile> files) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.formatVersion = FORMAT_VERSION;
        this.jomedVersion = Objects.requireNonNull(jomedVersion, "jomedVersion");
        this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
        this.labelSpace = Objects.requireNonNull(labelSpace, "labelSpace");
        this.presetName = presetName;
        this.configuration = Collections.unmodifiableMap(new TreeMap<>(configuration));
        this.imageKeyEncoder = Objects.requireNonNull(imageKeyEncoder, "imageKeyEncoder");
        Map<RetrieverHead, EncoderFingerprint> heads = new EnumMap<>(RetrieverHead.class);
        heads.putAll(headTowers);
        this.headTowers = Collections.unmodifiableMap(heads);
        this.textKeyEncoder = Objects.requireNonNull(textKeyEncoder, "textKeyEncoder");
        this.readerTextEncoder = Objects.requireNonNull(readerTextEncoder, "readerTextEncoder");
        this.alpha = alpha;
        this.retrievalOptions = Objects.requireNonNull(retrievalOptions, "retrievalOptions");
        this.fusionWeighting = Objects.requireNonNull(fusionWeighting, "fusionWeighting");
        this.knowledgeBase = Objects.requireNonNull(knowledgeBase, "knowledgeBase");
        this.files = Collections.unmodifiableMap(new TreeMap<>(files));
    }

    /** The file of a head's trained query tower: {@code head-image.tower} or {@code head-text.tower}. */
    public static String headTowerFile(RetrieverHead head) {
        return "head-" + head.name().toLowerCase(Locale.ROOT) + ".tower";
    }

    /** The version of this jomed library, as recorded in the bundles it writes. */
    public static String libraryVersion() {
        try (InputStream in = ModelBundle.class.getResourceAsStream("jomed-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The folder the bundle was read from or written to. */
    public Path directory() {
        return directory;
    }

    public int formatVersion() {
        return formatVersion;
    }

    /** The version of the jomed library that wrote the bundle. */
    public String jomedVersion() {
        return jomedVersion;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** The task name, {@code labelSpace().name()}. */
    public String task() {
        return labelSpace.name();
    }

    public LabelSpace labelSpace() {
        return labelSpace;
    }

    /** The name of the preset the pipeline was trained with, if one was recorded. */
    public Optional<String> presetName() {
        return Optional.ofNullable(presetName);
    }

    /** The configuration the pipeline was trained with (preset values and overrides); unmodifiable, sorted. */
    public Map<String, String> configuration() {
        return configuration;
    }

    /** The fingerprint of the frozen image key encoder f0. */
    public EncoderFingerprint imageKeyEncoder() {
        return imageKeyEncoder;
    }

    /** The fingerprints of the heads' trained query towers; a head without one queries with f0. */
    public Map<RetrieverHead, EncoderFingerprint> headTowers() {
        return headTowers;
    }

    /** The frozen text key encoder g0. */
    public EncoderReference textKeyEncoder() {
        return textKeyEncoder;
    }

    /** The text encoder the reader was made for. */
    public EncoderReference readerTextEncoder() {
        return readerTextEncoder;
    }

    /** The weight of the trained towers in {@code e_h = alpha f_theta,h + (1 - alpha) f0}. */
    public double alpha() {
        return alpha;
    }

    public RetrievalOptions retrievalOptions() {
        return retrievalOptions;
    }

    public FusionWeighting fusionWeighting() {
        return fusionWeighting;
    }

    public KnowledgeBaseReference knowledgeBase() {
        return knowledgeBase;
    }

    /** Every checksummed file, by name relative to the bundle folder; unmodifiable, sorted. */
    public Map<String, BundleFile> files() {
        return files;
    }

    @Override
    public String toString() {
        return "ModelBundle[" + directory + ", task " + task() + ", format " + formatVersion + ", jomed " + jomedVersion
                + ", " + files.size() + " files, knowledge base " + knowledgeBase.mode().manifestName() + "]";
    }

    // ------------------------------------------------------------------------------------------ reading

    /**
     * Reads a bundle's manifest and verifies it: the format version first, then the size and SHA-256 of every
     * listed file. Opens no model.
     *
     * @throws InvalidBundleException naming the bundle and, where it applies, the file or manifest field, with
     *     expected and actual values
     */
    public static ModelBundle read(Path directory) {
        Objects.requireNonNull(directory, "directory");
        Path manifest = directory.resolve(MANIFEST);
        if (!Files.isDirectory(directory)) {
            throw new InvalidBundleException("bundle " + directory + " does not exist or is not a folder");
        }
        JsonNode root;
        try {
            root = JSON.readTree(manifest.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new InvalidBundleException("bundle " + directory + " has no " + MANIFEST, e);
        } catch (JsonProcessingException e) {
            throw new InvalidBundleException("bundle " + directory + ": " + MANIFEST + " is not valid JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("bundle " + directory + ": cannot read " + MANIFEST + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidBundleException("bundle " + directory + ": " + MANIFEST + " is not a JSON object");
        }
        ManifestFields m = new ManifestFields(directory, root);
        JsonNode version = root.get("formatVersion");
        if (version == null || !version.canConvertToInt()) {
            throw new InvalidBundleException("bundle " + directory + ": " + MANIFEST
                    + " has no integer field \"formatVersion\"; it was not written by jomed");
        }
        if (version.asInt() != FORMAT_VERSION) {
            throw new InvalidBundleException("bundle " + directory + " has format version " + version.asInt()
                    + ", this jomed reads " + FORMAT_VERSION + " (written by jomed "
                    + root.path("jomedVersion").asText("unknown") + ", this is jomed " + libraryVersion() + ")");
        }
        ModelBundle bundle = fromJson(m);
        bundle.verifyFiles();
        return bundle;
    }

    private static ModelBundle fromJson(ManifestFields m) {
        Instant createdAt;
        try {
            createdAt = Instant.parse(m.text("createdAt"));
        } catch (DateTimeParseException e) {
            throw m.invalid("createdAt", "is not an ISO-8601 instant: " + e.getParsedString());
        }
        LabelSpace labelSpace = m.parse("labelSpace", () -> {
            LabelSpace.Builder b = LabelSpace.builder().setName(m.text("task"));
            for (JsonNode l : m.array("labelSpace.labels")) {
                b.addLabel(l.asText());
            }
            m.optText("labelSpace.positive").ifPresent(b::optPositiveLabel);
            return b.build();
        });
        Map<String, String> configuration = m.stringMap("preset.configuration");
        String presetName = m.optText("preset.name").orElse(null);
        EncoderFingerprint imageKey = m.fingerprint("encoders.imageKey");
        Map<RetrieverHead, EncoderFingerprint> heads = new EnumMap<>(RetrieverHead.class);
        for (Map.Entry<String, String> e : m.stringMap("encoders.heads").entrySet()) {
            RetrieverHead head = m.parse("encoders.heads." + e.getKey(),
                    () -> RetrieverHead.valueOf(e.getKey().toUpperCase(Locale.ROOT)));
            heads.put(head, m.fingerprint("encoders.heads." + e.getKey()));
        }
        EncoderReference textKey = m.encoderReference("encoders.textKey");
        EncoderReference readerText = m.encoderReference("encoders.readerText");
        double alpha = m.number("inference.alpha");
        RetrievalOptions options = m.parse("inference", () -> {
            RetrievalOptions.Builder b = RetrievalOptions.builder().optKPerHead(m.integer("inference.kPerHead"))
                    .optExcludeSameImage(m.bool("inference.excludeSameImage"));
            m.stringMap("inference.filters").forEach(b::optFilter);
            return b.build();
        });
        FusionWeighting fusion = m.parse("inference.fusion", () -> FusionWeighting.valueOf(m.text("inference.fusion")));
        KnowledgeBaseReference kb = m.parse("knowledgeBase", () -> new KnowledgeBaseReference(
                KnowledgeBaseMode.fromManifestName(m.text("knowledgeBase.mode")), m.text("knowledgeBase.path")));
        Map<String, BundleFile> files = new LinkedHashMap<>();
        JsonNode filesNode = m.object("files");
        for (Map.Entry<String, JsonNode> e : filesNode.properties()) {
            checkFileName(m.directory, e.getKey());
            files.put(e.getKey(), m.bundleFile(e.getKey(), e.getValue()));
        }
        ModelBundle bundle = new ModelBundle(m.directory, m.text("jomedVersion"), createdAt, labelSpace, presetName,
                configuration, imageKey, heads, textKey, readerText, alpha, options, fusion, kb, files);
        bundle.requireListed(IMAGE_KEY_ENCODER_FILE);
        bundle.requireListed(READER_FILE);
        for (RetrieverHead h : heads.keySet()) {
            bundle.requireListed(headTowerFile(h));
        }
        if (kb.mode() == KnowledgeBaseMode.COPIED
                && files.keySet().stream().noneMatch(f -> f.startsWith(KnowledgeBaseReference.COPIED_FOLDER + "segments_"))) {
            throw new InvalidBundleException("bundle " + m.directory + ": the knowledge base is marked as copied, but "
                    + MANIFEST + " lists no kb/segments_N file");
        }
        return bundle;
    }

    private void requireListed(String name) {
        if (!files.containsKey(name)) {
            throw new InvalidBundleException("bundle " + directory + ": " + MANIFEST + " lists no checksum for " + name);
        }
    }

    /** Rejects names that would point outside the bundle folder. */
    static void checkFileName(Path directory, String name) {
        Path p = Path.of(name);
        if (name.isEmpty() || p.isAbsolute() || name.contains("\\") || p.normalize().startsWith("..")
                || !p.normalize().toString().equals(name) || name.equals(MANIFEST)) {
            throw new InvalidBundleException("bundle " + directory + ": " + MANIFEST + " lists the file name \"" + name
                    + "\", which is not a plain relative path inside the bundle");
        }
    }

    private void verifyFiles() {
        for (Map.Entry<String, BundleFile> e : files.entrySet()) {
            Path file = directory.resolve(e.getKey());
            BundleFile expected = e.getValue();
            if (!Files.isRegularFile(file)) {
                throw new InvalidBundleException("bundle " + directory + ": file " + e.getKey()
                        + " listed in " + MANIFEST + " is missing");
            }
            BundleFile actual = checksum(file);
            if (!actual.equals(expected)) {
                throw new InvalidBundleException("bundle " + directory + ": file " + e.getKey() + " is corrupt: expected "
                        + expected + ", found " + actual);
            }
        }
    }

    /** The size and SHA-256 of a file. */
    static BundleFile checksum(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            long size = 0;
            for (int n; (n = in.read(buffer)) >= 0;) {
                digest.update(buffer, 0, n);
                size += n;
            }
            return new BundleFile(HexFormat.of().formatHex(digest.digest()), size);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read for its checksum: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    // ------------------------------------------------------------------------------------------ writing

    /** The manifest as written to {@code manifest.json}. */
    byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", formatVersion);
        root.put("jomedVersion", jomedVersion);
        root.put("createdAt", createdAt.toString());
        root.put("task", labelSpace.name());
        ObjectNode labels = root.putObject("labelSpace");
        ArrayNode list = labels.putArray("labels");
        labelSpace.labels().forEach(list::add);
        labelSpace.positiveIndex().ifPresent(i -> labels.put("positive", labelSpace.label(i)));
        ObjectNode preset = root.putObject("preset");
        if (presetName != null) {
            preset.put("name", presetName);
        }
        ObjectNode config = preset.putObject("configuration");
        configuration.forEach(config::put);
        ObjectNode encoders = root.putObject("encoders");
        encoders.put("imageKey", imageKeyEncoder.toString());
        ObjectNode heads = encoders.putObject("heads");
        headTowers.forEach((h, f) -> heads.put(h.name().toLowerCase(Locale.ROOT), f.toString()));
        putReference(encoders.putObject("textKey"), textKeyEncoder);
        putReference(encoders.putObject("readerText"), readerTextEncoder);
        ObjectNode inference = root.putObject("inference");
        inference.put("alpha", alpha);
        inference.put("kPerHead", retrievalOptions.kPerHead());
        inference.put("excludeSameImage", retrievalOptions.excludeSameImage());
        ObjectNode filters = inference.putObject("filters");
        retrievalOptions.filters().forEach(filters::put);
        inference.put("fusion", fusionWeighting.name());
        ObjectNode kb = root.putObject("knowledgeBase");
        kb.put("mode", knowledgeBase.mode().manifestName());
        kb.put("path", knowledgeBase.path());
        ObjectNode fileNode = root.putObject("files");
        files.forEach((name, f) -> {
            ObjectNode o = fileNode.putObject(name);
            o.put("sha256", f.sha256());
            o.put("size", f.size());
        });
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the manifest of " + directory, e);
        }
    }

    private static void putReference(ObjectNode node, EncoderReference ref) {
        node.put("provider", ref.provider());
        ObjectNode settings = node.putObject("settings");
        ref.settings().forEach(settings::put);
        node.put("fingerprint", ref.fingerprint().toString());
    }

    /** Typed access to manifest fields with errors that name the bundle and the field. */
    private static final class ManifestFields {
        private final Path directory;
        private final JsonNode root;

        ManifestFields(Path directory, JsonNode root) {
            this.directory = directory;
            this.root = root;
        }

        InvalidBundleException invalid(String field, String problem) {
            return new InvalidBundleException("bundle " + directory + ": " + MANIFEST + " field \"" + field + "\" " + problem);
        }

        private JsonNode node(String dotted) {
            JsonNode n = root;
            for (String part : dotted.split("\\.")) {
                n = n == null ? null : n.get(part);
            }
            return n;
        }

        JsonNode object(String field) {
            JsonNode n = node(field);
            if (n == null || !n.isObject()) {
                throw invalid(field, "is missing or not an object");
            }
            return n;
        }

        JsonNode array(String field) {
            JsonNode n = node(field);
            if (n == null || !n.isArray()) {
                throw invalid(field, "is missing or not an array");
            }
            return n;
        }

        String text(String field) {
            JsonNode n = node(field);
            if (n == null || !n.isTextual()) {
                throw invalid(field, "is missing or not a string");
            }
            return n.asText();
        }

        /** One entry of {@code files}; file names may contain dots, so they are not looked up by path. */
        BundleFile bundleFile(String name, JsonNode entry) {
            String field = "files[\"" + name + "\"]";
            JsonNode sha = entry.get("sha256");
            JsonNode size = entry.get("size");
            if (sha == null || !sha.isTextual()) {
                throw invalid(field + ".sha256", "is missing or not a string");
            }
            if (size == null || !size.isIntegralNumber() || !size.canConvertToLong()) {
                throw invalid(field + ".size", "is missing or not an integer");
            }
            return parse(field, () -> new BundleFile(sha.asText(), size.asLong()));
        }

        Optional<String> optText(String field) {
            JsonNode n = node(field);
            if (n == null || n.isNull()) {
                return Optional.empty();
            }
            if (!n.isTextual()) {
                throw invalid(field, "is not a string");
            }
            return Optional.of(n.asText());
        }

        int integer(String field) {
            JsonNode n = node(field);
            if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
                throw invalid(field, "is missing or not an integer");
            }
            return n.asInt();
        }

        double number(String field) {
            JsonNode n = node(field);
            if (n == null || !n.isNumber()) {
                throw invalid(field, "is missing or not a number");
            }
            return n.asDouble();
        }

        boolean bool(String field) {
            JsonNode n = node(field);
            if (n == null || !n.isBoolean()) {
                throw invalid(field, "is missing or not true/false");
            }
            return n.asBoolean();
        }

        Map<String, String> stringMap(String field) {
            Map<String, String> out = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : object(field).properties()) {
                if (!e.getValue().isTextual()) {
                    throw invalid(field + "." + e.getKey(), "is not a string");
                }
                out.put(e.getKey(), e.getValue().asText());
            }
            return out;
        }

        EncoderFingerprint fingerprint(String field) {
            String text = text(field);
            return parse(field, () -> EncoderFingerprint.parse(text));
        }

        EncoderReference encoderReference(String field) {
            String provider = text(field + ".provider");
            Map<String, String> settings = stringMap(field + ".settings");
            EncoderFingerprint fingerprint = fingerprint(field + ".fingerprint");
            return parse(field, () -> new EncoderReference(provider, settings, fingerprint));
        }

        <T> T parse(String field, java.util.function.Supplier<T> parser) {
            try {
                return parser.get();
            } catch (InvalidBundleException e) {
                throw e;
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw invalid(field, "is invalid: " + e.getMessage());
            }
        }
    }
}
