package dev.llmproxy.cli;

import dev.llmproxy.config.Config;
import dev.llmproxy.http.App;
import dev.llmproxy.ratelimit.RateLimiters;
import java.io.IOException;

/** {@code serve} (the default command): starts the sidecar; with {@code --out-dir}, renders nginx's config first. */
public final class Serve {
    private Serve() {}

    public static void run(String[] args) throws IOException {
        Options options = Options.parse(args, RenderNginx.FLAGS);
        Config config = ConfigSource.load();
        if (options.has("out-dir")) {
            RenderNginx.write(config, options); // containers: the config nginx will load, from this very config
        }
        App.create(config, RateLimiters.create(config.store(), config.redisUrl(), config.redis())).start();
    }
}
