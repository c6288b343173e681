package dev.llmproxy.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/** One line for a file a command cannot use: "cannot read nofile.log: no such file", never an exception's name. */
public final class FileProblem {
    private FileProblem() {}

    /** A usage error naming the file, what was tried and why it failed. */
    static IllegalArgumentException cannot(String command, String action, String file, Exception e) {
        return new IllegalArgumentException(command + ": cannot " + action + " " + file + ": " + reason(e));
    }

    /** An I/O failure no command described itself: the file (when known) and why. */
    public static String describe(IOException e) {
        return e instanceof FileSystemException f && f.getFile() != null ? f.getFile() + ": " + reason(e) : reason(e);
    }

    static String reason(Exception e) {
        Throwable t = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        if (t instanceof NoSuchFileException) {
            return "no such file";
        }
        if (t instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (t instanceof NotDirectoryException) {
            return "not a directory";
        }
        // The system's own words ("Is a directory", "Read-only file system"), without the file the line names already.
        String why = t instanceof FileSystemException f ? f.getReason() : t.getMessage();
        if (why == null || why.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return why.substring(0, 1).toLowerCase(Locale.ROOT) + why.substring(1);
    }
}
