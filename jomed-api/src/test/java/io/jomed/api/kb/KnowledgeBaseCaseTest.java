package io.jomed.api.kb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.api.image.MedicalImage;
import org.junit.jupiter.api.Test;

class KnowledgeBaseCaseTest {
    private static final MedicalImage IMAGE = MedicalImage.ofPixels(1, 1, 1, new byte[] {3});

    @Test
    void buildsAnImmutableCaseAndACopyViaToBuilder() {
        KnowledgeBaseCase c = KnowledgeBaseCase.builder().setId("mimic-17").setImage(IMAGE)
                .optText("No acute findings.").optMetadata("source", "mimic").optMetadata("view", "PA").build();
        assertThat(c.metadata()).containsExactly(java.util.Map.entry("source", "mimic"), java.util.Map.entry("view", "PA"));
        assertThatThrownBy(() -> c.metadata().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        KnowledgeBaseCase changed = c.toBuilder().optText("Effusion.").build();
        assertThat(changed.id()).isEqualTo("mimic-17");
        assertThat(changed.metadata()).isEqualTo(c.metadata());
        assertThat(changed).isNotEqualTo(c);
    }

    @Test
    void toStringHidesReportText() {
        KnowledgeBaseCase c = KnowledgeBaseCase.builder().setId("p1").setImage(IMAGE).optText("secret finding").build();
        assertThat(c.toString()).contains("p1").doesNotContain("secret");
    }

    @Test
    void validatesIdsAndMetadataKeys() {
        assertThatThrownBy(() -> KnowledgeBaseCase.builder().setId("")).hasMessageContaining("case id");
        assertThatThrownBy(() -> KnowledgeBaseCase.builder().setId("a\nb")).hasMessageContaining("line breaks");
        assertThatThrownBy(() -> KnowledgeBaseCase.builder().optMetadata("1st", "x")).hasMessageContaining("1st");
        assertThatThrownBy(() -> KnowledgeBaseCase.builder().setId("x").build()).hasMessageContaining("image is required");
        assertThatThrownBy(() -> KnowledgeBaseCase.builder().setImage(IMAGE).build()).hasMessageContaining("id is required");
    }
}
