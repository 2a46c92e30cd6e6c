package io.jomed.retriever.encoding;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.retriever.image.ImageInputSpec;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * The trainable image tower {@code f0}: a small convolutional network on DJL's PyTorch engine. Each stage is
 * {@code convolutionsPerStage} times (3x3 convolution, batch normalisation, ReLU), followed by a 2x2 max-pool
 * for every stage but the last; then global average pooling, a linear projection to the embedding dimension
 * and L2 normalisation. Batch normalisation uses batch statistics (and updates its running statistics) only
 * in {@linkplain #forward training} mode and the running statistics otherwise, so encoders always run it in
 * inference mode. With {@link ImageTowerConfig#members()} above one the tower is a deep ensemble of such
 * networks: its embedding is the L2-normalised mean of the members' unit embeddings, and
 * {@link #forwardMembers} gives each member's own, so that training can give each member its own loss.
 *
 * <p>Initialisation is deterministic for a seed: weights are drawn in Java (He-normal for convolutions and the
 * projection, zero biases, unit scales), independent of the engine's random state. The tower lives on a
 * device chosen by the caller or the PyTorch engine's default device.
 *
 * <p>Not thread-safe while it is being trained or its parameters are replaced; {@link ImageTowerEncoder} takes
 * a copy for concurrent inference. Owns native memory: close it.
 */
public final class ImageTower implements AutoCloseable {
    /** The {@link EncoderFingerprint#kind()} of tower encoders. */
    public static final String KIND = "conv-tower";

    private static final String ENGINE = "PyTorch";
    private static final long MAGIC = 0x4A4F4D4544545752L; // "JOMEDTWR"
    private static final int FORMAT_VERSION = 1;

    private final ImageTowerConfig config;
    private final NDManager manager;
    private final Block block;

    private ImageTower(ImageTowerConfig config, Device device) {
        this.config = config;
        Engine engine = Engine.getEngine(ENGINE);
        this.manager = engine.newBaseManager(device == null ? engine.defaultDevice() : device);
        try {
            this.block = buildBlock(config);
            ImageInputSpec in = config.inputSpec();
            block.initialize(manager, DataType.FLOAT32, new Shape(1, in.channels(), in.height(), in.width()));
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Creates a tower with deterministic initial weights on the PyTorch engine's default device. */
    public static ImageTower create(ImageTowerConfig config, long seed) {
        return create(config, seed, null);
    }

    /**
     * Creates a tower with deterministic initial weights.
     *
     * @param device where the parameters live, or {@code null} for the PyTorch engine's default device
     */
    public static ImageTower create(ImageTowerConfig config, long seed, Device device) {
        Objects.requireNonNull(config, "config");
        ImageTower tower = new ImageTower(config, device);
        tower.initialiseWeights(seed);
        return tower;
    }

    /** Loads a tower written by {@link #save(Path)} onto the PyTorch engine's default device. */
    public static ImageTower load(Path file) {
        return load(file, null);
    }

    /**
     * Loads a tower written by {@link #save(Path)}.
     *
     * @param device where the parameters live, or {@code null} for the PyTorch engine's default device
     * @throws UncheckedIOException if the file cannot be read
     * @throws IllegalArgumentException naming the file and what is wrong if it is not a tower file of a known
     *     format version or does not match its configuration
     */
    public static ImageTower load(Path file, Device device) {
        Objects.requireNonNull(file, "file");
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            long magic = in.readLong();
            if (magic != MAGIC) {
                throw new IllegalArgumentException(file + ": not an image tower file (bad magic number)");
            }
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException(file + ": image tower format version " + version
                        + " is not supported (this library reads version " + FORMAT_VERSION + ")");
            }
            ImageTowerConfig config = ImageTowerConfig.parse(in.readUTF());
            ImageTower tower = new ImageTower(config, device);
            try {
                List<Parameter> params = tower.parameters();
                int count = in.readInt();
                if (count != params.size()) {
                    throw new IllegalArgumentException(file + ": holds " + count + " parameters, configuration "
                            + config.toCanonicalString() + " has " + params.size());
                }
                for (Parameter p : params) {
                    String name = in.readUTF();
                    int n = in.readInt();
                    long expected = p.getArray().size();
                    if (!name.equals(p.getName()) || n != expected) {
                        throw new IllegalArgumentException(file + ": parameter " + name + " with " + n + " values does not match "
                                + p.getName() + " with " + expected + " values");
                    }
                    byte[] bytes = in.readNBytes(n * Float.BYTES);
                    if (bytes.length != n * Float.BYTES) {
                        throw new EOFException("truncated in parameter " + name);
                    }
                    float[] values = new float[n];
                    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
                    p.getArray().set(FloatBuffer.wrap(values));
                }
                if (in.read() != -1) {
                    throw new IllegalArgumentException(file + ": unexpected bytes after the last parameter");
                }
                return tower;
            } catch (RuntimeException | IOException e) {
                tower.close();
                throw e;
            }
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + ": image tower file is truncated: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read image tower: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the configuration and the parameters (format version 1: magic, version, canonical config,
     * then each parameter's name, count and little-endian float32 values). The file is written to a
     * temporary sibling and moved into place, so a failed save leaves an existing file intact.
     */
    public void save(Path file) {
        Objects.requireNonNull(file, "file");
        Path parent = file.toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            try {
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                    out.writeLong(MAGIC);
                    out.writeInt(FORMAT_VERSION);
                    out.writeUTF(config.toCanonicalString());
                    List<Parameter> params = parameters();
                    out.writeInt(params.size());
                    for (Parameter p : params) {
                        float[] values = p.getArray().toFloatArray();
                        out.writeUTF(p.getName());
                        out.writeInt(values.length);
                        out.write(littleEndian(values));
                    }
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write image tower: " + e.getMessage(), e);
        }
    }

    /** An independent tower with the same configuration and parameter values, on the same device. */
    public ImageTower copy() {
        ImageTower copy = new ImageTower(config, manager.getDevice());
        copy.setParameterValues(parameterValues());
        return copy;
    }

    public ImageTowerConfig config() {
        return config;
    }

    public int dimension() {
        return config.embeddingDimension();
    }

    /** The device the parameters live on. */
    public Device device() {
        return manager.getDevice();
    }

    /** The manager that owns the parameters; make per-batch arrays in a {@code newSubManager()} of it. */
    public NDManager manager() {
        return manager;
    }

    /** The DJL block, for training. */
    public Block block() {
        return block;
    }

    /** The parameters in a fixed order: weights, biases, scales and batch-normalisation statistics. */
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.add(p.getValue());
        }
        return out;
    }

    /** The parameters by their unique path in the block, in {@link #parameters()} order. */
    public java.util.Map<String, Parameter> namedParameters() {
        java.util.Map<String, Parameter> out = new java.util.LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.put(p.getKey(), p.getValue());
        }
        return out;
    }

    /** A copy of every parameter's values, in {@link #parameters()} order. */
    public float[][] parameterValues() {
        List<Parameter> params = parameters();
        float[][] out = new float[params.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = params.get(i).getArray().toFloatArray();
        }
        return out;
    }

    /**
     * Replaces every parameter's values, in {@link #parameters()} order.
     *
     * @throws IllegalArgumentException if the count or a size does not match
     */
    public void setParameterValues(float[][] values) {
        Objects.requireNonNull(values, "values");
        List<Parameter> params = parameters();
        if (values.length != params.size()) {
            throw new IllegalArgumentException("expected values for " + params.size() + " parameters, got " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            NDArray array = params.get(i).getArray();
            if (values[i].length != array.size()) {
                throw new IllegalArgumentException("parameter " + params.get(i).getName() + " has " + array.size()
                        + " values, got " + values[i].length);
            }
            array.set(FloatBuffer.wrap(values[i]));
        }
    }

    /**
     * Runs the tower on a batch {@code [N, C, H, W]} and returns unit embeddings {@code [N, D]}. The result
     * belongs to the input's manager.
     *
     * @param training whether batch normalisation uses batch statistics and updates its running statistics
     */
    public NDArray forward(NDArray input, boolean training) {
        Objects.requireNonNull(input, "input");
        ParameterStore store = new ParameterStore(input.getManager(), false);
        return block.forward(store, new NDList(input), training).singletonOrThrow();
    }

    /**
     * Runs every ensemble member on a batch {@code [N, C, H, W]} and returns each member's unit embeddings
     * {@code [N, D]}, in member order: one array for a single network (then the same as {@link #forward}). The
     * arrays belong to the input's manager.
     *
     * @param training whether batch normalisation uses batch statistics and updates its running statistics
     */
    public NDList forwardMembers(NDArray input, boolean training) {
        Objects.requireNonNull(input, "input");
        ParameterStore store = new ParameterStore(input.getManager(), false);
        if (block instanceof MemberAverage ensemble) {
            return ensemble.forwardMembers(store, new NDList(input), training);
        }
        return block.forward(store, new NDList(input), training);
    }

    /** Identifies this configuration and these parameter values (kind {@code conv-tower}). */
    public EncoderFingerprint fingerprint() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(config.toCanonicalString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (Parameter p : parameters()) {
                digest.update(p.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                digest.update(littleEndian(p.getArray().toFloatArray()));
            }
            return new EncoderFingerprint(KIND, HexFormat.of().formatHex(digest.digest()), config.embeddingDimension());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    /** The number of trainable values. */
    public long trainableParameterCount() {
        long n = 0;
        for (Parameter p : parameters()) {
            if (p.requiresGradient()) {
                n += p.getArray().size();
            }
        }
        return n;
    }

    @Override
    public void close() {
        manager.close();
    }

    private void initialiseWeights(long seed) {
        Random random = new Random(seed);
        for (Parameter p : parameters()) {
            NDArray array = p.getArray();
            int n = Math.toIntExact(array.size());
            float[] values = new float[n];
            switch (p.getType()) {
                case WEIGHT -> {
                    Shape shape = array.getShape();
                    long fanIn = shape.size() / shape.get(0);
                    double std = Math.sqrt(2.0 / fanIn);
                    for (int i = 0; i < n; i++) {
                        values[i] = (float) (random.nextGaussian() * std);
                    }
                }
                case GAMMA, RUNNING_VAR -> java.util.Arrays.fill(values, 1f);
                default -> {
                    // biases, shifts and running means start at zero
                }
            }
            array.set(FloatBuffer.wrap(values));
        }
    }

    private static Block buildBlock(ImageTowerConfig config) {
        if (config.members() == 1) {
            return buildNetwork(config);
        }
        List<Block> members = new ArrayList<>();
        for (int i = 0; i < config.members(); i++) {
            members.add(buildNetwork(config));
        }
        return new MemberAverage(members);
    }

    private static SequentialBlock buildNetwork(ImageTowerConfig config) {
        SequentialBlock net = new SequentialBlock();
        int[] widths = config.channelWidths();
        for (int stage = 0; stage < widths.length; stage++) {
            for (int k = 0; k < config.convolutionsPerStage(); k++) {
                net.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                        .setFilters(widths[stage]).optBias(false).build());
                net.add(BatchNorm.builder().build());
                net.add(Activation.reluBlock());
            }
            if (stage < widths.length - 1) {
                net.add(new MaxPool2x2());
            }
        }
        net.add(Pool.globalAvgPool2dBlock());
        net.add(Blocks.batchFlattenBlock());
        net.add(Linear.builder().setUnits(config.embeddingDimension()).build());
        net.add(new LambdaBlock(ImageTower::l2Normalise, "l2Normalise"));
        return net;
    }

    private static NDList l2Normalise(NDList list) {
        return new NDList(l2Normalise(list.singletonOrThrow()));
    }

    /** Each row of {@code [N, D]} scaled to unit length. */
    static NDArray l2Normalise(NDArray x) {
        return x.div(x.square().sum(new int[] {1}, true).add(1e-12f).sqrt());
    }

    static byte[] littleEndian(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values);
        return buffer.array();
    }

    /** The device a tower would use when none is given. */
    public static Device defaultDevice() {
        return Engine.getEngine(ENGINE).defaultDevice();
    }
}
