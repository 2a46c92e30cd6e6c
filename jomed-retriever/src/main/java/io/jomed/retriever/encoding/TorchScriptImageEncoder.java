package io.jomed.retriever.encoding;

import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.image.ImagePreprocessor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;

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

    private final ZooModel<NDList, NDList> model;
    private final ImagePreprocessor preprocessor;
    private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> idle = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> all = new ConcurrentLinkedQueue<>();
    private final int dimension;
    private final EncoderFingerprint fingerprint;

    private TorchScriptImageEncoder(ZooModel<NDList, NDList> model, ImageInputSpec spec, String fileSha) {
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
        ZooModel<NDList, NDList> model = TorchScriptModels.load(file);
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
        Objects.requireNonNull(images, "images");
        float[][] out = new float[images.size()][];
        for (int start = 0; start < images.size(); start += BATCH_SIZE) {
            List<MedicalImage> chunk = images.subList(start, Math.min(images.size(), start + BATCH_SIZE));
            float[][] vectors = run(preprocessor.toTensor(chunk), chunk.size());
            System.arraycopy(vectors, 0, out, start, vectors.length);
        }
        return out;
    }

    private float[][] run(float[] pixels, int n) {
        ImageInputSpec spec = preprocessor.spec();
        Predictor<NDList, NDList> predictor = TorchScriptModels.borrow(model, idle, all);
        try (NDManager sub = model.getNDManager().newSubManager()) {
            NDArray x = sub.create(pixels, new Shape(n, spec.channels(), spec.height(), spec.width()));
            NDList output = predictor.predict(new NDList(x));
            NDArray y = output.get(0);
            if (y.getShape().dimension() < 2 || y.getShape().get(0) != n) {
                throw new IllegalStateException("expected an [N, D] output for N = " + n + ", got " + y.getShape());
            }
            float[] flat = y.toFloatArray();
            output.close();
            int d = flat.length / n;
            float[][] out = new float[n][d];
            for (int i = 0; i < n; i++) {
                System.arraycopy(flat, i * d, out[i], 0, d);
                Vectors.normaliseInPlace(out[i]);
            }
            return out;
        } catch (TranslateException e) {
            throw new IllegalStateException("TorchScript image encoder failed: " + e.getMessage(), e);
        } finally {
            idle.offer(predictor);
        }
    }

    @Override
    public void close() {
        TorchScriptModels.close(model, all);
        idle.clear();
    }

    /** Loading and predictor pooling shared by the TorchScript encoders. Stateless and thread-safe. */
    static final class TorchScriptModels {
        private TorchScriptModels() {
        }

        static ZooModel<NDList, NDList> load(Path file) {
            try {
                Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                        .optModelPath(file.toAbsolutePath()).optEngine("PyTorch").build();
                return criteria.loadModel();
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": cannot read TorchScript model: " + e.getMessage(), e);
            } catch (ModelNotFoundException | MalformedModelException | RuntimeException e) {
                throw new IllegalArgumentException(file + ": cannot load TorchScript model: " + e.getMessage(), e);
            }
        }

        static Predictor<NDList, NDList> borrow(ZooModel<NDList, NDList> model,
                ConcurrentLinkedQueue<Predictor<NDList, NDList>> idle, ConcurrentLinkedQueue<Predictor<NDList, NDList>> all) {
            Predictor<NDList, NDList> p = idle.poll();
            if (p == null) {
                p = model.newPredictor();
                all.add(p);
            }
            return p;
        }

        static void close(ZooModel<NDList, NDList> model, ConcurrentLinkedQueue<Predictor<NDList, NDList>> all) {
            for (Predictor<NDList, NDList> p : all) {
                p.close();
            }
            all.clear();
            model.close();
        }
    }
}
