package io.jomed.training.dataset.medmnist;

import io.jomed.api.reading.LabelSpace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * A MedMNIST v2 2D single-label classification task: its name, {@link LabelSpace}, the question put to
 * the reader, the number of image channels, and the report text generated for each class.
 *
 * <p>Class names are MedMNIST's ({@code medmnist/info.py} of {@code MedMNIST/MedMNIST}, v3.0.2) with two
 * deliberate choices: BreastMNIST's class 1 is {@code normal or benign} (info.py: {@code normal, benign}) with
 * {@code malignant} (class 0) as the positive class, matching the question "does it show signs of cancer?";
 * RetinaMNIST's classes are the plain grades {@code "0"} to {@code "4"} as in info.py and the reference
 * implementation's gold answers, while its report text spells out the grade ("diabetic retinopathy grade 2
 * (moderate)", ICDR scale). PneumoniaMNIST's positive class is {@code pneumonia}. Questions for breast and
 * retina are the reference implementation's; the others are written here and untuned.
 *
 * <p><b>Report text.</b> MedMNIST has labels, not reports, so {@link #reportText(int)} writes one fixed
 * sentence per class, for example "Breast ultrasound: malignant lesion." A knowledge base built from these
 * cases therefore has exactly ONE distinct text key per class: the text head degenerates to a
 * nearest-class lookup and all cases of a class tie on it.
 *
 * <p>A file whose name matches no known task gets a {@linkplain #numeric numeric task} with labels
 * {@code "0"..."C-1"} discovered from the data. Instances are immutable and thread-safe.
 */
public final class MedMnistTask {

    /** A size suffix of the MedMNIST+ files ({@code breastmnist_224}) is ignored when looking a task up. */
    private static final Pattern SIZE_SUFFIX = Pattern.compile("_(64|128|224)$");
    private static final Map<String, MedMnistTask> KNOWN = new LinkedHashMap<>();

    /** BreastMNIST: breast ultrasound, malignant (positive) vs normal or benign; grey. */
    public static final MedMnistTask BREASTMNIST = register(new Spec("breastmnist", 1,
            "Does this breast ultrasound image show signs of cancer?", "Breast ultrasound")
            .cls("malignant", "malignant lesion")
            .cls("normal or benign", "normal or benign tissue")
            .positive("malignant"));

    /** RetinaMNIST: diabetic retinopathy grade 0 to 4 of a fundus photograph; RGB. */
    public static final MedMnistTask RETINAMNIST = register(new Spec("retinamnist", 3,
            "what is the severity of diabetic retinopathy?", "Fundus photograph")
            .cls("0", "diabetic retinopathy grade 0 (no DR)")
            .cls("1", "diabetic retinopathy grade 1 (mild)")
            .cls("2", "diabetic retinopathy grade 2 (moderate)")
            .cls("3", "diabetic retinopathy grade 3 (severe)")
            .cls("4", "diabetic retinopathy grade 4 (proliferative)"));

    /** PathMNIST: nine tissue types of colorectal cancer histology (H&amp;E); RGB. */
    public static final MedMnistTask PATHMNIST = register(new Spec("pathmnist", 3,
            "What type of tissue does this colorectal histology image show?", "Colorectal histology (H&E)")
            .same("adipose", "background", "debris", "lymphocytes", "mucus", "smooth muscle", "normal colon mucosa",
                    "cancer-associated stroma", "colorectal adenocarcinoma epithelium"));

    /** DermaMNIST: seven pigmented skin lesion types (HAM10000); RGB. */
    public static final MedMnistTask DERMAMNIST = register(new Spec("dermamnist", 3,
            "What type of skin lesion does the patient have?", "Dermatoscopy")
            .same("actinic keratoses and intraepithelial carcinoma", "basal cell carcinoma",
                    "benign keratosis-like lesions", "dermatofibroma", "melanoma", "melanocytic nevi",
                    "vascular lesions"));

    /** OCTMNIST: four retinal OCT diagnoses; grey. */
    public static final MedMnistTask OCTMNIST = register(new Spec("octmnist", 1,
            "What does this retinal OCT image show?", "Retinal OCT")
            .same("choroidal neovascularization", "diabetic macular edema", "drusen", "normal"));

    /** PneumoniaMNIST: paediatric chest X-ray, normal vs pneumonia (positive); grey. */
    public static final MedMnistTask PNEUMONIAMNIST = register(new Spec("pneumoniamnist", 1,
            "Does this chest X-ray show pneumonia?", "Paediatric chest X-ray")
            .cls("normal", "normal")
            .cls("pneumonia", "pneumonia")
            .positive("pneumonia"));

    /** BloodMNIST: eight blood cell types; RGB. */
    public static final MedMnistTask BLOODMNIST = register(new Spec("bloodmnist", 3,
            "What type of blood cell does this image show?", "Blood cell microscopy")
            .same("basophil", "eosinophil", "erythroblast",
                    "immature granulocytes(myelocytes, metamyelocytes and promyelocytes)", "lymphocyte", "monocyte",
                    "neutrophil", "platelet"));

    /** TissueMNIST: eight kidney cortex cell types; grey. */
    public static final MedMnistTask TISSUEMNIST = register(new Spec("tissuemnist", 1,
            "What type of kidney cortex cell does this image show?", "Kidney cortex microscopy")
            .same("Collecting Duct, Connecting Tubule", "Distal Convoluted Tubule", "Glomerular endothelial cells",
                    "Interstitial endothelial cells", "Leukocytes", "Podocytes", "Proximal Tubule Segments",
                    "Thick Ascending Limb"));

    /** OrganAMNIST: eleven abdominal organs, axial CT; grey. */
    public static final MedMnistTask ORGANAMNIST = register(organ("organamnist", "axial"));

    /** OrganCMNIST: eleven abdominal organs, coronal CT; grey. */
    public static final MedMnistTask ORGANCMNIST = register(organ("organcmnist", "coronal"));

    /** OrganSMNIST: eleven abdominal organs, sagittal CT; grey. */
    public static final MedMnistTask ORGANSMNIST = register(organ("organsmnist", "sagittal"));

    private final String name;
    private final LabelSpace labelSpace;
    private final String question;
    private final int channels;
    private final List<String> reports;
    private final boolean known;

    private MedMnistTask(String name, LabelSpace labelSpace, String question, int channels, List<String> reports,
            boolean known) {
        this.name = name;
        this.labelSpace = labelSpace;
        this.question = question;
        this.channels = channels;
        this.reports = List.copyOf(reports);
        this.known = known;
    }

    /**
     * The known task of a dataset name, case-insensitive; a MedMNIST+ size suffix ({@code _64}, {@code _128},
     * {@code _224}) is ignored. Empty for unknown names and for multi-label {@code chestmnist}.
     */
    public static Optional<MedMnistTask> forName(String name) {
        Objects.requireNonNull(name, "name");
        String base = SIZE_SUFFIX.matcher(name.toLowerCase(Locale.ROOT)).replaceFirst("");
        return Optional.ofNullable(KNOWN.get(base));
    }

    /** Every known task, in MedMNIST's order (breast and retina first). */
    public static List<MedMnistTask> known() {
        return List.copyOf(KNOWN.values());
    }

    /**
     * A task for a dataset this catalogue does not know: labels {@code "0"} to {@code "C-1"}, the question
     * "What is the class of this image?" and reports such as "{@code name} image: class 3."
     *
     * @param classCount number of classes, at least 2
     */
    public static MedMnistTask numeric(String name, int classCount) {
        Objects.requireNonNull(name, "name");
        if (classCount < 2) {
            throw new IllegalArgumentException("task " + name + " needs at least 2 classes, got " + classCount);
        }
        LabelSpace.Builder labels = LabelSpace.builder().setName(name);
        List<String> reports = new ArrayList<>();
        for (int c = 0; c < classCount; c++) {
            labels.addLabel(Integer.toString(c));
            reports.add(name + " image: class " + c + ".");
        }
        return new MedMnistTask(name, labels.build(), "What is the class of this image?", 0, reports, false);
    }

    /** The task name, for example {@code breastmnist}; also the label space name. */
    public String name() {
        return name;
    }

    public LabelSpace labelSpace() {
        return labelSpace;
    }

    /** The question given with every example of this task. */
    public String question() {
        return question;
    }

    /** 1 (grey) or 3 (RGB) for a known task; empty for a numeric fallback task. */
    public OptionalInt channels() {
        return channels == 0 ? OptionalInt.empty() : OptionalInt.of(channels);
    }

    /** Whether this is a catalogued MedMNIST task (false for a {@linkplain #numeric numeric} fallback). */
    public boolean isKnown() {
        return known;
    }

    /**
     * The report text of a class, for example "Breast ultrasound: malignant lesion." or "Fundus photograph:
     * diabetic retinopathy grade 2 (moderate)." Every case of a class gets the same text (see the class
     * documentation).
     */
    public String reportText(int classIndex) {
        Objects.checkIndex(classIndex, reports.size());
        return reports.get(classIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MedMnistTask t && t.name.equals(name) && t.labelSpace.equals(labelSpace)
                && t.question.equals(question) && t.channels == channels && t.reports.equals(reports)
                && t.known == known;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, labelSpace, question, channels, reports, known);
    }

    @Override
    public String toString() {
        return "MedMnistTask[" + name + ", " + labelSpace.size() + " classes" + (known ? "" : ", numeric fallback") + "]";
    }

    private static Spec organ(String name, String view) {
        return new Spec(name, 1, "Which organ does this abdominal CT image show?", "Abdominal CT (" + view + ")")
                .same("bladder", "femur-left", "femur-right", "heart", "kidney-left", "kidney-right", "liver",
                        "lung-left", "lung-right", "pancreas", "spleen");
    }

    private static MedMnistTask register(Spec spec) {
        LabelSpace.Builder labels = LabelSpace.builder().setName(spec.name);
        spec.labels.forEach(labels::addLabel);
        if (spec.positive != null) {
            labels.optPositiveLabel(spec.positive);
        }
        List<String> reports = spec.findings.stream().map(f -> spec.modality + ": " + f + ".").toList();
        MedMnistTask task = new MedMnistTask(spec.name, labels.build(), spec.question, spec.channels, reports, true);
        KNOWN.put(spec.name, task);
        return task;
    }

    /** Mutable description used only while the constants are built. */
    private static final class Spec {
        final String name;
        final int channels;
        final String question;
        final String modality;
        final List<String> labels = new ArrayList<>();
        final List<String> findings = new ArrayList<>();
        String positive;

        Spec(String name, int channels, String question, String modality) {
            this.name = name;
            this.channels = channels;
            this.question = question;
            this.modality = modality;
        }

        Spec cls(String label, String finding) {
            labels.add(label);
            findings.add(finding);
            return this;
        }

        Spec same(String... labelsThatAreFindings) {
            for (String l : labelsThatAreFindings) {
                cls(l, l);
            }
            return this;
        }

        Spec positive(String label) {
            this.positive = label;
            return this;
        }
    }
}
