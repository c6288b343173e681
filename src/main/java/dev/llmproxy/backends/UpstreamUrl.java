package dev.llmproxy.backends;

import java.net.URI;

/**
 * An upstream's base URL, normalised: scheme, host, port and a path prefix without a trailing
 * {@code /v1} (operators write vLLM's URL both as {@code http://h:8000} and {@code http://h:8000/v1}).
 */
public record UpstreamUrl(String scheme, String host, int port, String pathPrefix) {
    /** An IPv4 address as written in a URL or a resolv.conf. */
    public static final java.util.regex.Pattern IPV4 = java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** Parses {@code raw}; returns null and adds to {@code problems} when it is not usable. */
    public static UpstreamUrl parse(String variable, String raw, java.util.List<String> problems) {
        URI uri;
        try {
            uri = new URI(raw.trim());
        } catch (Exception e) {
            problems.add(variable + ": not a valid URL");
            return null;
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
            problems.add(variable + ": must start with http:// or https://");
            return null;
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            problems.add(variable + ": must name a host");
            return null;
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            problems.add(variable + ": must not contain credentials, a query or a fragment");
            return null;
        }
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.endsWith("/v1")) {
            path = path.substring(0, path.length() - 3);
        }
        if (!path.matches("(/[A-Za-z0-9._~-]+)*")) {
            problems.add(variable + ": path may contain only letters, digits and . _ ~ -");
            return null;
        }
        return new UpstreamUrl(scheme, uri.getHost(), port, path);
    }

    /**
     * Whether the host is a name a DNS server answers: not an IP address, nor {@code localhost} (which the
     * machine's own hosts file answers, and no DNS server is asked).
     */
    public boolean hostIsDnsName() {
        return !host.contains(":") && !IPV4.matcher(host).matches() && !host.equalsIgnoreCase("localhost");
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String authority() {
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return h + ":" + port;
    }

    /**
     * The {@code Host} a request to this upstream carries: the host as the URL names it, with its port only when
     * that is not the scheme's own (a remote provider's front may route by the exact name). nginx and the sidecar
     * both send this.
     */
    public String hostHeader() {
        boolean schemePort = port == (scheme.equals("https") ? 443 : 80);
        return schemePort ? authority().substring(0, authority().lastIndexOf(':')) : authority();
    }

    /** The absolute URI of {@code path} (which starts with {@code /v1/...}) on this upstream. */
    public URI resolve(String path) {
        return URI.create(scheme + "://" + authority() + pathPrefix + path);
    }
}
