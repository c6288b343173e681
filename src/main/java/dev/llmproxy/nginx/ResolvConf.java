package dev.llmproxy.nginx;

import dev.llmproxy.backends.UpstreamUrl;
import java.util.ArrayList;
import java.util.List;

/**
 * The name servers of a {@code resolv.conf}, as nginx's {@code resolver} takes them: what {@code NGINX_RESOLVER=auto}
 * uses. In a container that is the network's own DNS (Docker's and Podman's, a Kubernetes cluster's), which is also
 * the nginx container's when both are on that network (compose) or in that pod (Kubernetes' init container).
 */
final class ResolvConf {
    private ResolvConf() {}

    static List<String> nameservers(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.lines().toList()) {
            String[] words = line.strip().split("\\s+");
            if (words.length < 2 || !words[0].equals("nameserver")) {
                continue;
            }
            String address = words[1];
            if (UpstreamUrl.IPV4.matcher(address).matches()) {
                out.add(address);
            } else if (address.matches("[0-9a-fA-F:.]+") && address.contains(":")) {
                out.add("[" + address + "]");
            } // else a link-local address with its zone (fe80::1%eth0), which nginx cannot take
        }
        return out;
    }
}
