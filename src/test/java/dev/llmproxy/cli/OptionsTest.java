package dev.llmproxy.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OptionsTest {
    static final Set<String> FLAGS = Set.of("label", "rpm");

    static String error(String... args) {
        var e = assertThrows(IllegalArgumentException.class, () -> Options.parse(args, FLAGS));
        assertTrue(e.getMessage().contains(Usage.TEXT), "the usage follows the problem: " + e.getMessage());
        return e.getMessage().lines().findFirst().orElseThrow();
    }

    @Test
    void flagsTakeAValueAndTheLastOneCounts() {
        var o = Options.parse(new String[] {"--label", "a", "--rpm", "5", "--label", "b"}, FLAGS);
        assertEquals(Map.of("label", "b", "rpm", "5"), o.values());
        assertEquals(5L, o.number("rpm"));
        assertNull(o.number("rpd"));
        assertEquals("x", o.get("missing", "x"));
    }

    @Test
    void unknownFlagsMissingValuesAndStrayArgumentsAreErrors() {
        assertEquals("unknown option: --rpd", error("--label", "a", "--rpd", "5"));
        assertEquals("--rpm needs a value", error("--label", "a", "--rpm"));
        assertEquals("unexpected argument: extra", error("--label", "a", "extra"));
        assertEquals("unknown option: --by-day", error("--by-day"));
    }

    @Test
    void switchesAndArguments() {
        var o = Options.parse(
                new String[] {"a.log", "--by-day", "--format", "csv", "-"}, Set.of("format"), Set.of("by-day"), true);
        assertEquals(List.of("a.log", "-"), o.arguments());
        assertEquals(Set.of("by-day"), o.switches());
        assertEquals("csv", o.get("format"));
    }

    @Test
    void numbersAreCheckedByName() {
        var o = Options.parse(new String[] {"--rpm", "x"}, FLAGS);
        assertEquals(
                "--rpm must be a whole number, got x",
                assertThrows(IllegalArgumentException.class, () -> o.number("rpm"))
                        .getMessage());
    }
}
