package io.jomed.training.dataset.medmnist;

import io.jomed.api.image.MedicalImage;
import io.jomed.api.kb.KnowledgeBaseCase;
import io.jomed.api.retrieval.Query;
import io.jomed.api.training.TaskExample;
import io.jomed.training.dataset.npy.NpyArray;
import io.jomed.training.dataset.npy.NpyDtype;
import io.jomed.training.dataset.npy.NpzFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MedMNIST v2 2D dataset loaded from its official {@code <name>.npz}: the {@code train}, {@code val} and
 * {@code test} splits, each a list of images with one class label.
 *
 * <p>The file must hold {@code {train,val,test}_{images,labels}}. Images are {@code uint8} of shape
 * {@code (N,H,W)} (grey) or {@code (N,H,W,3)} (RGB, HWC). Labels are integers of shape {@code (N,)} or
 * {@code (N,1)}; multi-label files such as ChestMNIST ({@code (N,14)}) are rejected. Label values must lie in
 * the task's label space. The task comes from the file name ({@link MedMnistTask#forName}); for an unknown
 * name the labels {@code 0..C-1} are discovered from the data (C = largest label + 1) and this is logged.
 *
 * <p>Cases and examples of row {@code i} share the id {@code <dataset>-<split>-<i, 5 digits>}, for example
 * {@code breastmnist-train-00017}. The report text of a case is generated from its label and is the same for
 * every case of a class (see {@link MedMnistTask}).
 *
 * <p>Instances are immutable and thread-safe; all pixels are held in memory.
 */
public final class MedMnistDataset {

    private static final Logger LOG = LoggerFactory.getLogger(MedMnistDataset.class);
    /** Numeric fallback tasks accept labels up to this bound, so a corrupt label cannot create a huge space. */
    private static final int MAX_DISCOVERED_CLASSES = 1000;

    private final Path file;
    private final String name;
    private final MedMnistTask task;
    private final Map<MedMnistSplit, SplitData> splits;

    private MedMnistDataset(Path file, String name, MedMnistTask task, Map<MedMnistSplit, SplitData> splits) {
        this.file = file;
        this.name = name;
        this.task = task;
        this.splits = splits;
    }

    /**
     * Loads a file; the dataset name is the file name without {@code .npz} and picks the task.
     *
     * @throws MedMnistFormatException naming file, key and row if the content is not a usable dataset
     * @throws io.jomed.training.dataset.npy.NpyFormatException if the archive or an array is corrupt
     * @throws IOException if the file is missing or cannot be read
     */
    public static MedMnistDataset load(Path npz) throws IOException {
        Objects.requireNonNull(npz, "npz");
        String name = datasetName(npz);
        return load(npz, name, MedMnistTask.forName(name));
    }

    /** Loads a file as the given task (for a renamed copy of an official file). */
    public static MedMnistDataset load(Path npz, MedMnistTask task) throws IOException {
        Objects.requireNonNull(npz, "npz");
        Objects.requireNonNull(task, "task");
        return load(npz, datasetName(npz), Optional.of(task));
    }

    private static MedMnistDataset load(Path npz, String name, Optional<MedMnistTask> knownTask) throws IOException {
        try (NpzFile archive = NpzFile.open(npz)) {
            List<String> missing = new ArrayList<>();
            for (MedMnistSplit split : MedMnistSplit.values()) {
                for (String key : List.of(split.imagesKey(), split.labelsKey())) {
                    if (!archive.contains(key)) {
                        missing.add(key);
                    }
                }
            }
            if (!missing.isEmpty()) {
                throw new MedMnistFormatException(npz + ": not a MedMNIST file: missing arrays " + missing
                        + " (needed: {train,val,test}_{images,labels}); available keys: " + archive.keys());
            }
            Map<MedMnistSplit, SplitData> raw = new EnumMap<>(MedMnistSplit.class);
            for (MedMnistSplit split : MedMnistSplit.values()) {
                raw.put(split, readSplit(archive, split));
            }
            MedMnistTask task;
            if (knownTask.isPresent()) {
                task = knownTask.get();
            } else {
                int maxLabel = raw.values().stream().mapToInt(SplitData::maxLabel).max().orElse(0);
                task = MedMnistTask.numeric(name, Math.max(2, maxLabel + 1));
                LOG.info("{}: '{}' is no known MedMNIST task; using numeric labels 0..{} discovered from the data",
                        npz, name, task.labelSpace().size() - 1);
            }
            for (SplitData data : raw.values()) {
                data.validate(npz, task);
            }
            return new MedMnistDataset(npz, name, task, Collections.unmodifiableMap(raw));
        }
    }

