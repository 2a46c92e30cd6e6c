package io.jomed.reader.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jomed.retriever.image.ImageInputSpec;
import org.junit.jupiter.api.Test;

class ReaderImageInputTest {
    @Test
    void isACenteredSpecOfItsSizeAndChannels() {
        ReaderImageInput input = new ReaderImageInput(6, 4, 3);
        assertThat(input.spec()).isEqualTo(ImageInputSpec.centered(6, 4, 3));
        assertThat(input.valuesPerImage()).isEqualTo(72);
    }

    @Test
    void rejectsBadSizesAndChannelsNamingTheValue() {
        assertThatThrownBy(() -> new ReaderImageInput(0, 4, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x4");
        assertThatThrownBy(() -> new ReaderImageInput(4, 4, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 2");
    }

    @Test
    void namesTheBuilderCallThatIsMissing() {
        assertThatThrownBy(() -> ReaderImageInput.fromBuilder(0, 0, 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("setImageSize");
        assertThatThrownBy(() -> ReaderImageInput.fromBuilder(4, 4, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("setChannels");
        assertThat(ReaderImageInput.fromBuilder(4, 5, 1)).isEqualTo(new ReaderImageInput(4, 5, 1));
    }
}
