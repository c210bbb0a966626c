package dev.strata.jobs.testing;

import dev.strata.api.BuildOutcome;
import dev.strata.api.BuildStatus;
import dev.strata.api.RunOutcome;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.Assertions;

/** Assertions on typed outcomes, as Beam's {@code PAssert} asserts on a pipeline's contents. */
public final class StrataAssertions {
  private StrataAssertions() {}

  /** The build of {@code table} for {@code day} in {@code run}; fails if the run had none. */
  public static BuildAssert assertThatBuild(RunOutcome run, String table, String day) {
    BuildOutcome build = run.build(table, StrataTestPipeline.day(day))
        .orElseThrow(() -> new AssertionError("run " + run.runId() + " has no build of " + table + " " + day + "; it has "
            + run.builds().stream().map(b -> b.table() + " " + b.partition()).toList()));
    return new BuildAssert(build);
  }

  /** Fluent checks of one build. */
  public static final class BuildAssert extends AbstractAssert<BuildAssert, BuildOutcome> {
    BuildAssert(BuildOutcome actual) {
      super(actual, BuildAssert.class);
    }

    public BuildAssert hasStatus(BuildStatus status) {
      isNotNull();
      if (actual.status() != status) {
        failWithMessage("expected %s %s to be %s but it was %s: %s", actual.table(), actual.partition(), status, actual.status(),
            actual.message());
      }
      return this;
    }

    public BuildAssert isPublished() {
      return hasStatus(BuildStatus.PUBLISHED);
    }

    /** Blocked, and the rule that decided (the first failed rule, the cause) is {@code rule}. */
    public BuildAssert isBlockedBy(String rule) {
      hasStatus(BuildStatus.BLOCKED);
      Assertions.assertThat(actual.failedRules()).as("failed rules of %s %s", actual.table(), actual.partition()).isNotEmpty();
      Assertions.assertThat(actual.failedRules().get(0).rule()).as("the rule that blocked %s %s", actual.table(), actual.partition())
          .isEqualTo(rule);
      return this;
    }

    /** Rows in, published, quarantined and filtered out. */
    public BuildAssert hasRows(long in, long published, long quarantined, long filtered) {
      isNotNull();
      Assertions.assertThat(actual.rows()).as("rows of %s %s", actual.table(), actual.partition())
          .isEqualTo(new BuildOutcome.Rows(in, published, quarantined, filtered));
      return this;
    }

    /** The build checked, for what the assertions here do not cover. */
    public BuildOutcome outcome() {
      return actual;
    }

    public BuildAssert messageContains(String text) {
      isNotNull();
      Assertions.assertThat(actual.message()).as("message of %s %s", actual.table(), actual.partition()).contains(text);
      return this;
    }
  }
}
