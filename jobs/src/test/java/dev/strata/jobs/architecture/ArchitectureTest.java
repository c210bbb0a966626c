package dev.strata.jobs.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the code, enforced: the layout in README.md ("Code layout") is the architecture, and
 * these rules keep it so. Each rule says why it exists; a change that breaks one should change the
 * design on purpose, here, not by accident elsewhere.
 */
class ArchitectureTest {
  private static JavaClasses strata;

  @BeforeAll
  static void importProductionClasses() {
    strata = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.strata");
  }

  @Test
  void packagesOfTheEngineDependOnEachOtherWithoutCycles() {
    ArchRule rule = slices().matching("dev.strata.jobs.(*)..").should().beFreeOfCycles()
        .because("a package that depends on one that depends back on it cannot be understood, tested or replaced alone");
    rule.check(strata);
  }

  @Test
  void theRootPackageHoldsOnlyWhatEveryPackageMayUse() {
    ArchRule rule = noClasses().that().resideInAPackage("dev.strata.jobs")
        .should().dependOnClassesThat().resideInAnyPackage(
            "dev.strata.jobs.engine..", "dev.strata.jobs.ledger..", "dev.strata.jobs.io..", "dev.strata.jobs.cli..",
            "dev.strata.jobs.report..", "dev.strata.jobs.alert..", "dev.strata.jobs.run..")
        .because("Errors is used by every package: it may depend on definitions only, or it closes a cycle with each of them");
    rule.check(strata);
  }

  @Test
  void thePublicApiImportsNothingInternal() {
    ArchRule rule = classes().that().resideInAPackage("dev.strata.api..")
        .should().onlyDependOnClassesThat().resideInAnyPackage("dev.strata.api..", "java..", "org.apache.spark..", "scala..")
        .because("users build on dev.strata.api alone; an internal type in its signatures would make every internal change theirs");
    rule.check(strata);
  }

  @Test
  void onlyTheCommandLineMapsOutcomesToExitCodes() {
    ArchRule rule = noClasses().that().resideOutsideOfPackage("dev.strata.jobs.cli..")
        .should().dependOnClassesThat().haveFullyQualifiedName("dev.strata.jobs.cli.ExitCodes")
        .because("an exit code is how one entry point reports an outcome; the engine reports outcomes, typed");
    rule.check(strata);
  }

  @Test
  void onlyTheCommandLineEndsTheProcess() {
    ArchRule rule = noClasses().that().resideOutsideOfPackage("dev.strata.jobs.cli..")
        .should().callMethod(System.class, "exit", int.class)
        .because("a library that exits takes the notebook, the scheduler and the tests down with it");
    rule.check(strata);
  }

  @Test
  void deltaInternalsAreTouchedByOneAdapterOnly() {
    ArchRule rule = noClasses().that().doNotHaveFullyQualifiedName(DeltaAdapter.NAME)
        .and().haveNameNotMatching(java.util.regex.Pattern.quote(DeltaAdapter.NAME) + "\\$.*")
        .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark.sql.delta..")
        .because("Delta's internal classes change between releases without notice: one class absorbs that, everything"
            + " else uses Delta's public API (io.delta.tables, the delta data source)");
    rule.check(strata);
  }

  @Test
  void transformsDoNoIo() {
    ArchRule rule = noClasses().that().resideInAnyPackage("dev.strata.transforms..", "dev.strata.api..")
        .should().dependOnClassesThat().haveFullyQualifiedName("org.apache.spark.sql.DataFrameReader")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("org.apache.spark.sql.DataFrameWriter")
        .orShould().dependOnClassesThat().resideInAnyPackage("java.nio.file..", "org.apache.hadoop.fs..")
        .orShould().callMethod(org.apache.spark.sql.SparkSession.class, "builder")
        .because("a transform is a pure function of its inputs: the engine reads, writes and publishes");
    rule.check(strata);
  }

  /** The one class that may use Delta's internal API. */
  static final class DeltaAdapter {
    static final String NAME = "dev.strata.jobs.write.InPlaceWrite";

    private DeltaAdapter() {}
  }
}
