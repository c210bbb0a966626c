package dev.strata.jobs.testing;

import dev.strata.jobs.cli.StrataMain;

/**
 * The command line with the faults of {@code -Dstrata.faults} ({@link Faults}): the main class of
 * the Strata processes tests start ({@link StrataProcess}). Production's main has no faults.
 */
public final class FaultyStrataMain {
  private FaultyStrataMain() {}

  public static void main(String[] args) {
    Faults faults = Faults.fromSystemProperties();
    StrataMain.main(args, ctx -> ctx.with(faults));
  }
}
