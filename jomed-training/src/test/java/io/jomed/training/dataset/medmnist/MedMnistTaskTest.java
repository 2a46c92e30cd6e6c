package io.jomed.training.dataset.medmnist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.reading.LabelSpace;
import org.junit.jupiter.api.Test;

class MedMnistTaskTest {

    @Test
    void breastHasMalignantAsPositiveClassZero() {
        LabelSpace labels = MedMnistTask.BREASTMNIST.labelSpace();
        assertThat(labels.name()).isEqualTo("breastmnist");
        assertThat(labels.labels()).containsExactly("malignant", "normal or benign");
        assertThat(labels.positiveIndex()).contains(0);
        assertThat(MedMnistTask.BREASTMNIST.question()).isEqualTo("Does this breast ultrasound image show signs of cancer?");
        assertThat(MedMnistTask.BREASTMNIST.reportText(0)).isEqualTo("Breast ultrasound: malignant lesion.");
        assertThat(MedMnistTask.BREASTMNIST.reportText(1)).isEqualTo("Breast ultrasound: normal or benign tissue.");
        assertThat(MedMnistTask.BREASTMNIST.channels()).hasValue(1);
    }

    @Test
    void retinaUsesPlainGradesAndSpelledOutReports() {
        MedMnistTask retina = MedMnistTask.RETINAMNIST;
        assertThat(retina.labelSpace().labels()).containsExactly("0", "1", "2", "3", "4");
        assertThat(retina.labelSpace().positiveIndex()).isEmpty();
        assertThat(retina.question()).isEqualTo("what is the severity of diabetic retinopathy?");
        assertThat(retina.reportText(2)).isEqualTo("Fundus photograph: diabetic retinopathy grade 2 (moderate).");
        assertThat(retina.channels()).hasValue(3);
    }

    @Test
    void catalogueHoldsTheElevenSingleLabel2dTasksWithOneReportPerClass() {
        assertThat(MedMnistTask.known()).extracting(MedMnistTask::name).containsExactlyInAnyOrder("breastmnist",
                "retinamnist", "pathmnist", "dermamnist", "octmnist", "pneumoniamnist", "bloodmnist", "tissuemnist",
                "organamnist", "organcmnist", "organsmnist");
        for (MedMnistTask t : MedMnistTask.known()) {
            assertThat(t.isKnown()).isTrue();
            int n = t.labelSpace().size();
            assertThat(java.util.stream.IntStream.range(0, n).mapToObj(t::reportText).distinct()).hasSize(n);
            assertThat(MedMnistLocator.officialMd5(t.name())).isPresent();
        }
        assertThat(MedMnistTask.PATHMNIST.labelSpace().size()).isEqualTo(9);
        assertThat(MedMnistTask.DERMAMNIST.labelSpace().label(4)).isEqualTo("melanoma");
        assertThat(MedMnistTask.ORGANCMNIST.labelSpace().size()).isEqualTo(11);
        assertThat(MedMnistTask.PNEUMONIAMNIST.labelSpace().positiveIndex()).contains(1);
    }

    @Test
    void lookupIgnoresCaseAndSizeSuffixAndKnowsNoMultiLabelTask() {
        assertThat(MedMnistTask.forName("BreastMNIST")).contains(MedMnistTask.BREASTMNIST);
        assertThat(MedMnistTask.forName("retinamnist_224")).contains(MedMnistTask.RETINAMNIST);
        assertThat(MedMnistTask.forName("chestmnist")).isEmpty();
        assertThat(MedMnistTask.forName("mystery")).isEmpty();
    }

    @Test
    void numericFallbackHasNumberedLabels() {
        MedMnistTask t = MedMnistTask.numeric("mystery", 3);
        assertThat(t.isKnown()).isFalse();
        assertThat(t.labelSpace().labels()).containsExactly("0", "1", "2");
        assertThat(t.reportText(2)).isEqualTo("mystery image: class 2.");
        assertThat(t.channels()).isEmpty();
        assertThatThrownBy(() -> MedMnistTask.numeric("x", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
