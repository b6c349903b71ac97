package rtkv.bench;

import java.util.Random;

/** The seed's mixed workload: 80% reads, 15% writes, 5% deletes, drawn independently per operation. */
enum Mix {
    GET, PUT, DELETE;

    static Mix draw(Random random) {
        int dice = random.nextInt(100);
        return dice < 80 ? GET : dice < 95 ? PUT : DELETE;
    }
}
