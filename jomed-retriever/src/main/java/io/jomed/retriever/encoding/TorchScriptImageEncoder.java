package io.jomed.retriever.encoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.TranslateException;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.image.ImagePreprocessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A user-supplied image backbone exported to TorchScript (for example BiomedCLIP's or jina-clip's vision tower),
 * run with DJL's PyTorch engine. Images are converted by an {@link ImagePreprocessor} for the given input spec
 * to a float tensor {@code [N, C, H, W]}; the module's first output must be {@code [N, D]} (further dimensions
 * are flattened) and is L2-normalised in Java. The dimension is found by running one blank image at load time.
 * The fingerprint (kind {@code torchscript-image}) is the SHA-256 of the file's bytes followed by the input
 * spec, so the same weights with another preprocessing get another fingerprint.
 *
 * <p>Instances are thread-safe: predictors are pooled, one per concurrent call, and each call scopes its
 * arrays to a sub-manager. Owns native memory: close it.
 */
public final class TorchScriptImageEncoder implements ImageEncoder {
    /** The {@link EncoderFingerprint#kind()} of this encoder. */
    public static final String KIND = "torchscript-image";
    /** Images per forward pass. */
    public static final int BATCH_SIZE = 32;

    private final PredictorPool model;
    private final ImagePreprocessor preprocessor;
    private final int dimension;
    private final EncoderFingerprint fingerprint;

    private TorchScriptImageEncoder(PredictorPool model, ImageInputSpec spec, String fileSha) {
        this.model = model;
        this.preprocessor = new ImagePreprocessor(spec);
        float[] blank = new float[spec.size()];
        this.dimension = run(blank, 1)[0].length;
        var digest = Vectors.sha256();
        digest.update(fileSha.getBytes(StandardCharsets.UTF_8));
        digest.update(spec.toString().getBytes(StandardCharsets.UTF_8));
        this.fingerprint = new EncoderFingerprint(KIND, HexFormat.of().formatHex(digest.digest()), dimension);
    }

    /**
     * Loads a TorchScript file on the PyTorch engine's default device.
     *
     * @throws IllegalArgumentException naming the file if it cannot be loaded or gives no {@code [N, D]} output
     */
    public static TorchScriptImageEncoder load(Path file, ImageInputSpec spec) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(spec, "spec");
        String sha = Vectors.sha256Hex(file);
        PredictorPool model = PredictorPool.loadTorchScript(file);
        try {
            return new TorchScriptImageEncoder(model, spec, sha);
        } catch (RuntimeException e) {
            model.close();
            throw new IllegalArgumentException(file + ": TorchScript image encoder does not run on a "
                    + spec.channels() + "x" + spec.height() + "x" + spec.width() + " input: " + e.getMessage(), e);
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
    public float[][] encode(List<MedicalImage> images) {
        return BatchedEncoding.encode(images, BATCH_SIZE, "image", chunk -> run(preprocessor.toTensor(chunk), chunk.size()));
    }

    private float[][] run(float[] pixels, int n) {
        ImageInputSpec spec = preprocessor.spec();
        try (NDManager sub = model.newSubManager()) {
            NDArray x = sub.create(pixels, new Shape(n, spec.channels(), spec.height(), spec.width()));
            NDList output = model.predict(new NDList(x));
            NDArray y = output.get(0);
            if (y.getShape().dimension() < 2 || y.getShape().get(0) != n) {
                throw new IllegalStateException("expected an [N, D] output for N = " + n + ", got " + y.getShape());
            }
            float[] flat = y.toFloatArray();
            output.close();
            return Vectors.normalisedRows(flat, n);
        } catch (TranslateException e) {
            throw new IllegalStateException("TorchScript image encoder failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
