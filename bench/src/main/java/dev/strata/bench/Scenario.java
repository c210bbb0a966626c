package dev.strata.bench;

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
   * What the scenario's figures mean and what would change them: markdown written under its
   * measured notes, from the code as it is now (not stored with the results), so that rewriting
   * the page ({@code --scenarios none}) keeps it current.
   */
  default String analysis() {
    return "";
  }

  /**
   * Whether it runs on a Spark cluster rather than in local mode: such a scenario runs alone (a
   * JVM has one Spark session's master), and only when selected by name.
   */
  default boolean onCluster() {
    return false;
  }

  /** Counted runs of each side, as its section of the results says. */
  default int repeats(Options options) {
    return options.repeats();
  }

  /**
   * What a scenario measured.
   *
   * @param comparisons its lines in the table of ratios
   * @param figures its lines in the table of other measured values
   * @param notes markdown under its own heading: what was measured, and where the time goes
   */
  record Outcome(List<Comparison> comparisons, List<Figure> figures, String notes) {
    Outcome(List<Comparison> comparisons, String notes) {
      this(comparisons, List.of(), notes);
    }
  }

  /**
   * The harness's options.
   *
   * @param customers generated customers for the one-day scenarios
   * @param repeats counted runs of each side (after a warm-up)
   * @param days history sizes of the incremental scenario, ascending
   * @param dailyCustomers generated customers per day of the incremental scenario
   * @param conf the project's conf folder (the banking pipeline)
   * @param scaling customers of each size of the scaling scenario, ascending
   * @param scalingRepeats counted runs at each size of the scaling scenario
   * @param wideRows rows of the wide scenario's fact table
   * @param outputRows rows of the partition the outputs scenario delivers
   * @param kafkaMessages messages the kafka scenario ingests
   */
  record Options(
      int customers, int repeats, List<Integer> days, int dailyCustomers, Path conf, List<Integer> scaling, int scalingRepeats,
      int wideRows, int outputRows, int kafkaMessages) {}
}
