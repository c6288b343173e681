package dev.llmproxy.arch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.javalin.Javalin;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package map, as rules: dependencies point one way, the web framework stays at the edge. */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.llmproxy");
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.llmproxy.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void onlyTheHttpEdgeKnowsJavalinAndJetty() {
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.llmproxy.http..", "dev.llmproxy.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..")
                .check(classes);
    }

    @Test
    void startUpOnlyStartsTheServer() {
        // serve starts what App.create built and reports its port: nothing of Javalin's but the server itself.
        noClasses()
                .that()
                .resideInAPackage("dev.llmproxy.cli..")
                .should()
                .dependOnClassesThat(resideInAnyPackage("io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..")
                        .and(not(type(Javalin.class))))
                .check(classes);
    }

    @Test
    void nothingButStartUpDependsOnTheHttpEdge() {
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.llmproxy.http..", "dev.llmproxy.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.llmproxy.http..")
                .check(classes);
    }

    @Test
    void onlyMainDependsOnTheCommandLine() {
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.llmproxy", "dev.llmproxy.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.llmproxy.cli..")
                .check(classes);
    }

    @Test
    void translationIsPure() {
        noClasses()
                .that()
                .resideInAPackage("dev.llmproxy.translate..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "java.net..",
                        "java.nio.channels..",
                        "java.nio.file..",
                        "dev.llmproxy.upstream..",
                        "dev.llmproxy.http..",
                        "redis..")
                .check(classes);
    }

    @Test
    void theContractIsDataAndRules() {
        noClasses()
                .that()
                .resideInAPackage("dev.llmproxy.contract..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "java.net..",
                        "java.nio.channels..",
                        "java.nio.file..",
                        "dev.llmproxy.upstream..",
                        "dev.llmproxy.relay..",
                        "dev.llmproxy.http..",
                        "dev.llmproxy.nginx..",
                        "redis..")
                .check(classes);
    }

    /** Routing and discovery decide; the calls discovery makes are handed in (relay's UpstreamModels). */
    @Test
    void backendsDecideWithoutIo() {
        noClasses()
                .that()
                .resideInAPackage("dev.llmproxy.backends..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "java.net.http..",
                        "java.nio.channels..",
                        "java.nio.file..",
                        "javax.net..",
                        "dev.llmproxy.upstream..",
                        "dev.llmproxy.relay..",
                        "dev.llmproxy.vllm..",
                        "dev.llmproxy.ollama..",
                        "dev.llmproxy.http..",
                        "redis..")
                .orShould()
                .dependOnClassesThat(type(java.net.Socket.class).or(type(java.net.InetSocketAddress.class)))
                .check(classes);
    }

    /** Maven runs the classes named *Test: a class of tests named otherwise would never run (it happened). */
    @Test
    void everyClassOfTestsIsOneMavenRuns() {
        JavaClasses tests = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.ONLY_INCLUDE_TESTS)
                .importPackages("dev.llmproxy");
        List<String> classesOfTests = new ArrayList<>();
        List<String> neverRun = new ArrayList<>();
        for (JavaClass c : tests) {
            boolean hasTests = c.getMethods().stream()
                    .anyMatch(m -> m.isAnnotatedWith("org.junit.jupiter.api.Test")
                            || m.isAnnotatedWith("org.junit.jupiter.params.ParameterizedTest")
                            || m.isAnnotatedWith("net.jqwik.api.Property"));
            if (!hasTests || c.getModifiers().contains(JavaModifier.ABSTRACT) || c.isNestedClass()) {
                continue; // a contract suite runs through its subclasses, a nested class through its outer one
            }
            classesOfTests.add(c.getName());
            if (!c.getSimpleName().endsWith("Test")) {
                neverRun.add(c.getName());
            }
        }
        assertTrue(classesOfTests.size() > 30, "found " + classesOfTests);
        assertEquals(List.of(), neverRun, "named so that Maven never runs them");
    }

    @Test
    void oneJsonMapper() {
        noClasses()
                .that()
                .doNotHaveFullyQualifiedName("dev.llmproxy.support.Json")
                .should()
                .callConstructorWhere(com.tngtech.archunit.core.domain.JavaCall.Predicates.target(
                        com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner(
                                com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo(
                                        com.fasterxml.jackson.databind.ObjectMapper.class))))
                .check(classes);
    }
}
