package dev.llmproxy.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test (class or method) that needs a program besides the JDK: a real nginx ({@link NginxProcess},
 * {@link Gateway}), a real redis-server ({@link RedisServer}), or another tool such as docker-compose.
 * {@code ./gateway test --unit} leaves these out; {@code ./gateway test} runs them.
 * {@code arch/IntegrationTagTest} checks that every test using those three classes carries it.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Tag(Integration.TAG)
public @interface Integration {
    String TAG = "integration";
}
