package rtkv.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuMeterTest {

    @Test
    void countsUserAndSystemTimePastACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (java (bench) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 8 9 20 0 40 0 100 0 0";
        assertEquals(1234 + 567, CpuMeter.statTicks(stat));
    }

    @Test
    void machineBusyLeavesOutIdleAndIowaitAndGuestTime() {
        // user nice system idle iowait irq softirq steal guest guest_nice: guest is already in user.
        assertArrayEquals(new long[] {100 + 2 + 30 + 4 + 5 + 6, 100 + 2 + 30 + 700 + 50 + 4 + 5 + 6},
                CpuMeter.machineTicks("cpu  100 2 30 700 50 4 5 6 77 88"));
    }

    @Test
    void aWindowChargesEachPartWhatItSpentAndTheRestToOther(@TempDir Path proc) throws IOException {
        long pid = ProcessHandle.current().pid();
        Files.createDirectories(proc.resolve(Long.toString(pid)));
        Path stat = proc.resolve(Long.toString(pid)).resolve("stat");
        Files.writeString(stat, statLine(pid, 100, 50));
        Files.writeString(proc.resolve("stat"), "cpu  1000 0 500 9000 0 0 0 0 0 0\n");
        CpuMeter meter = new CpuMeter(Map.of("fanout", pid, "gone", 999_999_999L), 100, proc);

        CpuMeter.Sample start = meter.sample();
        Files.writeString(stat, statLine(pid, 300, 100)); // 2.5 s more
        Files.writeString(proc.resolve("stat"), "cpu  1300 0 600 9500 0 0 0 0 0 0\n"); // 4 s busier
        CpuCosts costs = meter.since(start);

        assertEquals(2.5, costs.cpuSeconds("fanout"), 1e-9);
        assertEquals(0, costs.cpuSeconds("gone"), 1e-9, "a part that never ran spent nothing");
        assertEquals(4.0, costs.machineBusySeconds(), 1e-9);
        assertEquals(1.5, costs.otherSeconds(), 1e-9);
        assertEquals(2.5, costs.rtkvSeconds(), 1e-9);
    }

    @Test
    void theTableSetsRtkvsProcessesAgainstMariadbs() {
        CpuCosts costs = new CpuCosts(10, List.of(new CpuCosts.Part("mariadb-0", 2), new CpuCosts.Part("mariadb-1", 2),
                new CpuCosts.Part("kafka", 1), new CpuCosts.Part("relay-0", 1), new CpuCosts.Part("relay-1", 1),
                new CpuCosts.Part("api", 2), new CpuCosts.Part("fanout", 4), new CpuCosts.Part(CpuMeter.LOAD_GENERATOR, 3)),
                17, 2);
        assertEquals(8, costs.rtkvSeconds(), 1e-9);
        assertEquals(4, costs.mariadbSeconds(), 1e-9);
        assertEquals(2.0, costs.rtkvToMariadb(), 1e-9);
        assertEquals(1, costs.otherSeconds(), 1e-9);

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        costs.print(new PrintStream(printed, true, StandardCharsets.UTF_8), "write", 10_000, 100_000);
        String table = printed.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("fanout") && table.contains("400.0 us") && table.contains("40.0 us"), table);
        assertTrue(table.contains("2.00x MariaDB's"), table);
        assertTrue(costs.html("window", "write", 10_000, 100_000).contains("<td>fanout</td><td>4.00</td>"));
    }

    private static String statLine(long pid, long utime, long stime) {
        return pid + " (java) S 1 1 1 0 -1 0 0 0 0 0 " + utime + " " + stime + " 0 0 20 0 40 0 100 0 0\n";
    }
}
