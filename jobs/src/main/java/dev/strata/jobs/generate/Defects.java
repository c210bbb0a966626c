package dev.strata.jobs.generate;

/**
 * The defects the banking generator injects, each as a rate in [0, 1] of the rows it applies to.
 * For a rate r over n rows, exactly floor(n * r) rows get the defect, so tests can predict outcomes.
 *
 * @param nullKey customers with an empty customer_id
 * @param nullName customers with an empty customer_name
 * @param badFlag customers whose has_loan is not any spelling of a flag ("maybe")
 * @param flagSpellings customers whose has_loan uses another valid spelling (yes/no, 1/0, true/false)
 * @param updates customers sent twice, the second row later and with a changed email (not a defect:
 *     silver keeps the latest)
 * @param duplicateKey accounts sent twice with the same account_id and another balance
 * @param badNumber accounts whose balance does not parse ("N/A")
 * @param orphan accounts whose customer_id matches no customer
 * @param outOfRange accounts with a negative balance
 */
public record Defects(
    double nullKey,
    double nullName,
    double badFlag,
    double flagSpellings,
    double updates,
    double duplicateKey,
    double badNumber,
    double orphan,
    double outOfRange) {

  public static final Defects NONE = new Defects(0, 0, 0, 0, 0, 0, 0, 0, 0);

  public Defects {
    check("null-key-rate", nullKey);
    check("null-name-rate", nullName);
    check("bad-flag-rate", badFlag);
    check("flag-spelling-rate", flagSpellings);
    check("update-rate", updates);
    check("duplicate-key-rate", duplicateKey);
    check("bad-number-rate", badNumber);
    check("orphan-rate", orphan);
    check("out-of-range-rate", outOfRange);
  }

  private static void check(String name, double rate) {
    if (!(rate >= 0 && rate <= 1)) {
      throw new IllegalArgumentException("--" + name + " must be a rate between 0 and 1, got " + rate);
    }
  }
}
