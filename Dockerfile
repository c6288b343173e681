# llm-proxy sidecar image: build with the repository's Maven wrapper, run on a JRE as an unprivileged user.
# The jar also carries nginx/nginx.conf.template, so `serve --out-dir DIR` renders
# the config the nginx container loads (see docker-compose.yml and deploy/k8s/).
#
# Configuration is environment only (documented in .env.example): BACKENDS_JSON, BACKENDS_FILE, DEFAULT_BACKEND, OLLAMA_BASE_URL,
# VLLM_BASE_URL, VLLM_API_KEY, TOKENS_JSON, TOKENS_FILE, RATE_LIMIT_STORE, REDIS_URL, RATE_LIMIT_FAILURE_MODE,
# RATE_LIMIT_KEY_PREFIX, REDIS_TIMEOUT_MS, REDIS_POOL_SIZE, MAX_BODY_BYTES, BODY_MEMORY_BYTES, SIDECAR_HOST, SIDECAR_PORT,
# GATEWAY_SECRET, GATEWAY_SECRET_FILE, UPSTREAM_CONNECT_TIMEOUT_SECONDS, UPSTREAM_READ_TIMEOUT_SECONDS,
# NGINX_LISTEN, TLS_CERT_FILE, TLS_KEY_FILE, NGINX_HTTP_REDIRECT_LISTEN, CORS_ALLOW_ORIGINS,
# NGINX_RESOLVER, MODELS_REFRESH_SECONDS.

FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -q -B dependency:go-offline
COPY nginx nginx
COPY src src
RUN ./mvnw -q -B -DskipTests package

FROM eclipse-temurin:21-jre
RUN groupadd --system --gid 10001 llmproxy \
 && useradd --system --uid 10001 --gid llmproxy --home-dir /app --shell /usr/sbin/nologin llmproxy \
 && mkdir -p /etc/llm-proxy/nginx /var/lib/llm-proxy \
 && chown llmproxy:llmproxy /etc/llm-proxy/nginx /var/lib/llm-proxy
WORKDIR /app
COPY --from=build /src/target/llm-proxy.jar /app/llm-proxy.jar
USER 10001:10001
ENV SIDECAR_HOST=0.0.0.0 \
    SIDECAR_PORT=8081
EXPOSE 8081
# bash's /dev/tcp: no curl needed in the image.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${SIDECAR_PORT} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/llm-proxy.jar"]
CMD ["serve"]
