package io.jomed.training.experiment;

import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.training.alignment.Augmentation;
import io.jomed.training.alignment.ImageTowerAlignment;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistSplit;

/**
 * The measured default settings for MedMNIST datasets (28x28): the image-tower alignment used by the demo and the
 * evaluations in {@code RESULTS.md}. Fundus photographs (RetinaMNIST) also get horizontal flips.
 *
 * <p>Stateless and thread-safe.
 */
public final class MedMnistDefaults {
    /** Alignment epochs; BreastMNIST keeps its best validation epoch in the twenties. */
    public static final int ALIGNMENT_EPOCHS = 30;

    private MedMnistDefaults() {
    }

    /** The alignment of {@code f0} for a dataset and seed. */
    public static ImageTowerAlignment alignment(MedMnistDataset dataset, long seed, int epochs) {
        int channels = dataset.image(MedMnistSplit.TRAIN, 0).channels();
        int width = dataset.image(MedMnistSplit.TRAIN, 0).width();
        int height = dataset.image(MedMnistSplit.TRAIN, 0).height();
        boolean fundus = dataset.name().startsWith("retina");
        ImageTowerConfig config = ImageTowerConfig.builder()
                .setInputSpec(ImageInputSpec.centered(width, height, channels)).build();
        return ImageTowerAlignment.builder().setTowerConfig(config).optEpochs(epochs).optSeed(seed)
                .optAugmentation(new Augmentation(2, fundus, false)).build();
    }
}
