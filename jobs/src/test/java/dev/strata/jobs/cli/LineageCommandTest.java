package dev.strata.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import org.junit.jupiter.api.Test;

/** The graph of a pipeline, and the impact of one table, in each format. */
class LineageCommandTest {
  @Test
  void theWholeGraphAsMermaidAndDot() {
    Cli.Outcome mermaid = Cli.run("lineage", "banking", "--format", "mermaid");
    assertThat(mermaid.exit()).as(mermaid.toString()).isZero();
    assertThat(mermaid.out())
        .startsWith("graph LR\n")
        .contains("  customers[(\"customers\")]", "  customers --> customers_raw", "  stg_customer --> stg_account",
            "  int_account_with_customer --> account_summary", "  class account_summary gold");

    Cli.Outcome dot = Cli.run("lineage", "banking", "--format", "dot");
    assertThat(dot.out())
        .startsWith("digraph \"banking\" {")
        .contains("\"accounts\" [shape=cylinder];", "\"stg_account\" -> \"customer_metrics\";")
        .endsWith("}\n");
  }

  @Test
  void theImpactOfATableIsEverythingDownstreamOfIt() {
    Cli.Outcome down = Cli.run("lineage", "banking", "--table", "stg_account", "--downstream");
    assertThat(down.exit()).as(down.toString()).isZero();
    assertThat(down.out())
        .contains("Impact of stg_account: 3 tables downstream (int_account_with_customer silver, ")
        .contains("account_summary gold", "customer_metrics gold")
        .doesNotContain("customers_raw");

    Cli.Outcome up = Cli.run("lineage", "banking", "--table", "stg_account", "--upstream", "--format", "text");
    assertThat(up.out())
        .containsPattern("stg_account +silver  <- accounts_raw, stg_customer")
        .contains("customers ", "accounts ", "customers_raw")
        .doesNotContain("account_summary", "Impact");
  }

  @Test
  void anUnknownTableOrFormatIsAnInvalidUsage() {
    Cli.Outcome typo = Cli.run("lineage", "banking", "--table", "stg_acount");
    assertThat(typo.exit()).isEqualTo(2);
    assertThat(typo.err()).contains("'stg_acount' is not one of its tables (did you mean 'stg_account'?)");
    assertThat(Cli.run("lineage", "banking", "--format", "svg").err()).contains("use text, mermaid or dot");
  }
}
