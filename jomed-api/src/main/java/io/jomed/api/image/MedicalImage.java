package io.jomed.api.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * A decoded medical image: 8-bit pixels in row-major, channel-last (HWC) order with one (grey) or three
 * (RGB) channels.
 *
 * <p>Images are decoded once, when they enter the library, so that every later step (hashing, encoding,
 * reading) sees the same pixels. The {@linkplain #contentHash() content hash} is taken over the shape
 * and the decoded pixels, not the file bytes, so a PNG and a re-encoded lossless copy of one picture
 * have the same hash.
 *
 * <p>Instances are immutable and safe to share between threads; the pixel array is copied on the way
 * in and on the way out.
 */
public final class MedicalImage {

    private final int width;
    private final int height;
    private final int channels;
    private final byte[] pixels;
    private volatile String contentHash;

    private MedicalImage(int width, int height, int channels, byte[] pixels) {
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.pixels = pixels;
    }

    /**
     * Wraps raw 8-bit pixels.
     *
     * @param width image width in pixels, at least 1
     * @param height image height in pixels, at least 1
     * @param channels 1 (grey) or 3 (RGB)
     * @param pixels {@code height * width * channels} bytes in HWC order; copied
     * @throws IllegalArgumentException if the shape is empty or does not match the pixel count
     */
    public static MedicalImage ofPixels(int width, int height, int channels, byte[] pixels) {
        Objects.requireNonNull(pixels, "pixels");
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException(
                    "image is empty: width=" + width + ", height=" + height + " (both must be at least 1)");
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), got " + channels);
        }
        long expected = (long) width * height * channels;
        if (pixels.length != expected) {
            throw new IllegalArgumentException("pixel count does not match the shape: expected " + width + "x"
                    + height + "x" + channels + " = " + expected + " bytes, got " + pixels.length);
        }
        return new MedicalImage(width, height, channels, pixels.clone());
    }

    /**
     * Decodes an encoded image (PNG, JPEG, BMP, GIF: whatever {@link ImageIO} reads). Colour images
     * become RGB, grey images stay grey; alpha is dropped.
     *
     * @param encoded the file content
     * @param source a name for error messages (file name, case id)
     * @throws InvalidImageException if the bytes are empty or cannot be decoded
     */
    public static MedicalImage decode(byte[] encoded, String source) {
        Objects.requireNonNull(encoded, "encoded");
        Objects.requireNonNull(source, "source");
        if (encoded.length == 0) {
            throw new InvalidImageException(source + ": image is empty (0 bytes)");
        }
        BufferedImage image;
        // An in-memory image stream: ImageIO.read(InputStream) would buffer through a temporary file per image
        // (ImageIO's default cache), a file create, write and delete for every decode. ImageIO.read closes the
        // stream itself once it found a reader; without one it returns null and the stream is closed here.
        ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
        try {
            image = ImageIO.read(in);
            if (image == null) {
                in.close();
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidImageException(source + ": image cannot be decoded: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new InvalidImageException(source + ": image cannot be decoded ("
                    + encoded.length + " bytes in no format this JVM reads; PNG, JPEG, BMP and GIF are)");
        }
        return fromBufferedImage(image, source);
    }

    /**
     * Reads and decodes an image file.
     *
     * @throws InvalidImageException if the file is missing, empty or cannot be decoded
     */
    public static MedicalImage read(Path file) {
        Objects.requireNonNull(file, "file");
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidImageException(file + ": image file does not exist", e);
        } catch (IOException e) {
            throw new InvalidImageException(file + ": image file cannot be read: " + e.getMessage(), e);
        }
        return decode(bytes, file.toString());
    }

    /** Converts a {@link BufferedImage} to grey (if it has one colour component) or RGB. */
    public static MedicalImage fromBufferedImage(BufferedImage image, String source) {
        Objects.requireNonNull(image, "image");
        int w = image.getWidth();
        int h = image.getHeight();
        if (w < 1 || h < 1) {
            throw new InvalidImageException(source + ": image is empty (" + w + "x" + h + ")");
        }
        boolean grey = image.getColorModel().getNumColorComponents() == 1;
        int c = grey ? 1 : 3;
        byte[] px = new byte[w * h * c];
        if (grey) {
            var raster = image.getRaster();
            int[] row = new int[w];
            int max = (1 << image.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    px[y * w + x] = (byte) (max == 255 ? row[x] : Math.round(row[x] * 255.0 / max));
                }
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                px[3 * i] = (byte) (argb[i] >> 16);
                px[3 * i + 1] = (byte) (argb[i] >> 8);
                px[3 * i + 2] = (byte) argb[i];
            }
        }
        return new MedicalImage(w, h, c, px);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** 1 for grey, 3 for RGB. */
    public int channels() {
        return channels;
    }

    /** A copy of the pixels, {@code height * width * channels} bytes in HWC order. */
    public byte[] pixels() {
        return pixels.clone();
    }

    /** The unsigned value of one sample. */
    public int pixel(int x, int y, int channel) {
        return pixels[(y * width + x) * channels + channel] & 0xFF;
    }

    /**
     * SHA-256 (lower-case hex) over the shape ({@code width}, {@code height}, {@code channels} as
     * big-endian ints) followed by the pixels. Two images have the same hash exactly when they have the
     * same shape and the same decoded pixels.
     */
    public String contentHash() {
        String h = contentHash;
        if (h == null) {
            try {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                digest.update(ByteBuffer.allocate(12).putInt(width).putInt(height).putInt(channels).array());
                digest.update(pixels);
                h = HexFormat.of().formatHex(digest.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required of every JVM", e);
            }
            contentHash = h;
        }
        return h;
    }

    /** Renders the image as a {@link BufferedImage} (grey or RGB), for writing it to a file. */
    public BufferedImage toBufferedImage() {
        BufferedImage out = new BufferedImage(width, height,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        if (channels == 1) {
            out.getRaster().setDataElements(0, 0, width, height, pixels.clone());
        } else {
            int[] rgb = new int[width * height];
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] = (pixels[3 * i] & 0xFF) << 16 | (pixels[3 * i + 1] & 0xFF) << 8 | (pixels[3 * i + 2] & 0xFF);
            }
            out.setRGB(0, 0, width, height, rgb, 0, width);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MedicalImage m && m.width == width && m.height == height && m.channels == channels
                && Arrays.equals(m.pixels, pixels);
    }

    @Override
    public int hashCode() {
        return contentHash().hashCode();
    }

    /** Shape only; never the pixels, which are patient data. */
    @Override
    public String toString() {
        return "MedicalImage[" + width + "x" + height + "x" + channels + "]";
    }
}
