package dev.llmproxy.e2e;

import static dev.llmproxy.testing.ErrorBodies.assertError;
import static dev.llmproxy.testing.Http.bearer;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.config.Config;
import dev.llmproxy.config.ConfigLoader;
import dev.llmproxy.nginx.NginxConfig;
import dev.llmproxy.testing.DnsServer;
import dev.llmproxy.testing.FakeVllm;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Http;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.NginxProcess;
import dev.llmproxy.testing.Ports;
import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * nginx starts while a backend's host name does not resolve yet (compose without the model server's profile, a
 * Kubernetes Service not created yet), answers that backend's calls with a JSON 502 meanwhile, serves the other
 * backends, and reaches the backend once its name resolves: with {@code NGINX_RESOLVER}, on an nginx that
 * resolves upstream names while it runs (1.27.3+, the official image's), asking a real DNS server.
 */
@Integration
class BackendNameResolutionTest {
    static final String TOKEN = "sk-resolve-team-0123456789";
    static final String TOKENS = "[{\"token\":\"" + TOKEN + "\",\"label\":\"resolve\"}]";
    static final String HOST = "vllm.llm-proxy.test";

    static String backends(FakeVllm vllm) {
        return "[{\"name\":\"vllm\",\"type\":\"openai\",\"urls\":[\"http://" + HOST + ":" + vllm.port()
                + "/v1\"],\"models\":[\"llama3\"],\"aliases\":{\"gpt-4o-mini\":\"llama3\"}},"
                + "{\"name\":\"echo\",\"type\":\"echo\"}]";
    }

    static HttpResponse<String> chat(Gateway gw, String model, boolean stream) {
        return Http.post(
                gw.url("/v1/chat/completions"),
                "{\"model\":\"" + model + "\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "Authorization",
                bearer(TOKEN));
    }

    @Test
    void nginxStartsBeforeABackendsNameResolvesAndReachesItOnceItDoes() throws Exception {
        try (DnsServer dns = DnsServer.start();
                FakeVllm vllm = new FakeVllm(null);
                Gateway gw = Gateway.start(
                        TOKENS,
                        Map.of("BACKENDS_JSON", backends(vllm), "NGINX_RESOLVER", dns.address()),
                        NginxProcess.resolvingBinary())) {
            assertEquals(200, Http.get(gw.url("/healthz")).statusCode());
            for (String model : new String[] {"llama3", "gpt-4o-mini"}) { // as sent, and renamed by nginx
                for (boolean stream : new boolean[] {false, true}) {
                    HttpResponse<String> r = chat(gw, model, stream);
                    assertError(r, 502, "backend_unavailable");
                    assertTrue(r.body().contains("The vllm backend is unreachable."), r.body());
                }
            }
            assertEquals(200, chat(gw, "echo", false).statusCode(), "the other backends are served meanwhile");
            assertEquals(0, vllm.received().size());

            dns.set(HOST, "127.0.0.1");
            HttpResponse<String> r = chat(gw, "llama3", false);
            long deadline = System.nanoTime() + 30_000_000_000L; // nginx asks again every 10 s
            while (r.statusCode() != 200 && System.nanoTime() < deadline) {
                Thread.sleep(250);
                r = chat(gw, "llama3", false);
            }
            assertEquals(200, r.statusCode(), r.body() + "\n" + gw.errorLog() + "\n" + dns.log());
            assertEquals(
                    "chat.completion",
                    new ObjectMapper().readTree(r.body()).path("object").asText(),
                    r.body());
            HttpResponse<String> streamed = chat(gw, "llama3", true);
            assertEquals(200, streamed.statusCode(), streamed.body());
            assertTrue(streamed.body().strip().endsWith("data: [DONE]"), streamed.body());
            HttpResponse<String> renamed = chat(gw, "gpt-4o-mini", false);
            assertEquals(200, renamed.statusCode(), renamed.body());
            assertEquals("llama3", vllm.last().json().path("model").asText(), "nginx renamed it on the way");
            assertTrue(dns.log().contains(HOST), "nginx asked the DNS server");
        }
    }

    /**
     * A sidecar that restarts on another address (a compose container often does) is followed too: with the
     * address nginx resolved at start, every call would be a 503 until nginx restarted.
     */
    @Test
    void aSidecarThatComesBackOnAnotherAddressIsFollowed() throws Exception {
        int sidecarPort = Ports.free();
        int nginxPort = Ports.free();
        String sidecarName = "sidecar.llm-proxy.test";
        Map<String, String> env = new HashMap<>(Map.of(
                "TOKENS_JSON",
                TOKENS,
                "BACKENDS_JSON",
                "[{\"name\":\"echo\",\"type\":\"echo\"}]",
                "GATEWAY_SECRET",
                Gateway.SECRET,
                "SIDECAR_HOST",
                "127.0.0.1",
                "SIDECAR_PORT",
                Integer.toString(sidecarPort),
                "NGINX_LISTEN",
                "127.0.0.1:" + nginxPort));
        try (DnsServer dns = DnsServer.start()) {
            dns.set(sidecarName, "127.0.0.1");
            env.put("NGINX_RESOLVER", dns.address());
            Config config = ConfigLoader.load(env);
            Javalin sidecar = Gateway.startSidecar(config);
            Path runDir = NginxProcess.prepareRunDir();
            NginxConfig.Layout local = NginxConfig.Layout.local(runDir);
            Path conf = runDir.resolve("nginx.conf");
            Files.writeString(
                    conf,
                    NginxConfig.render(
                            Files.readString(Path.of("nginx/nginx.conf.template")),
                            config,
                            new NginxConfig.Layout(
                                    runDir, local.accessLog(), local.errorLog(), sidecarName + ":" + sidecarPort)));
            try (NginxProcess nginx = NginxProcess.start(NginxProcess.resolvingBinary(), runDir, conf, nginxPort)) {
                URI chat = URI.create("http://127.0.0.1:" + nginxPort + "/v1/chat/completions");
                String body = "{\"model\":\"echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                assertEquals(
                        200,
                        Http.post(chat, body, "Authorization", bearer(TOKEN)).statusCode());

                sidecar.stop();
                env.put("SIDECAR_HOST", "127.0.0.2");
                sidecar = Gateway.startSidecar(ConfigLoader.load(env));
                dns.set(sidecarName, "127.0.0.2");
                HttpResponse<String> r = Http.post(chat, body, "Authorization", bearer(TOKEN));
                long deadline = System.nanoTime() + 30_000_000_000L; // nginx asks again every 10 s
                while (r.statusCode() != 200 && System.nanoTime() < deadline) {
                    assertError(r, 503, "authz_unavailable"); // meanwhile: the sidecar is away, retry
                    Thread.sleep(250);
                    r = Http.post(chat, body, "Authorization", bearer(TOKEN));
                }
                assertEquals(200, r.statusCode(), r.body() + "\n" + nginx.log("error.log"));
            } finally {
                sidecar.stop();
            }
        }
    }

    /** What the resolver is for: without it, nginx refuses a config whose backend name does not resolve. */
    @Test
    void withoutAResolverNginxRefusesTheConfig() throws Exception {
        try (FakeVllm vllm = new FakeVllm(null)) {
            Map<String, String> env = new HashMap<>(Map.of(
                    "TOKENS_JSON",
                    TOKENS,
                    "BACKENDS_JSON",
                    backends(vllm),
                    "GATEWAY_SECRET",
                    Gateway.SECRET,
                    "SIDECAR_PORT",
                    Integer.toString(Ports.free())));
            Path runDir = NginxProcess.prepareRunDir();
            Path conf = runDir.resolve("nginx.conf");
            Files.writeString(
                    conf,
                    NginxConfig.render(
                            Files.readString(Path.of("nginx/nginx.conf.template")),
                            ConfigLoader.load(env),
                            NginxConfig.Layout.local(runDir)));
            // nginx -t, however long the machine's DNS takes to say no
            AssertionError refused = assertThrows(
                    AssertionError.class, () -> NginxProcess.assertValid(NginxProcess.resolvingBinary(), runDir, conf));
            assertTrue(refused.getMessage().contains("host not found in upstream"), refused.getMessage());
        }
    }
}
