package io.jomed.reader.classifier;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jomed.api.encoding.TextEncoder;
import io.jomed.api.reading.LabelSpace;
import io.jomed.reader.input.ReaderInputEncoder;
import io.jomed.retriever.encoding.NoGradient;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in reader's model: a {@link ClassifierReaderBlock} with its parameter arrays, its
 * {@link ClassifierReaderConfig} and the {@link LabelSpace} its logits are over. It is created with a
 * deterministic seeded initialisation, or loaded from a file written by {@link #save(Path)} (format
 * version, config, label space, SHA-256 fingerprint of the parameters, then the parameters).
 *
 * <p>Owns a native {@link NDManager}: close it when done. Inference forward passes may run concurrently
 * (each in its own sub-manager); training updates and {@link #restoreParameters} must not overlap with them.
 */
public final class ClassifierReaderModel implements AutoCloseable {
    /** Version of the file format written by {@link #save(Path)}. */
    public static final int FORMAT_VERSION = 1;
    private static final byte[] MAGIC = "JOMEDCRM".getBytes(StandardCharsets.US_ASCII);
    private static final Logger LOG = LoggerFactory.getLogger(ClassifierReaderModel.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClassifierReaderConfig config;
    private final LabelSpace labelSpace;
    private final NDManager manager;
    private final ClassifierReaderBlock block;

    private ClassifierReaderModel(ClassifierReaderConfig config, LabelSpace labelSpace, Map<String, float[]> values) {
        this.config = config;
        this.labelSpace = labelSpace;
        this.block = new ClassifierReaderBlock(config, labelSpace.size());
        this.manager = NDManager.newBaseManager("PyTorch");
        try {
            for (Parameter p : block.orderedParameters()) {
                Shape shape = block.parameterShapes().get(p.getName());
                NDArray array = manager.create(values.get(p.getName()), shape);
                p.setArray(array);
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** A new model with parameters drawn deterministically from {@code config.seed()}. */
    public static ClassifierReaderModel create(ClassifierReaderConfig config, LabelSpace labelSpace) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(labelSpace, "labelSpace");
        ClassifierReaderBlock shapes = new ClassifierReaderBlock(config, labelSpace.size());
        Random random = new Random(config.seed());
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Parameter p : shapes.orderedParameters()) {
            Shape shape = shapes.parameterShapes().get(p.getName());
            values.put(p.getName(), initialValues(p.getName(), p.getType(), shape, random));
        }
        return new ClassifierReaderModel(config, labelSpace, values);
    }

    private static float[] initialValues(String name, Parameter.Type type, Shape shape, Random random) {
        float[] v = new float[Math.toIntExact(shape.size())];
        switch (type) {
            case GAMMA -> Arrays.fill(v, 1f);
            case BIAS, BETA -> { }
            case OTHER -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (0.02 * random.nextGaussian());
                }
            }
            default -> {
                long fanIn = shape.size() / shape.get(0);
                // He initialisation for the GELU convolutions, LeCun for linear maps, small for the head.
                double std = name.startsWith("conv") ? Math.sqrt(2.0 / fanIn)
                        : name.startsWith("head") ? 0.02 : Math.sqrt(1.0 / fanIn);
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (std * random.nextGaussian());
                }
            }
        }
        return v;
    }

    public ClassifierReaderConfig config() {
        return config;
    }

    public LabelSpace labelSpace() {
        return labelSpace;
    }

    /** The DJL block; its parameter arrays belong to this model. */
    public ClassifierReaderBlock block() {
        return block;
    }

    /** The manager that owns the parameters; make per-call sub-managers from it. */
    public NDManager manager() {
        return manager;
    }

    /** The parameters in model order (trainers read and update their arrays). */
    public List<Parameter> parameters() {
        return block.orderedParameters();
    }

    /** Number of scalar parameters. */
    public long parameterCount() {
        long n = 0;
        for (Shape s : block.parameterShapes().values()) {
            n += s.size();
        }
        return n;
    }

    /**
     * Runs the network on the five tensors of {@link io.jomed.reader.input.EncodedReaderInputs}; the result
     * lives in the inputs' manager.
     *
     * @param training true for dropout (training mode), false for inference
     */
    public NDArray forward(NDList inputs, boolean training) {
        Objects.requireNonNull(inputs, "inputs");
        return block.forward(new ParameterStore(inputs.head().getManager(), false), inputs, training).singletonOrThrow();
    }

    /**
     * An input encoder matching this model (image size, channels, default question) over a text encoder.
     *
     * @throws IllegalArgumentException if the text encoder is not the one the model was made for
     */
    public ReaderInputEncoder newInputEncoder(TextEncoder textEncoder, long textCacheSize) {
        Objects.requireNonNull(textEncoder, "textEncoder");
        if (textEncoder.dimension() != config.textDimension()) {
            throw new IllegalArgumentException("text encoder " + textEncoder.fingerprint() + " has dimension "
                    + textEncoder.dimension() + " but the reader's text projections take " + config.textDimension()
                    + " (made for " + config.textEncoder() + ")");
        }
        if (!textEncoder.fingerprint().equals(config.textEncoder())) {
            throw new IllegalArgumentException("text encoder " + textEncoder.fingerprint()
                    + " is not the one this reader was made for: " + config.textEncoder());
        }
        ReaderInputEncoder.Builder b = ReaderInputEncoder.builder().setTextEncoder(textEncoder)
                .setImageInput(config.imageInput())
                .optConvertChannels(config.convertChannels()).optTextCacheSize(textCacheSize);
        config.defaultQuestion().ifPresent(b::optDefaultQuestion);
        return b.build();
    }

    /** A copy of all parameter values. */
    public ParameterSnapshot snapshotParameters() {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Parameter p : block.orderedParameters()) {
            values.put(p.getName(), p.getArray().toFloatArray());
        }
        return new ParameterSnapshot(values);
    }

    /**
     * Overwrites every parameter, in place, with a snapshot's values.
     *
     * @throws IllegalArgumentException if the snapshot's names or sizes differ from this model's
     */
    public void restoreParameters(ParameterSnapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        if (!snapshot.names().equals(block.parameterShapes().keySet())) {
            throw new IllegalArgumentException("snapshot parameters " + snapshot.names() + " do not match the model's "
                    + block.parameterShapes().keySet());
        }
        for (Parameter p : block.orderedParameters()) {
            float[] v = snapshot.valuesNoCopy(p.getName());
            if (v.length != p.getArray().size()) {
                throw new IllegalArgumentException("snapshot parameter " + p.getName() + " has " + v.length
                        + " values, the model's has " + p.getArray().size());
            }
        }
        try (NoGradient ignored = NoGradient.enter()) {
            for (Parameter p : block.orderedParameters()) {
                p.getArray().set(FloatBuffer.wrap(snapshot.valuesNoCopy(p.getName())));
            }
        }
    }

    /** SHA-256 (hex) over every parameter's name, shape and little-endian float values, in model order. */
    public String fingerprint() {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Parameter p : block.orderedParameters()) {
            values.put(p.getName(), p.getArray().toFloatArray());
        }
        return fingerprint(values, block.parameterShapes());
    }

    private static String fingerprint(Map<String, float[]> values, Map<String, Shape> shapes) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, float[]> e : values.entrySet()) {
                digest.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                for (long dim : shapes.get(e.getKey()).getShape()) {
                    digest.update(ByteBuffer.allocate(8).putLong(dim).array());
                }
                ByteBuffer bytes = ByteBuffer.allocate(e.getValue().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(e.getValue());
                digest.update(bytes);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /**
     * Writes the model to one file (through a temporary file and an atomic move, so an existing file is
     * never left half-written).
     */
    public void save(Path file) {
        Objects.requireNonNull(file, "file");
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Parameter p : block.orderedParameters()) {
            values.put(p.getName(), p.getArray().toFloatArray());
        }
        ObjectNode header = JSON.createObjectNode();
        header.put("formatVersion", FORMAT_VERSION);
        header.set("config", config.toJson());
        ObjectNode labels = header.putObject("labelSpace");
        labels.put("name", labelSpace.name());
        ArrayNode list = labels.putArray("labels");
        labelSpace.labels().forEach(list::add);
        labelSpace.positiveIndex().ifPresent(i -> labels.put("positive", labelSpace.label(i)));
        header.put("parameterCount", parameterCount());
        header.put("parameterFingerprint", fingerprint(values, block.parameterShapes()));
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            try {
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                    out.write(MAGIC);
                    out.writeInt(FORMAT_VERSION);
                    byte[] json = JSON.writeValueAsBytes(header);
                    out.writeInt(json.length);
                    out.write(json);
                    out.writeInt(values.size());
                    for (Map.Entry<String, float[]> e : values.entrySet()) {
                        out.writeUTF(e.getKey());
                        long[] dims = block.parameterShapes().get(e.getKey()).getShape();
                        out.writeInt(dims.length);
                        for (long dim : dims) {
                            out.writeLong(dim);
                        }
                        ByteBuffer bytes = ByteBuffer.allocate(e.getValue().length * 4).order(ByteOrder.LITTLE_ENDIAN);
                        bytes.asFloatBuffer().put(e.getValue());
                        out.write(bytes.array());
                    }
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write the classifier reader model: " + e.getMessage(), e);
        }
        LOG.info("saved classifier reader model ({} parameters, fingerprint {}) to {}", parameterCount(),
                header.get("parameterFingerprint").asText(), file);
    }

    /**
     * Reads a model written by {@link #save(Path)}.
     *
     * @throws IllegalArgumentException naming the file if it is not such a model, has another format
     *     version, or its parameters do not match the stored fingerprint
     * @throws UncheckedIOException if the file cannot be read
     */
    public static ClassifierReaderModel load(Path file) {
        Objects.requireNonNull(file, "file");
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException(file + ": not a jomed classifier reader model (bad magic bytes)");
            }
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException(file + ": classifier reader format version " + version
                        + " is not supported; this library reads version " + FORMAT_VERSION);
            }
            int jsonLength = in.readInt();
            if (jsonLength < 2 || jsonLength > 1 << 20) {
                throw new IllegalArgumentException(file + ": header length " + jsonLength + " is not plausible");
            }
            byte[] json = new byte[jsonLength];
            in.readFully(json);
            JsonNode header = JSON.readTree(json);
            ClassifierReaderConfig config = ClassifierReaderConfig.fromJson(header.get("config"));
            LabelSpace labels = labelSpaceFromJson(header.get("labelSpace"), file);
            ClassifierReaderBlock shapes = new ClassifierReaderBlock(config, labels.size());
            int count = in.readInt();
            if (count != shapes.parameterShapes().size()) {
                throw new IllegalArgumentException(file + ": " + count + " parameters stored, the config needs "
                        + shapes.parameterShapes().size());
            }
            Map<String, float[]> values = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> expected : shapes.parameterShapes().entrySet()) {
                String name = in.readUTF();
                int ndim = in.readInt();
                if (ndim < 0 || ndim > 8) {
                    throw new IllegalArgumentException(file + ": parameter " + name + " has " + ndim + " dimensions");
                }
                long[] dims = new long[ndim];
                for (int i = 0; i < ndim; i++) {
                    dims[i] = in.readLong();
                }
                if (!name.equals(expected.getKey()) || !new Shape(dims).equals(expected.getValue())) {
                    throw new IllegalArgumentException(file + ": expected parameter " + expected.getKey() + " "
                            + expected.getValue() + ", found " + name + " " + new Shape(dims));
                }
                byte[] raw = new byte[Math.toIntExact(expected.getValue().size() * 4)];
                in.readFully(raw);
                float[] v = new float[raw.length / 4];
                ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                values.put(name, v);
            }
            String stored = header.path("parameterFingerprint").asText("");
            String computed = fingerprint(values, shapes.parameterShapes());
            if (!computed.equals(stored)) {
                throw new IllegalArgumentException(file + ": parameter fingerprint mismatch (stored " + stored
                        + ", computed " + computed + "); the file is corrupt");
            }
            return new ClassifierReaderModel(config, labels, values);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": classifier reader model file does not exist", e);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + ": classifier reader model file is truncated", e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the classifier reader model: " + e.getMessage(), e);
        }
    }

    private static LabelSpace labelSpaceFromJson(JsonNode node, Path file) {
        if (node == null || !node.hasNonNull("name") || !node.path("labels").isArray()) {
            throw new IllegalArgumentException(file + ": header field \"labelSpace\" is missing or incomplete");
        }
        LabelSpace.Builder b = LabelSpace.builder().setName(node.get("name").asText());
        node.get("labels").forEach(l -> b.addLabel(l.asText()));
        if (node.hasNonNull("positive")) {
            b.optPositiveLabel(node.get("positive").asText());
        }
        return b.build();
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "ClassifierReaderModel[" + labelSpace + ", " + parameterCount() + " parameters]";
    }
}
