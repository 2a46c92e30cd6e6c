package io.jomed.retriever.encoding;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.TextEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A user-supplied text backbone exported to TorchScript, with its HuggingFace {@code tokenizer.json}, run with
 * DJL's PyTorch engine. Texts are tokenised with special tokens, truncated at {@code maxLength} tokens and
 * padded (id 0) to the longest text of each batch; the module is called with {@code (input_ids,
 * attention_mask)}, both int64 {@code [N, T]}. Its first output is either {@code [N, D]} (used as is) or
 * {@code [N, T, D]} (mean-pooled over the attention mask); the result is L2-normalised in Java. The
 * fingerprint (kind {@code torchscript-text}) is the SHA-256 of the model file's SHA-256, the tokenizer
 * file's SHA-256 and the maximum length.
 *
 * <p>Instances are thread-safe: predictors are pooled, one per concurrent call, and each call scopes its
 * arrays to a sub-manager. Owns native memory: close it.
 */
public final class TorchScriptTextEncoder implements TextEncoder {
    /** The {@link EncoderFingerprint#kind()} of this encoder. */
    public static final String KIND = "torchscript-text";
    /** Default tokens kept per text. */
    public static final int DEFAULT_MAX_TOKENS = 256;
    /** Texts per forward pass. */
    public static final int BATCH_SIZE = 32;

    private final PredictorPool model;
    private final HuggingFaceTokenizer tokenizer;
    private final int dimension;
    private final EncoderFingerprint fingerprint;

    private TorchScriptTextEncoder(PredictorPool model, HuggingFaceTokenizer tokenizer, String digest) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.dimension = run(List.of("a"))[0].length;
        this.fingerprint = new EncoderFingerprint(KIND, digest, dimension);
    }

    /**
     * Loads a TorchScript text model and its tokenizer on the PyTorch engine's default device.
     *
     * @throws IllegalArgumentException naming the file if either cannot be loaded or the model gives no usable output
     */
    public static TorchScriptTextEncoder load(Path modelFile, Path tokenizerFile, int maxLength) {
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(tokenizerFile, "tokenizerFile");
        if (maxLength < 2) {
            throw new IllegalArgumentException("maxLength must be at least 2, got " + maxLength);
        }
        var digest = Vectors.sha256();
        digest.update(Vectors.sha256Hex(modelFile).getBytes(StandardCharsets.UTF_8));
        digest.update(Vectors.sha256Hex(tokenizerFile).getBytes(StandardCharsets.UTF_8));
        digest.update(ByteBuffer.allocate(4).putInt(maxLength).array());
        String hex = HexFormat.of().formatHex(digest.digest());
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(tokenizerFile, Map.of("padding", "false", "truncation", "true",
                    "maxLength", Integer.toString(maxLength), "addSpecialTokens", "true"));
        } catch (IOException e) {
            throw new UncheckedIOException(tokenizerFile + ": cannot read tokenizer: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(tokenizerFile + ": not a HuggingFace tokenizer.json: " + e.getMessage(), e);
        }
        PredictorPool model;
        try {
            model = PredictorPool.loadTorchScript(modelFile);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        try {
            return new TorchScriptTextEncoder(model, tokenizer, hex);
        } catch (RuntimeException e) {
            model.close();
            tokenizer.close();
            throw new IllegalArgumentException(modelFile + ": TorchScript text encoder does not run on (input_ids, "
                    + "attention_mask): " + e.getMessage(), e);
        }
    }

    @Override
    public int dimension() {
        return dimension;
    }

    @Override
    public EncoderFingerprint fingerprint() {
        return fingerprint;
    }

    @Override
    public float[][] encode(List<String> texts) {
        return BatchedEncoding.encode(texts, BATCH_SIZE, "text", this::run);
    }

    private float[][] run(List<String> texts) {
        TokenBatch batch = TokenBatch.tokenize(tokenizer, texts);
        int n = batch.size();
        try (NDManager sub = model.newSubManager()) {
            Shape shape = batch.shape();
            NDList output = model.predict(new NDList(sub.create(batch.ids(), shape), sub.create(batch.mask(), shape)));
            NDArray y = output.get(0);
            Shape s = y.getShape();
            float[] flat = y.toFloatArray();
            output.close();
            if (s.dimension() == 3 && s.get(0) == n && s.get(1) == batch.tokens()) {
                return batch.meanPoolAndNormalise(flat, Math.toIntExact(s.get(2)));
            }
            if (s.dimension() == 2 && s.get(0) == n) {
                return Vectors.normalisedRows(flat, n);
            }
            throw new IllegalStateException("expected an [N, D] or [N, T, D] output for N = " + n + ", T = "
                    + batch.tokens() + ", got " + s);
        } catch (TranslateException e) {
            throw new IllegalStateException("TorchScript text encoder failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }
}
