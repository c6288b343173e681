package dev.llmproxy.cli;

/** {@code help}: what every command takes. */
public final class Usage {
    public static final String TEXT = """
            usage: java -jar llm-proxy.jar [command]
              serve [render-nginx options]
                                         run the sidecar (default); with --out-dir, render nginx's config first
              check-config               validate the configuration and exit (also: --check-config)
              render-nginx [--out FILE | --out-dir DIR] [--run-dir DIR] [--template FILE]
                           [--access-log PATH] [--error-log PATH] [--sidecar-addr HOST:PORT]
                                         write the nginx config for this configuration
              mint-token --label NAME [--rpm N] [--rpd N]
                                         print a new random token and its TOKENS_JSON entry
              usage-report [--format table|json|csv] [--by-day] ACCESS_LOG...
                                         requests, errors, 429s, latency and tokens per token label and model
            configuration: environment variables, or a .env file in the working directory""";

    private Usage() {}
}
