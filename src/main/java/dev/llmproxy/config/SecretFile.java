package dev.llmproxy.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * {@code GATEWAY_SECRET_FILE}: the nginx⇄sidecar secret kept in a file (a Docker or Kubernetes secret, or
 * a volume). When the file does not exist yet, a random secret is written to it (mode 0600), so a fresh
 * {@code docker compose up} needs no hand-made secret and keeps the same one across restarts. An explicit
 * {@code GATEWAY_SECRET} wins.
 */
public final class SecretFile {
    public static final String VARIABLE = "GATEWAY_SECRET_FILE";

    private SecretFile() {}

    /** {@code env} with GATEWAY_SECRET filled in from the file, when that is how it is configured. */
    public static Map<String, String> resolve(Map<String, String> env) throws IOException {
        String file = env.get(VARIABLE);
        String secret = env.get("GATEWAY_SECRET");
        if (file == null || file.isBlank() || secret != null && !secret.isBlank()) {
            return env;
        }
        Path path = Path.of(file.strip());
        Map<String, String> out = new HashMap<>(env);
        out.put("GATEWAY_SECRET", readOrCreate(path));
        return out;
    }

    private static String readOrCreate(Path path) throws IOException {
        if (!Files.exists(path)) {
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String fresh = HexFormat.of().formatHex(random);
            try {
                Files.createDirectories(path.toAbsolutePath().getParent());
                Files.writeString(
                        Files.createFile(
                                path,
                                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                        fresh,
                        StandardCharsets.US_ASCII,
                        StandardOpenOption.WRITE);
                return fresh;
            } catch (FileAlreadyExistsException raced) {
                // another process created it first: use theirs
            }
        }
        return Files.readString(path, StandardCharsets.UTF_8).strip();
    }
}
