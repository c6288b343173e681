package dev.llmproxy.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.properties.HasAnnotations;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.llmproxy.testing.DnsServer;
import dev.llmproxy.testing.Gateway;
import dev.llmproxy.testing.Integration;
import dev.llmproxy.testing.NginxProcess;
import dev.llmproxy.testing.RedisServer;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.commons.annotation.Testable;

/**
 * Keeps {@code ./gateway test --unit} honest: a test that uses {@link NginxProcess}, {@link Gateway},
 * {@link RedisServer} or {@link DnsServer} (which start a real nginx, redis-server or dnsmasq) is tagged {@link Integration}, on its class
 * (or an enclosing class or superclass) or on the method making the call.
 *
 * <p>What it cannot see: indirect use. A test that reaches nginx or Redis through a helper in another class
 * (one that is not one of these three), through the main code (e.g. {@code RATE_LIMIT_STORE=redis} with a
 * Redis someone else started), or through reflection passes this rule untagged; so does one that runs some
 * other program (docker-compose, openssl). For those the tag is put by hand, and the unit loop run with
 * nginx and redis-server absent shows what was missed. A method-level tag counts only on a test method that
 * makes the call itself (ArchUnit counts a lambda's calls as its enclosing method's); a call from a helper or
 * from {@code @BeforeAll}/{@code @BeforeEach} needs the class tagged, as tagging those would exclude nothing.
 */
class IntegrationTagTest {
    static final List<Class<?>> REAL_PROCESSES =
            List.of(NginxProcess.class, Gateway.class, RedisServer.class, DnsServer.class);

    static JavaClasses tests;

    @BeforeAll
    static void load() {
        tests = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("dev.llmproxy");
    }

    @Test
    void testsThatStartNginxOrRedisAreTaggedIntegration() {
        classes().that(areTests()).should(tagEveryUseOfARealProcess()).check(tests);
    }

    @Test
    void theRuleSeesTheNginxAndRedisTests() {
        // Guards the rule itself: if it saw no test using the three classes (an import or predicate gone wrong), it
        // would pass vacuously.
        long users = tests.stream()
                .filter(areTests())
                .filter(c -> c.getAccessesFromSelf().stream().anyMatch(IntegrationTagTest::startsARealProcess))
                .count();
        if (users < 10) {
            throw new AssertionError(
                    "expected the nginx and Redis tests among the imported test classes, found " + users);
        }
    }

    /** Classes with a JUnit or jqwik test method (@Test, @Property, ... are all @Testable), and the classes nested in them. */
    static DescribedPredicate<JavaClass> areTests() {
        return DescribedPredicate.describe("are tests", c -> hasTestMethods(c) || hasTestMethods(outermost(c)));
    }

    static boolean hasTestMethods(JavaClass c) {
        return c.getAllMethods().stream().anyMatch(IntegrationTagTest::isTest);
    }

    static boolean isTest(JavaCodeUnit method) {
        return method.isMetaAnnotatedWith(Testable.class);
    }

    static ArchCondition<JavaClass> tagEveryUseOfARealProcess() {
        return new ArchCondition<>(
                "be tagged @Integration where they use NginxProcess, Gateway, RedisServer or DnsServer") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                if (tagged(c)) {
                    return;
                }
                List<JavaAccess<?>> untagged = c.getAccessesFromSelf().stream()
                        .filter(a -> startsARealProcess(a) && !(isTest(a.getOrigin()) && carriesTheTag(a.getOrigin())))
                        .sorted(Comparator.comparingInt((JavaAccess<?> a) -> a.getLineNumber()))
                        .toList();
                if (!untagged.isEmpty()) {
                    Set<String> names = new TreeSet<>();
                    untagged.forEach(a -> names.add(a.getOrigin().getName()));
                    String methods = names.size() <= 4
                            ? names.toString()
                            : names.stream().limit(4).toList() + " and " + (names.size() - 4) + " more";
                    events.add(
                            SimpleConditionEvent.violated(
                                    c,
                                    c.getName() + " uses "
                                            + untagged.get(0).getTargetOwner().getSimpleName()
                                            + " " + untagged.get(0).getSourceCodeLocation() + " in " + methods
                                            + " untagged: tag the class or these methods @Integration (./gateway test --unit runs without nginx and redis-server)"));
                }
            }
        };
    }

    static boolean startsARealProcess(JavaAccess<?> access) {
        return REAL_PROCESSES.stream().anyMatch(p -> access.getTargetOwner().isEquivalentTo(p));
    }

    /** The class, a class it is nested in, or a superclass of either (JUnit inherits tags both ways). */
    static boolean tagged(JavaClass c) {
        for (Optional<JavaClass> k = Optional.of(c); k.isPresent(); k = k.get().getEnclosingClass()) {
            JavaClass k0 = k.get();
            if (carriesTheTag(k0) || k0.getAllRawSuperclasses().stream().anyMatch(IntegrationTagTest::carriesTheTag)) {
                return true;
            }
        }
        return false;
    }

    static boolean carriesTheTag(HasAnnotations<?> element) {
        return element.isAnnotatedWith(Integration.class)
                || element.tryGetAnnotationOfType(Tag.class)
                        .map(t -> t.value().equals(Integration.TAG))
                        .orElse(false);
    }

    static JavaClass outermost(JavaClass c) {
        JavaClass k = c;
        while (k.getEnclosingClass().isPresent()) {
            k = k.getEnclosingClass().get();
        }
        return k;
    }
}
