package io.jomed.api.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MedicalImageTest {

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).isTrue();
        return out.toByteArray();
    }

    private static BufferedImage rgbPattern() {
        BufferedImage img = new BufferedImage(5, 3, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                img.setRGB(x, y, (x * 40) << 16 | (y * 70) << 8 | (x + y) * 20);
            }
        }
        return img;
    }

    @Test
    void decodesRgbPixelsInHwcOrder() throws IOException {
        MedicalImage image = MedicalImage.decode(encode(rgbPattern(), "png"), "pattern.png");
        assertThat(image.width()).isEqualTo(5);
        assertThat(image.height()).isEqualTo(3);
        assertThat(image.channels()).isEqualTo(3);
        assertThat(image.pixel(2, 1, 0)).isEqualTo(80);
        assertThat(image.pixel(2, 1, 1)).isEqualTo(70);
        assertThat(image.pixel(2, 1, 2)).isEqualTo(60);
    }

    @Test
    void greyImagesStayGrey() throws IOException {
        BufferedImage grey = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 2, 0, 200);
        MedicalImage image = MedicalImage.decode(encode(grey, "png"), "grey.png");
        assertThat(image.channels()).isEqualTo(1);
        assertThat(image.pixel(1, 2, 0)).isEqualTo(200);
        assertThat(image.pixel(0, 0, 0)).isZero();
    }

    @Test
    void contentHashDependsOnPixelsAndShapeNotOnTheFileFormat() throws IOException {
        MedicalImage png = MedicalImage.decode(encode(rgbPattern(), "png"), "a.png");
        MedicalImage bmp = MedicalImage.decode(encode(rgbPattern(), "bmp"), "a.bmp");
        assertThat(png.contentHash()).isEqualTo(bmp.contentHash()).hasSize(64);
        assertThat(png).isEqualTo(bmp);

        byte[] px = new byte[12];
        MedicalImage wide = MedicalImage.ofPixels(4, 3, 1, px);
        MedicalImage tall = MedicalImage.ofPixels(3, 4, 1, px);
        assertThat(wide.contentHash()).isNotEqualTo(tall.contentHash());
    }

    @Test
    void roundTripsThroughBufferedImage() {
        byte[] px = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, (byte) 255, 0, 9};
        MedicalImage rgb = MedicalImage.ofPixels(3, 2, 3, px);
        assertThat(MedicalImage.fromBufferedImage(rgb.toBufferedImage(), "x")).isEqualTo(rgb);
        MedicalImage grey = MedicalImage.ofPixels(6, 3, 1, px);
        assertThat(MedicalImage.fromBufferedImage(grey.toBufferedImage(), "x")).isEqualTo(grey);
    }

    @Test
    void pixelsAreCopiedInAndOut() {
        byte[] px = new byte[4];
        MedicalImage image = MedicalImage.ofPixels(2, 2, 1, px);
        px[0] = 9;
        image.pixels()[1] = 9;
        assertThat(image.pixels()).containsOnly(0);
    }

    @Test
    void rejectsEmptyUndecodableAndMissingImages(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> MedicalImage.decode(new byte[0], "empty.png"))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("empty.png").hasMessageContaining("empty");
        assertThatThrownBy(() -> MedicalImage.decode("not an image".getBytes(), "notes.txt"))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("notes.txt").hasMessageContaining("cannot be decoded");
        assertThatThrownBy(() -> MedicalImage.read(dir.resolve("missing.png")))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("missing.png").hasMessageContaining("does not exist");
        Path truncated = dir.resolve("truncated.png");
        byte[] full = encode(rgbPattern(), "png");
        Files.write(truncated, java.util.Arrays.copyOf(full, 20));
        assertThatThrownBy(() -> MedicalImage.read(truncated)).isInstanceOf(InvalidImageException.class)
                .hasMessageContaining("truncated.png");
    }

    @Test
    void rejectsShapesThatDoNotMatchThePixels() {
        assertThatThrownBy(() -> MedicalImage.ofPixels(0, 3, 1, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> MedicalImage.ofPixels(2, 2, 3, new byte[4]))
                .hasMessageContaining("expected 2x2x3 = 12 bytes, got 4");
        assertThatThrownBy(() -> MedicalImage.ofPixels(2, 2, 4, new byte[16])).hasMessageContaining("channels");
    }

    @Test
    void toStringShowsNoPixels() {
        assertThat(MedicalImage.ofPixels(2, 1, 1, new byte[] {7, 8}).toString()).isEqualTo("MedicalImage[2x1x1]");
    }
}
