package rtkv.bench;

import java.util.random.RandomGenerator;

/** The seed's mixed workload: 80% reads, 15% writes, 5% deletes, drawn independently per operation. */
enum Mix {
    GET, PUT, DELETE;

    static Mix draw(RandomGenerator random) {
        int dice = random.nextInt(100);
        return dice < 80 ? GET : dice < 95 ? PUT : DELETE;
    }
}
