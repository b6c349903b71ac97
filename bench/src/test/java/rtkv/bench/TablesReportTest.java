package rtkv.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class TablesReportTest {

    @Test
    void theKneeIsTheHighestRateDeliveredExactlyWithP99Under100Ms() {
        Map<TablesRun.Setup, TablesRun.Result> runs = new LinkedHashMap<>();
        runs.put(setup(250), result(20, 0));
        runs.put(setup(500), result(60, 0));
        runs.put(setup(1000), result(300, 0));
        runs.put(setup(2000), result(50, 3)); // fast, but it lost writes
        assertEquals(500, TablesReport.knee(runs));
    }

    @Test
    void noKneeWhenEveryRateWasTooSlow() {
        Map<TablesRun.Setup, TablesRun.Result> runs = new LinkedHashMap<>();
        runs.put(setup(250), result(100, 0)); // 100 ms is not under 100 ms
        assertNull(TablesReport.knee(runs));
    }

    private static TablesRun.Setup setup(int rate) {
        return new TablesRun.Setup(10, 1, rate, 1, 0, 1, 1, 0);
    }

    private static TablesRun.Result result(long p99Millis, long lost) {
        Histogram answer = new Histogram(3);
        answer.recordValueWithCount(1_000, 98);
        answer.recordValueWithCount(p99Millis * 1_000, 2);
        CpuCosts cpu = new CpuCosts(1, List.of(new CpuCosts.Part("fanout", 0.5)), 1, 2);
        return new TablesRun.Result(10, 10, 0, 100, 0, 100, 100, 100 - lost, lost, 0, 0, 100, answer, answer,
                new Histogram(3), cpu, 100, 100);
    }
}
