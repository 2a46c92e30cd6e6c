package io.jomed.retriever.encoding;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.jomed.api.encoding.EncoderFingerprint;
import io.jomed.api.encoding.ImageEncoder;
import io.jomed.api.image.MedicalImage;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.retriever.image.ImagePreprocessor;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Inference with an {@link ImageTower}: images are converted by an {@link ImagePreprocessor} for the
 * tower's input spec, run in batches in inference mode (batch normalisation uses its running statistics)
 * and returned as unit vectors. The encoder works on its own copy of the tower, so training the original
 * afterwards does not change it; its fingerprint is the tower's at construction.
 *
 * <p>Instances are thread-safe: each call scopes its arrays to its own sub-manager. Owns native memory:
 * close it.
 */
public final class ImageTowerEncoder implements ImageEncoder {
    /** Images per forward pass. */
    public static final int DEFAULT_BATCH_SIZE = 64;

    private final ImageTower tower;
    private final ImagePreprocessor preprocessor;
    private final EncoderFingerprint fingerprint;
    private final int batchSize;

    /** Wraps a copy of the tower; the caller keeps ownership of {@code tower}. */
    public ImageTowerEncoder(ImageTower tower) {
        this(tower, DEFAULT_BATCH_SIZE);
    }

    /** Wraps a copy of the tower, running at most {@code batchSize} images per forward pass. */
    public ImageTowerEncoder(ImageTower tower, int batchSize) {
        Objects.requireNonNull(tower, "tower");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.tower = tower.copy();
        for (Parameter p : this.tower.parameters()) {
            p.getArray().setRequiresGradient(false); // inference only: never record an autograd graph
        }
        this.preprocessor = new ImagePreprocessor(tower.config().inputSpec());
        this.fingerprint = this.tower.fingerprint();
        this.batchSize = batchSize;
    }

    /** Loads a tower saved by {@link ImageTower#save(Path)} onto the PyTorch engine's default device. */
    public static ImageTowerEncoder load(Path file) {
        try (ImageTower tower = ImageTower.load(file)) {
            return new ImageTowerEncoder(tower);
        }
    }

    @Override
    public int dimension() {
        return tower.dimension();
    }

    @Override
    public EncoderFingerprint fingerprint() {
        return fingerprint;
    }

    /** The input this encoder converts images to. */
    public ImageInputSpec inputSpec() {
        return preprocessor.spec();
    }

    @Override
    public float[][] encode(List<MedicalImage> images) {
        Objects.requireNonNull(images, "images");
        float[][] out = new float[images.size()][];
        ImageInputSpec spec = preprocessor.spec();
        int dim = tower.dimension();
        for (int start = 0; start < images.size(); start += batchSize) {
            List<MedicalImage> chunk = images.subList(start, Math.min(images.size(), start + batchSize));
            float[] pixels;
            try {
                pixels = preprocessor.toTensor(chunk);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("images " + start + ".." + (start + chunk.size() - 1) + ": " + e.getMessage(), e);
            }
            int rows = chunk.size();
            if (rows == 1) {
                // one image runs as two copies: for a batch of one libtorch leaves oneDNN for its reference
                // convolution, which on CPUs without NNPACK support logs a warning for every convolution
                float[] twice = new float[pixels.length * 2];
                System.arraycopy(pixels, 0, twice, 0, pixels.length);
                System.arraycopy(pixels, 0, twice, pixels.length, pixels.length);
                pixels = twice;
                rows = 2;
            }
            // inference never needs an autograd graph over the tower's trainable parameters
            try (NoGradient ignored = NoGradient.enter(); NDManager sub = tower.manager().newSubManager()) {
                NDArray x = sub.create(pixels, new Shape(rows, spec.channels(), spec.height(), spec.width()));
                float[] flat = tower.forward(x, false).toFloatArray();
                for (int i = 0; i < chunk.size(); i++) {
                    float[] v = new float[dim];
                    System.arraycopy(flat, i * dim, v, 0, dim);
                    out[start + i] = v;
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        tower.close();
    }
}
