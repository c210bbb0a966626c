package dev.strata.jobs.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** One benchmark scenario: generates its data under its own folder and times both of its sides. */
interface Scenario {
  /** The name {@code --scenarios} selects it by. */
  String name();

  Outcome run(SparkSession spark, Path work, Options options) throws IOException;

  /**
   * What a scenario measured.
   *
   * @param comparisons its lines in the table
   * @param notes markdown under its own heading: what was measured, and where the time goes
   */
  record Outcome(List<Comparison> comparisons, String notes) {}

  /**
   * The harness's options.
   *
   * @param customers generated customers for the one-day scenarios
   * @param repeats counted runs of each side (after a warm-up)
   * @param days history sizes of the incremental scenario, ascending
   * @param dailyCustomers generated customers per day of the incremental scenario
   */
  record Options(int customers, int repeats, List<Integer> days, int dailyCustomers) {}
}
