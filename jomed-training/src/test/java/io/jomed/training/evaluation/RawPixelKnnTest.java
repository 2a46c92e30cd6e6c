package io.jomed.training.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.jomed.api.image.MedicalImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class RawPixelKnnTest {
    private static MedicalImage img(int... px) {
        byte[] b = new byte[px.length];
        for (int i = 0; i < px.length; i++) {
            b[i] = (byte) px[i];
        }
        return MedicalImage.ofPixels(px.length, 1, 1, b);
    }

    @Test
    void votesOverCosineNeighboursOfMeanCentredPixels() {
        // brightness shifts do not matter after centring: (10,20,30) matches (110,120,130)
        RawPixelKnn knn = new RawPixelKnn(List.of(img(110, 120, 130), img(30, 20, 10), img(31, 21, 9)),
                List.of("up", "down", "down"));
        assertThat(knn.accuracy(List.of(img(10, 20, 30), img(40, 30, 20)), List.of("up", "down"), 1, 3))
                .containsEntry(1, 1.0).containsEntry(3, 0.5);
        assertThat(RawPixelKnn.centredUnit(img(1, 3))).containsExactly(new float[] {-0.70710677f, 0.70710677f}, within(1e-6f));
    }

    @Test
    void predictionsPerKAgreeWithTheAccuracy() {
        RawPixelKnn knn = new RawPixelKnn(List.of(img(110, 120, 130), img(30, 20, 10), img(31, 21, 9)),
                List.of("up", "down", "down"));
        var predictions = knn.predictions(List.of(img(10, 20, 30), img(40, 30, 20)), 1, 3);
        assertThat(predictions.keySet()).containsExactly(1, 3);
        assertThat(predictions.get(1)).containsExactly("up", "down");
        assertThat(predictions.get(3)).containsExactly("down", "down");
        assertThatThrownBy(() -> knn.predictions(List.of(img(1, 2, 3)), 0)).hasMessageContaining("every k at least 1");
        assertThatThrownBy(() -> knn.predictions(List.of(), 1)).hasMessageContaining("at least one query");
        assertThatThrownBy(() -> knn.accuracy(List.of(img(1, 2, 3)), List.of(), 1))
                .hasMessageContaining("need one gold label per query").hasMessageContaining("1 queries and 0 labels");
    }
}