    private static SplitData readSplit(NpzFile archive, MedMnistSplit split) throws IOException {
        Path npz = archive.file();
        NpyArray images = archive.array(split.imagesKey());
        NpyArray labels = archive.array(split.labelsKey());
        String imagesAt = npz + ", key " + split.imagesKey();
        String labelsAt = npz + ", key " + split.labelsKey();
        if (images.dtype() != NpyDtype.UINT8) {
            throw new MedMnistFormatException(imagesAt + ": images must be uint8 (|u1), got " + images.dtype().descr());
        }
        int rank = images.rank();
        if (!(rank == 3 || rank == 4 && (images.dim(3) == 3 || images.dim(3) == 1))) {
            throw new MedMnistFormatException(imagesAt + ": images must have shape (N,H,W) or (N,H,W,3), got "
                    + NpyArray.formatShape(images.shape()));
        }
        int height = Math.toIntExact(images.dim(1));
        int width = Math.toIntExact(images.dim(2));
        int channels = rank == 4 ? (int) images.dim(3) : 1;
        if (height < 1 || width < 1) {
            throw new MedMnistFormatException(imagesAt + ": images are empty, shape " + NpyArray.formatShape(images.shape()));
        }
        if (!labels.dtype().isIntegral()) {
            throw new MedMnistFormatException(labelsAt + ": labels must be integers, got dtype " + labels.dtype().descr());
        }
        if (labels.rank() == 2 && labels.dim(1) > 1) {
            throw new MedMnistFormatException(labelsAt + ": labels of shape " + NpyArray.formatShape(labels.shape())
                    + " are multi-label (as in chestmnist); only single-label datasets are supported for now");
        }
        if (!(labels.rank() == 1 || labels.rank() == 2 && labels.dim(1) == 1)) {
            throw new MedMnistFormatException(labelsAt + ": labels must have shape (N,) or (N,1), got "
                    + NpyArray.formatShape(labels.shape()));
        }
        if (labels.dim(0) != images.dim(0)) {
            throw new MedMnistFormatException(npz + ": split " + split.key() + " has " + images.dim(0) + " images ("
                    + split.imagesKey() + ") but " + labels.dim(0) + " labels (" + split.labelsKey() + ")");
        }
        int n = Math.toIntExact(images.dim(0));
        int[] values = new int[n];
        for (int row = 0; row < n; row++) {
            long v = labels.getLong(row);
            if (v < 0 || v >= MAX_DISCOVERED_CLASSES) {
                throw labelError(labelsAt, row, v, "0.." + (MAX_DISCOVERED_CLASSES - 1));
            }
            values[row] = (int) v;
        }
        return new SplitData(split, images, values, height, width, channels);
    }

    private static MedMnistFormatException labelError(String at, int row, long value, String allowed) {
        return new MedMnistFormatException(at + ", row " + row + ": label value " + value + " is outside the label"
                + " space (allowed " + allowed + ")");
    }

    private static String datasetName(Path npz) {
        Path fileName = npz.getFileName();
        if (fileName == null) {
            throw new IllegalArgumentException("npz path has no file name: " + npz);
        }
        String n = fileName.toString();
        return n.toLowerCase(Locale.ROOT).endsWith(".npz") ? n.substring(0, n.length() - 4) : n;
    }

    /** The file this dataset was loaded from. */
    public Path file() {
        return file;
    }

    /** The dataset name (file name without {@code .npz}), the first part of every case id. */
    public String name() {
        return name;
    }

    public MedMnistTask task() {
        return task;
    }

    /** Number of examples in a split. */
    public int size(MedMnistSplit split) {
        return data(split).labels.length;
    }

    /** The image of row {@code index} of a split. */
    public MedicalImage image(MedMnistSplit split, int index) {
        return data(split).image(index);
    }

