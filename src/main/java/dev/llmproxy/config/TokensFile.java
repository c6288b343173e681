package dev.llmproxy.config;

import dev.llmproxy.auth.TokenRegistry;
import dev.llmproxy.auth.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code TOKENS_FILE}, reloaded when its content changes (checked every {@link #POLL}: a Kubernetes Secret is
 * updated by swapping a symbolic link, which file watches miss) and on demand ({@code SIGHUP}). The new registry
 * is validated first: an invalid file keeps the old one and logs every problem (never a token); a valid one
 * replaces it at once.
 */
public final class TokensFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokensFile.class);
    static final Duration POLL = Duration.ofSeconds(2);

    private final Path path;
    private final Tokens tokens;
    private final Duration poll;
    private byte[] lastDigest;
    private volatile boolean closed;
    private Thread watcher;

    public TokensFile(Path path, Tokens tokens) {
        this(path, tokens, POLL);
    }

    TokensFile(Path path, Tokens tokens, Duration poll) {
        this.path = path;
        this.tokens = tokens;
        this.poll = poll;
        this.lastDigest = digest(read());
    }

    /** Starts watching the file for changes. */
    public void start() {
        watcher = Thread.ofVirtual().name("tokens-file").start(() -> {
            while (!closed) {
                LockSupport.parkNanos(poll.toNanos());
                if (!closed) {
                    reloadIfChanged();
                }
            }
        });
    }

    /** Reloads if the content changed since the last load; returns the problems of an invalid file. */
    public synchronized List<String> reloadIfChanged() {
        byte[] text = read();
        if (text == null || Arrays.equals(digest(text), lastDigest)) {
            return List.of();
        }
        return reload(text);
    }

    /** Reloads now, changed or not (SIGHUP); returns the problems of an invalid file. */
    public synchronized List<String> reloadNow() {
        byte[] text = read();
        return text == null ? List.of("TOKENS_FILE: cannot read " + path) : reload(text);
    }

    private List<String> reload(byte[] text) {
        List<String> problems = new ArrayList<>();
        TokenRegistry next =
                TokensJson.parse("TOKENS_FILE", new String(text, java.nio.charset.StandardCharsets.UTF_8), problems);
        lastDigest = digest(text); // a bad file is reported once, not every poll
        if (!problems.isEmpty()) {
            LOG.error(
                    "TOKENS_FILE {} not reloaded, the previous tokens stay in force:\n  {}",
                    path,
                    String.join("\n  ", problems));
            return List.copyOf(problems);
        }
        tokens.replace(next);
        LOG.info("TOKENS_FILE {} reloaded: {} token(s)", path, next.all().size());
        return List.of();
    }

    private byte[] read() {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            LOG.warn(
                    "TOKENS_FILE {} cannot be read ({}); the previous tokens stay in force",
                    path,
                    e.getClass().getSimpleName());
            return null;
        }
    }

    private static byte[] digest(byte[] text) {
        if (text == null) {
            return null;
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(text);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        if (watcher != null) {
            LockSupport.unpark(watcher);
        }
    }
}
