package io.jomed.training.plot;

/**
 * The Okabe-Ito colour-blind-safe palette as RGB integers, in the order charts assign it: blue, orange, bluish
 * green, vermillion, reddish purple, sky blue, yellow, black. Kept free of {@code java.awt} types so that no
 * AWT class initializes before {@link Canvas} has settled headless mode.
 *
 * <p>Stateless and thread-safe.
 */
final class Palette {
    private static final int[] RGB = {0x0072B2, 0xE69F00, 0x009E73, 0xD55E00, 0xCC79A7, 0x56B4E9, 0xF0E442, 0x000000};

    /** How many series or groups one chart can tell apart. */
    static final int SIZE = RGB.length;

    private Palette() {
    }

    /** The colour of the {@code index}-th series or group, 0-based, below {@link #SIZE}. */
    static int rgb(int index) {
        return RGB[index];
    }
}
