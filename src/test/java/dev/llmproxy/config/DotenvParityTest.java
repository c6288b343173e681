package dev.llmproxy.config;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./gateway} reads a few settings from {@code .env} itself (the secret it makes when there is none, the
 * sidecar's port it waits for, the resolver it checks nginx for): it must read each as the sidecar does, or the two
 * disagree about the same file (a secret the launcher saw and the sidecar did not, a port it waits on in vain).
 */
class DotenvParityTest {
    static final String ENV = String.join(
            "\n",
            "# a comment",
            "PLAIN=value",
            "SPACED = 18096",
            "TRAILING=off   # no DNS at run time",
            "EMPTY_WITH_COMMENT=   # set one for production",
            "EMPTY=",
            "SINGLE='[{\"token\":\"sk-a b\",\"label\":\"x\"}]'",
            "DOUBLE=\"a # not a comment\"",
            "SINGLE_WITH_COMMENT='quoted'  # comment",
            "INDENTED=  spaces around  ",
            "URL=http://127.0.0.1:8000/v1",
            "TWICE=first",
            "TWICE=second",
            "export EXPORTED=1",
            "not a line at all",
            "JSON=[{\"name\":\"echo\",\"type\":\"echo\"}]",
            "");

    @Test
    void theLauncherReadsEveryLineAsTheSidecarDoes(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(".env"), ENV);
        Map<String, String> sidecar = Environment.dotenv(dir);
        Map<String, String> launcher = new LinkedHashMap<>();
        for (String name : new String[] {
            "PLAIN",
            "SPACED",
            "TRAILING",
            "EMPTY_WITH_COMMENT",
            "EMPTY",
            "SINGLE",
            "DOUBLE",
            "SINGLE_WITH_COMMENT",
            "INDENTED",
            "URL",
            "TWICE",
            "EXPORTED",
            "JSON",
            "ABSENT"
        }) {
            Process p = new ProcessBuilder(
                            "bash", "-c", ". scripts/lib.sh && dotenv_value \"$0\" \"$1\"", name, dir + "/.env")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), out);
            launcher.put(name, out.endsWith("\n") ? out.substring(0, out.length() - 1) : out);
            assertEquals(sidecar.getOrDefault(name, ""), launcher.get(name), name);
        }
        // What they agree on is what a reader of .env.example expects.
        assertEquals("18096", launcher.get("SPACED"));
        assertEquals("off", launcher.get("TRAILING"));
        assertEquals("", launcher.get("EMPTY_WITH_COMMENT"));
        assertEquals("[{\"token\":\"sk-a b\",\"label\":\"x\"}]", launcher.get("SINGLE"));
        assertEquals("second", launcher.get("TWICE"));
    }
}
