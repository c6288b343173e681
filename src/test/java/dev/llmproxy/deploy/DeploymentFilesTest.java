package dev.llmproxy.deploy;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.testing.Integration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * No Docker engine runs where the tests run, so the deployment files are checked statically: compose by
 * docker-compose's own validator, all of them against the variables the gateway reads, and their wiring.
 */
class DeploymentFilesTest {
    static final ObjectMapper YAML = new YAMLMapper();

    static String text(String path) throws Exception {
        return Files.readString(Path.of(path));
    }

    static List<JsonNode> k8s() throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        for (String f : List.of(
                "configmap.yaml", "secret.yaml", "redis.yaml", "sidecar.yaml", "nginx.yaml", "ingress.example.yaml")) {
            try (var parser =
                    new YAMLFactory().createParser(Path.of("deploy/k8s", f).toFile())) {
                YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
            }
        }
        return docs;
    }

    static JsonNode k8s(String kind, String name) throws Exception {
        return k8s().stream()
                .filter(d -> d.path("kind").asText().equals(kind)
                        && d.at("/metadata/name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError(kind + " " + name + " missing"));
    }

    @Test
    void everyVariableIsNamedInTheDeploymentFiles() throws Exception {
        for (String file : List.of(".env.example", "docker-compose.yml", "Dockerfile")) {
            String t = text(file);
            for (String v : ConfigLoader.VARIABLES) {
                assertTrue(t.matches("(?s).*\\b" + v + "\\b.*"), file + " does not name " + v);
            }
        }
    }

    @Test
    @Integration
    void composeFileIsValidForDockerCompose() throws Exception {
        Path env = Files.createTempFile("env", ".env");
        Files.copy(Path.of(".env.example"), env, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // Compose v2, as users run it (docker compose); scripts/fetch-compose.sh finds or fetches one.
        Process fetch = new ProcessBuilder("scripts/fetch-compose.sh")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String compose = new String(fetch.getInputStream().readAllBytes()).strip();
        assertEquals(0, fetch.waitFor(), "scripts/fetch-compose.sh found no Docker Compose v2 (see above)");
        List<String> command = new ArrayList<>(List.of(compose.split(" ")));
        command.addAll(List.of("--env-file", env.toString(), "-f", "docker-compose.yml", "config", "-q"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "docker compose config hung");
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void composeWiresNginxToTheTemplateTheSidecarRenders() throws Exception {
        JsonNode services = YAML.readTree(text("docker-compose.yml")).path("services");
        JsonNode sidecar = services.path("sidecar");
        JsonNode nginx = services.path("nginx");
        List<String> command = new ArrayList<>();
        sidecar.path("command").forEach(c -> command.add(c.asText()));
        assertEquals("serve", command.get(0));
        assertEquals(
                "/etc/llm-proxy/nginx",
                command.get(command.indexOf("--out-dir") + 1),
                "renders the jar's copy of nginx/");
        assertEquals("sidecar:8081", command.get(command.indexOf("--sidecar-addr") + 1));
        assertTrue(nginx.path("image").asText().startsWith("nginx:"), "the official nginx image");
        assertTrue(nginx.path("command").toString().contains("/etc/llm-proxy/nginx/nginx.conf"));
        assertTrue(nginx.path("volumes").toString().contains("nginx-config:/etc/llm-proxy/nginx:ro"));
        assertTrue(sidecar.path("volumes").toString().contains("nginx-config:/etc/llm-proxy/nginx"));
        assertEquals(
                "service_healthy", nginx.at("/depends_on/sidecar/condition").asText());
        assertTrue(
                nginx.at("/depends_on/sidecar/restart").asBoolean(),
                "nginx restarts, and loads the config the sidecar renders again, when compose renews the sidecar");
        assertEquals(
                "service_healthy", sidecar.at("/depends_on/redis/condition").asText());
        for (String s : List.of("sidecar", "nginx", "redis", "ollama", "vllm")) {
            assertTrue(services.path(s).has("healthcheck"), s + " has no healthcheck");
        }
        assertEquals("ollama", services.at("/ollama/profiles/0").asText());
        assertEquals("vllm", services.at("/vllm/profiles/0").asText());
        // The template ships inside the jar from the repository's nginx/: no second copy to drift.
        assertTrue(text("pom.xml").contains("<directory>nginx</directory>"));
        assertFalse(Files.exists(Path.of("deploy/nginx.conf")) || Files.exists(Path.of("deploy/nginx")));
    }

    @Test
    void dockerfileIsMultiStageNonRootWithAHealthcheck() throws Exception {
        String d = text("Dockerfile");
        List<String> from = d.lines().filter(l -> l.startsWith("FROM ")).toList();
        assertEquals(2, from.size(), "build stage and runtime stage");
        assertTrue(from.get(0).contains("temurin:21-jdk") && from.get(1).contains("temurin:21-jre"), from.toString());
        assertTrue(d.contains("COPY --from=build"));
        String user =
                d.lines().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
        assertFalse(user.contains("root") || user.matches("USER 0\\b.*"), user);
        assertTrue(d.contains("HEALTHCHECK"));
        assertTrue(d.contains("/healthz"));
    }

    @Test
    void kubernetesRunsTwoSidecarsOnRedisWithTokensFromASecret() throws Exception {
        JsonNode sidecar = k8s("Deployment", "llm-proxy-sidecar");
        assertEquals(2, sidecar.at("/spec/replicas").asInt());
        JsonNode container = sidecar.at("/spec/template/spec/containers/0");
        assertEquals("/healthz", container.at("/livenessProbe/httpGet/path").asText());
        assertEquals("/readyz", container.at("/readinessProbe/httpGet/path").asText());
        Map<String, JsonNode> env = new HashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
        assertEquals(
                "llm-proxy-secrets",
                env.get("TOKENS_JSON").at("/valueFrom/secretKeyRef/name").asText());
        assertEquals(
                "llm-proxy-secrets",
                env.get("GATEWAY_SECRET").at("/valueFrom/secretKeyRef/name").asText());
        JsonNode config = k8s("ConfigMap", "llm-proxy-config").path("data");
        assertEquals("redis", config.path("RATE_LIMIT_STORE").asText());
        assertTrue(config.path("REDIS_URL").asText().contains("llm-proxy-redis"));
        assertNotNull(k8s("Service", "llm-proxy-redis"));
        assertNotNull(k8s("Service", "llm-proxy-sidecar"));

        JsonNode nginx = k8s("Deployment", "llm-proxy-nginx").at("/spec/template/spec");
        assertEquals("render-nginx", nginx.at("/initContainers/0/args/0").asText());
        assertTrue(nginx.at("/initContainers/0/args")
                .toString()
                .contains("llm-proxy-sidecar.$(POD_NAMESPACE).svc.cluster.local:8081"));
        assertTrue(
                nginx.at("/initContainers/0/env").toString().contains("metadata.namespace"),
                "$(POD_NAMESPACE) is the pod's namespace");
        assertTrue(nginx.at("/containers/0/args").toString().contains("/etc/llm-proxy/nginx/nginx.conf"));
        // Every variable the ConfigMap sets is one the gateway reads.
        config.fieldNames().forEachRemaining(v -> assertTrue(ConfigLoader.VARIABLES.contains(v), v));
    }

    /** The image the deployment files run is the version the build makes. */
    @Test
    void imagesAreTaggedWithTheProjectsVersion() throws Exception {
        var m = java.util.regex.Pattern.compile("<artifactId>llm-proxy</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(text("pom.xml"));
        assertTrue(m.find(), "the project's version in pom.xml");
        String version = m.group(1);
        for (String file : List.of("docker-compose.yml", "deploy/k8s/sidecar.yaml", "deploy/k8s/nginx.yaml")) {
            var images =
                    java.util.regex.Pattern.compile("image: llm-proxy:(\\S+)").matcher(text(file));
            assertTrue(images.find(), file);
            do {
                assertEquals(version, images.group(1), file);
            } while (images.find());
        }
        assertTrue(text("CHANGELOG.md").contains("## " + version), "CHANGELOG.md has an entry for " + version);
        assertTrue(text("LICENSE").contains("Apache License") && text("LICENSE").contains("Version 2.0"));
    }

    /** A Redis restart must not reset every daily limit: compose keeps an append-only file in a volume. */
    @Test
    void composeRedisKeepsItsCountsInAVolume() throws Exception {
        String compose = text("docker-compose.yml");
        assertTrue(compose.contains("\"--appendonly\", \"yes\""), "append-only file on");
        assertTrue(compose.contains("- redis-data:/data") && compose.contains("\n  redis-data:"), "in a named volume");
        assertFalse(compose.contains("\"--appendonly\", \"no\""));
    }

    /** nginx runs unprivileged like the sidecar; an Ingress example does not buffer streams; compose binds locally. */
    @Test
    void saferDefaults() throws Exception {
        JsonNode nginx = k8s("Deployment", "llm-proxy-nginx").at("/spec/template/spec/containers/0");
        assertTrue(nginx.at("/securityContext/runAsNonRoot").asBoolean());
        assertFalse(nginx.at("/securityContext/allowPrivilegeEscalation").asBoolean(true));
        assertTrue(nginx.at("/securityContext/readOnlyRootFilesystem").asBoolean());
        JsonNode ingress = k8s("Ingress", "llm-proxy");
        assertEquals(
                "off",
                ingress.at("/metadata/annotations")
                        .path("nginx.ingress.kubernetes.io/proxy-buffering")
                        .asText());
        assertEquals(
                "llm-proxy",
                ingress.at("/spec/rules/0/http/paths/0/backend/service/name").asText());
        assertTrue(
                text("docker-compose.yml").contains("\"${GATEWAY_BIND:-127.0.0.1}:"),
                "compose publishes on this machine only");
    }

    /**
     * The rendered config holds the secret, so it is not readable by others (0640): in Kubernetes, nginx (uid 101)
     * reads what the init container (uid 10001) wrote through the group the pod's fsGroup gives the volume and the
     * files made in it. (Under compose nginx's master runs as root, which reads it whatever its owner.)
     */
    @Test
    void kubernetesNginxReadsTheConfigTheInitContainerWroteThroughItsGroup() throws Exception {
        JsonNode pod = k8s("Deployment", "llm-proxy-nginx").at("/spec/template/spec");
        JsonNode nginx = pod.at("/containers/0");
        assertEquals("nginx", nginx.path("name").asText());
        assertEquals(101, nginx.at("/securityContext/runAsGroup").asInt(), "the image's nginx group");
        assertEquals(101, pod.at("/securityContext/fsGroup").asInt(), "the config volume's group: nginx's");
        assertEquals(
                "/etc/llm-proxy/nginx",
                pod.at("/initContainers/0/volumeMounts/0/mountPath").asText(),
                "the init container writes into the volume the fsGroup applies to");
        assertEquals("nginx-config", pod.at("/volumes/0/name").asText());
        assertTrue(pod.at("/volumes/0").has("emptyDir"), "a volume whose ownership follows fsGroup");
    }

    /**
     * nginx must start while a backend's host does not resolve (compose without the vllm profile, a Service not
     * created yet): compose and Kubernetes give it a resolver, and an nginx image that resolves names while it runs.
     * (BackendNameResolutionTest runs such a config.)
     */
    @Test
    void nginxResolvesBackendNamesWhileItRunsUnderComposeAndKubernetes() throws Exception {
        JsonNode compose = YAML.readTree(text("docker-compose.yml"));
        JsonNode services = compose.path("services");
        assertEquals(
                "${NGINX_RESOLVER:-auto ipv6=off}",
                compose.at("/x-sidecar-environment/NGINX_RESOLVER").asText(),
                "the compose network's DNS, as the container's resolv.conf names it");
        assertTrue(text("docker-compose.yml").contains("environment: *sidecar-environment"), "the sidecar's");
        assertResolvesWhileRunning(services.at("/nginx/image").asText());

        JsonNode config = k8s("ConfigMap", "llm-proxy-config").path("data");
        assertEquals("auto ipv6=off", config.path("NGINX_RESOLVER").asText(), "the cluster's DNS, whatever its name");
        for (String url : List.of("VLLM_BASE_URL", "OLLAMA_BASE_URL")) {
            assertTrue(
                    config.path(url).asText().matches("http://[a-z0-9-]+\\.[a-z0-9-]+\\.svc\\.cluster\\.local:\\d+.*"),
                    url + ": the cluster's DNS does not apply search domains: " + config.path(url));
        }
        assertResolvesWhileRunning(k8s("Deployment", "llm-proxy-nginx")
                .at("/spec/template/spec/containers/0/image")
                .asText());
    }

    /** An official nginx image of 1.27.3 or newer: {@code server ... resolve} in an upstream. */
    static void assertResolvesWhileRunning(String image) {
        var m = java.util.regex.Pattern.compile("nginx:(\\d+)\\.(\\d+)(?:\\.(\\d+))?(?:-\\S*)?")
                .matcher(image);
        assertTrue(m.matches(), "a versioned official nginx image: " + image);
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        int patch = m.group(3) == null ? Integer.MAX_VALUE : Integer.parseInt(m.group(3)); // 1.27: its newest
        assertTrue(
                major > 1 || minor > 27 || (minor == 27 && patch >= 3),
                image + " cannot resolve upstream names while it runs (nginx 1.27.3+)");
    }
}
