package rtkv.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** README's configuration tables list exactly the declared settings. */
class ReadmeConfigurationTest {

    @Test
    void theReadmeTablesNameEverySettingAndNoOther() throws Exception {
        String readme = Files.readString(Path.of("../../README.md"));
        int start = readme.indexOf("## Configuration of the services");
        String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
        Set<String> documented = new TreeSet<>();
        for (String line : section.split("\n")) {
            if (line.startsWith("| `RTKV_")) {
                Matcher m = Pattern.compile("`(RTKV_[A-Z0-9_]+)`").matcher(line.substring(0, line.indexOf(" | ", 2)));
                while (m.find()) {
                    documented.add(m.group(1));
                }
            }
        }
        Set<String> declared = RtkvSettings.all().stream().map(Setting::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(declared, documented, "README, \"Configuration of the services\": one row per setting of RtkvSettings");
    }
}
