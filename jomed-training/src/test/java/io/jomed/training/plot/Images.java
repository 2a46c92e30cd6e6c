package io.jomed.training.plot;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Pixel probes for chart tests.
 *
 * <p>Stateless and thread-safe.
 */
final class Images {
    /** Fonts that fail as a broken font configuration does. */
    static final Canvas.FontSource NO_FONTS = style -> {
        throw new InternalError("simulated: fontconfig head is null");
    };

    private Images() {
    }

    static int rgb(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xFFFFFF;
    }

    /** Pixels of exactly {@code rgb} in {@code [x0, x1) x [y0, y1)}. */
    static int count(BufferedImage img, int rgb, int x0, int y0, int x1, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                n += rgb(img, x, y) == rgb ? 1 : 0;
            }
        }
        return n;
    }

    static int count(BufferedImage img, int rgb) {
        return count(img, rgb, 0, 0, img.getWidth(), img.getHeight());
    }

    /** Pixels in the region that are grey ({@code r = g = b}) and darker than {@code below}. */
    static int darkGrey(BufferedImage img, int below, int x0, int y0, int x1, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                int p = rgb(img, x, y);
                int r = p >> 16 & 0xFF;
                n += r == (p >> 8 & 0xFF) && r == (p & 0xFF) && r < below ? 1 : 0;
            }
        }
        return n;
    }

    /** Pixels that are not white. */
    static int nonWhite(BufferedImage img, int x0, int y0, int x1, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                n += rgb(img, x, y) != 0xFFFFFF ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * Solid bars of colour {@code rgb}, left to right: runs of adjacent columns whose longest vertical run of the
     * colour exceeds {@code minHeight}, each as {@code {x0, x1 (exclusive), top, bottom (exclusive)}}.
     */
    static List<int[]> bars(BufferedImage img, int rgb, int minHeight) {
        List<int[]> out = new ArrayList<>();
        int[] open = null;
        for (int x = 0; x < img.getWidth(); x++) {
            int[] run = longestRun(img, x, rgb);
            if (run[1] - run[0] > minHeight) {
                if (open == null) {
                    open = new int[] {x, x + 1, run[0], run[1]};
                    out.add(open);
                } else {
                    open[1] = x + 1;
                }
            } else {
                open = null;
            }
        }
        return out;
    }

    /** The longest vertical run of {@code rgb} in column {@code x}, as {@code {top, bottom (exclusive)}}. */
    static int[] longestRun(BufferedImage img, int x, int rgb) {
        int[] best = {0, 0};
        int start = -1;
        for (int y = 0; y <= img.getHeight(); y++) {
            boolean in = y < img.getHeight() && rgb(img, x, y) == rgb;
            if (in && start < 0) {
                start = y;
            } else if (!in && start >= 0) {
                if (y - start > best[1] - best[0]) {
                    best = new int[] {start, y};
                }
                start = -1;
            }
        }
        return best;
    }
}
