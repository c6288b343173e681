package dev.llmproxy.arch;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.javalin.Javalin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package map, as rules: dependencies point one way, the web framework stays at the edge. */
class ArchitectureTest {
    static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.llmproxy");
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.llmproxy.(*)..").should().beFreeOfCycles().check(classes);
    }

    @Test
    void onlyTheHttpEdgeKnowsJavalinAndJetty() {
        noClasses().that().resideOutsideOfPackages("dev.llmproxy.http..", "dev.llmproxy.cli..")
                .should().dependOnClassesThat().resideInAnyPackage("io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..")
                .check(classes);
    }

    @Test
    void startUpOnlyStartsTheServer() {
        // serve starts what App.create built and reports its port: nothing of Javalin's but the server itself.
        noClasses().that().resideInAPackage("dev.llmproxy.cli..")
                .should().dependOnClassesThat(resideInAnyPackage("io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..")
                        .and(not(type(Javalin.class))))
                .check(classes);
    }

    @Test
    void nothingButStartUpDependsOnTheHttpEdge() {
        noClasses().that().resideOutsideOfPackages("dev.llmproxy.http..", "dev.llmproxy.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.llmproxy.http..")
                .check(classes);
    }

    @Test
    void onlyMainDependsOnTheCommandLine() {
        noClasses().that().resideOutsideOfPackages("dev.llmproxy", "dev.llmproxy.cli..")
                .should().dependOnClassesThat().resideInAPackage("dev.llmproxy.cli..")
                .check(classes);
    }

    @Test
    void translationIsPure() {
        noClasses().that().resideInAPackage("dev.llmproxy.translate..")
                .should().dependOnClassesThat().resideInAnyPackage("java.net..", "java.nio.channels..", "java.nio.file..",
                        "dev.llmproxy.upstream..", "dev.llmproxy.http..", "redis..")
                .check(classes);
    }
}
