package dev.llmproxy.translate;

import java.util.concurrent.ThreadLocalRandom;

/** Response ids: unique per response (Ollama's own are {@code chatcmpl-<0..998>} and repeat). */
public final class Ids {
    private static final char[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private Ids() {}

    public static String chat() {
        return "chatcmpl-" + random(24);
    }

    public static String completion() {
        return "cmpl-" + random(24);
    }

    public static String toolCall() {
        return "call_" + random(24);
    }

    private static String random(int n) {
        var r = ThreadLocalRandom.current();
        char[] out = new char[n];
        for (int i = 0; i < n; i++) {
            out[i] = ALPHABET[r.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }
}