    /** The class index of row {@code index} of a split. */
    public int labelIndex(MedMnistSplit split, int index) {
        SplitData d = data(split);
        Objects.checkIndex(index, d.labels.length);
        return d.labels[index];
    }

    /** The label (from the task's label space) of row {@code index} of a split. */
    public String label(MedMnistSplit split, int index) {
        return task.labelSpace().label(labelIndex(split, index));
    }

    /** The id of row {@code index} of a split, for example {@code breastmnist-train-00017}. */
    public String caseId(MedMnistSplit split, int index) {
        Objects.checkIndex(index, size(split));
        return String.format(Locale.ROOT, "%s-%s-%05d", name, split.key(), index);
    }

    /** Number of examples per label in class order, zero counts included; unmodifiable. */
    public Map<String, Integer> labelCounts(MedMnistSplit split) {
        int[] counts = new int[task.labelSpace().size()];
        for (int label : data(split).labels) {
            counts[label]++;
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        for (int c = 0; c < counts.length; c++) {
            out.put(task.labelSpace().label(c), counts[c]);
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The split as knowledge-base cases: image, generated report text, and metadata {@code dataset},
     * {@code split}, {@code label} (the label string) and {@code source=medmnist}.
     */
    public List<KnowledgeBaseCase> cases(MedMnistSplit split) {
        int n = size(split);
        List<KnowledgeBaseCase> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int label = labelIndex(split, i);
            out.add(KnowledgeBaseCase.builder()
                    .setId(caseId(split, i))
                    .setImage(image(split, i))
                    .optText(task.reportText(label))
                    .optMetadata("dataset", name)
                    .optMetadata("split", split.key())
                    .optMetadata("label", task.labelSpace().label(label))
                    .optMetadata("source", "medmnist")
                    .build());
        }
        return Collections.unmodifiableList(out);
    }

    /** The split as task examples: the case id, the image with the task question, and the gold label. */
    public List<TaskExample> examples(MedMnistSplit split) {
        int n = size(split);
        List<TaskExample> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new TaskExample(caseId(split, i), Query.of(image(split, i), task.question()), label(split, i)));
        }
        return Collections.unmodifiableList(out);
    }

    @Override
    public String toString() {
        return "MedMnistDataset[" + name + ", task " + task.name() + ", train/val/test " + size(MedMnistSplit.TRAIN)
                + "/" + size(MedMnistSplit.VAL) + "/" + size(MedMnistSplit.TEST) + "]";
    }

    private SplitData data(MedMnistSplit split) {
        return splits.get(Objects.requireNonNull(split, "split"));
    }

    /** One split's arrays; immutable after validation. */
    private static final class SplitData {
        final MedMnistSplit split;
        final NpyArray images;
        final int[] labels;
        final int height;
        final int width;
        final int channels;

        SplitData(MedMnistSplit split, NpyArray images, int[] labels, int height, int width, int channels) {
            this.split = split;
            this.images = images;
            this.labels = labels;
            this.height = height;
            this.width = width;
            this.channels = channels;
        }

        int maxLabel() {
            int max = 0;
            for (int l : labels) {
                max = Math.max(max, l);
            }
            return max;
        }

        void validate(Path npz, MedMnistTask task) throws MedMnistFormatException {
            int classes = task.labelSpace().size();
            for (int row = 0; row < labels.length; row++) {
                if (labels[row] >= classes) {
                    throw labelError(npz + ", key " + split.labelsKey(), row, labels[row],
                            "0.." + (classes - 1) + " for task " + task.name());
                }
            }
            if (task.channels().isPresent() && task.channels().getAsInt() != channels) {
                throw new MedMnistFormatException(npz + ", key " + split.imagesKey() + ": task " + task.name()
                        + " has " + task.channels().getAsInt() + "-channel images, the file has " + channels
                        + " (shape " + NpyArray.formatShape(images.shape()) + ")");
            }
        }

        MedicalImage image(int index) {
            Objects.checkIndex(index, labels.length);
            int pixels = height * width * channels;
            return MedicalImage.ofPixels(width, height, channels, images.copyBytes((long) index * pixels, pixels));
        }
    }
}
