package io.jomed.training.experiment;

import io.jomed.retriever.encoding.ImageTowerConfig;
import io.jomed.retriever.image.ImageAugmentation;
import io.jomed.retriever.image.ImageInputSpec;
import io.jomed.training.alignment.AlignmentSelection;
import io.jomed.training.alignment.ImageTowerAlignment;
import io.jomed.training.dataset.medmnist.MedMnistDataset;
import io.jomed.training.dataset.medmnist.MedMnistSplit;

/**
 * The measured default settings for MedMNIST datasets (28x28): the image-tower alignment used by the demo and the
 * evaluations in {@code RESULTS.md}: mixup (alpha {@value #MIXUP_ALPHA}), an exponential moving average of the weights
 * (decay {@value #WEIGHT_AVERAGING_DECAY}) and the epoch with the lowest validation loss, which on RetinaMNIST's
 * 120 validation images is steadier than the best validation top-1. Fundus photographs (RetinaMNIST) also get
 * horizontal flips. The tower is a single network: a deep ensemble ({@link ImageTowerConfig#members()}, here through
 * {@link #alignment(MedMnistDataset, long, int, int)}) improves the k-NN baseline a little but lowered RetinaMNIST's
 * standard RAG in the demo (RESULTS.md).
 *
 * <p>Stateless and thread-safe.
 */
public final class MedMnistDefaults {
    /** Alignment epochs; BreastMNIST keeps its best validation epoch in the twenties. */
    public static final int ALIGNMENT_EPOCHS = 30;
    /** Mixup alpha of the alignment. */
    public static final double MIXUP_ALPHA = 0.4;
    /** Decay of the alignment's weight average. */
    public static final double WEIGHT_AVERAGING_DECAY = 0.98;
    /** Ensemble members of the image tower ({@link ImageTowerConfig#members()}). */
    public static final int TOWER_MEMBERS = 1;

    private MedMnistDefaults() {
    }

    /** The alignment of {@code f0} for a dataset and seed, with the default {@value #TOWER_MEMBERS} tower member(s). */
    public static ImageTowerAlignment alignment(MedMnistDataset dataset, long seed, int epochs) {
        return alignment(dataset, seed, epochs, TOWER_MEMBERS);
    }

    /** The alignment of {@code f0} for a dataset and seed, with a tower of {@code members} ensemble members. */
    public static ImageTowerAlignment alignment(MedMnistDataset dataset, long seed, int epochs, int members) {
        int channels = dataset.image(MedMnistSplit.TRAIN, 0).channels();
        int width = dataset.image(MedMnistSplit.TRAIN, 0).width();
        int height = dataset.image(MedMnistSplit.TRAIN, 0).height();
        ImageTowerConfig config = ImageTowerConfig.builder()
                .setInputSpec(ImageInputSpec.centered(width, height, channels)).optMembers(members).build();
        return ImageTowerAlignment.builder().setTowerConfig(config).optEpochs(epochs).optSeed(seed)
                .optAugmentation(augmentation(dataset)).optMixup(MIXUP_ALPHA).optWeightAveraging(WEIGHT_AVERAGING_DECAY)
                .optSelection(AlignmentSelection.VALIDATION_LOSS).build();
    }

    /**
     * Training-time augmentation for a dataset: shifts of up to 2 pixels, and horizontal flips for fundus
     * photographs (RetinaMNIST), whose left-right orientation carries no diagnosis.
     */
    public static ImageAugmentation augmentation(MedMnistDataset dataset) {
        return new ImageAugmentation(2, dataset.name().startsWith("retina"), false);
    }
}
