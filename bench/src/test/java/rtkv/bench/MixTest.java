package rtkv.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MixTest {

    @Test
    void drawsTheSeedsProportions() {
        Map<Mix, Integer> counts = new EnumMap<>(Mix.class);
        Random random = new Random(7);
        for (int i = 0; i < 100_000; i++) {
            counts.merge(Mix.draw(random), 1, Integer::sum);
        }
        assertTrue(Math.abs(counts.get(Mix.GET) - 80_000) < 1_000, counts.toString());
        assertTrue(Math.abs(counts.get(Mix.PUT) - 15_000) < 1_000, counts.toString());
        assertTrue(Math.abs(counts.get(Mix.DELETE) - 5_000) < 600, counts.toString());
    }
}
