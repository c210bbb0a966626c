package dev.strata.jobs.generate;

import dev.strata.jobs.io.HadoopFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Generates the banking landing files: per day, {@code customers/<date>/customers.csv} and {@code
 * accounts/<date>/accounts.csv}. Deterministic for a seed; streams rows to disk (memory does not grow
 * with the row count). Every customer has one account, every third a second one.
 */
public final class BankingGenerator {
  public static final String CUSTOMERS_HEADER = "customer_id,customer_name,has_loan,email,updated_at,as_of_date";
  public static final String ACCOUNTS_HEADER = "account_id,customer_id,balance,account_type,opened_date,as_of_date";

  private static final String[] FIRST = {
    "Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Dennis",
    "Radia", "John", "Katherine", "Tim", "Sophie", "Linus"
  };
  private static final String[] LAST = {
    "Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton",
    "Ritchie", "Perlman", "Backus", "Johnson", "Berners", "Wilson", "Torvalds"
  };
  private static final String[][] SPELLINGS = {
    {"yes", "no"}, {"1", "0"}, {"true", "false"}, {"YES", "NO"}, {"y", "n"}, {"True", "False"}
  };
  private static final LocalDate OPENED_BASE = LocalDate.of(2010, 1, 1);

  private final HadoopFiles files;
  private final long seed;

  public BankingGenerator(HadoopFiles files, long seed) {
    this.files = files;
    this.seed = seed;
  }

  /** How many rows of each kind one day holds, and how many got each defect. */
  public record DayCounts(LocalDate date, long customerRows, long accountRows, Map<String, Long> defects) {}

  /**
   * Writes one day of landing files under {@code out}.
   *
   * @param customers customers in the day's snapshot
   */
  public DayCounts writeDay(String out, LocalDate date, int customers, Defects defects) {
    Map<String, Long> counts = new LinkedHashMap<>();
    long customerRows = writeCustomers(out + "/customers/" + date + "/customers.csv", date, customers, defects, counts);
    long accountRows = writeAccounts(out + "/accounts/" + date + "/accounts.csv", date, customers, defects, counts);
    return new DayCounts(date, customerRows, accountRows, counts);
  }

  /** Accounts for a given number of customers: one each, and a second for every third. */
  public static int accountCount(int customers) {
    return customers + (customers + 2) / 3;
  }

  private long writeCustomers(String file, LocalDate date, int n, Defects d, Map<String, Long> counts) {
    long rows = 0;
    long day = date.toEpochDay();
    try (Writer w = writer(file)) {
      w.write(CUSTOMERS_HEADER);
      w.write('\n');
      StringBuilder line = new StringBuilder(128);
      for (int i = 0; i < n; i++) {
        long h = mix(seed, day, i);
        String first = FIRST[(int) Long.remainderUnsigned(h, FIRST.length)];
        String last = LAST[(int) Long.remainderUnsigned(h >>> 8, LAST.length)];
        boolean loan = Long.remainderUnsigned(h >>> 16, 4) == 0;
        String id = customerId(i);
        String name = first + " " + last;
        String flag = loan ? "Y" : "N";
        if (hit(d.flagSpellings(), 1, i, n)) {
          String[] pair = SPELLINGS[(int) Long.remainderUnsigned(h >>> 24, SPELLINGS.length)];
          flag = loan ? pair[0] : pair[1];
          counts.merge("flag_spellings", 1L, Long::sum);
        }
        if (hit(d.badFlag(), 2, i, n)) {
          flag = "maybe";
          counts.merge("bad_flag", 1L, Long::sum);
        }
        if (hit(d.nullKey(), 3, i, n)) {
          id = "";
          counts.merge("null_key", 1L, Long::sum);
        }
        if (hit(d.nullName(), 4, i, n)) {
          name = "";
          counts.merge("null_name", 1L, Long::sum);
        }
        String email = first + "." + last + (i + 1) + "@Example.com";
        String updated = date + " 0" + (h >>> 32 & 7) + ":" + two((h >>> 40 & 63) % 60) + ":00";
        customerLine(line, id, name, flag, email, updated, date);
        w.append(line);
        rows++;
        if (hit(d.updates(), 5, i, n)) {
          customerLine(line, id, name, flag, "updated." + email, date + " 23:59:59", date);
          w.append(line);
          rows++;
          counts.merge("updates", 1L, Long::sum);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
    return rows;
  }

  private long writeAccounts(String file, LocalDate date, int customers, Defects d, Map<String, Long> counts) {
    long rows = 0;
    long day = date.toEpochDay();
    int n = accountCount(customers);
    try (Writer w = writer(file)) {
      w.write(ACCOUNTS_HEADER);
      w.write('\n');
      StringBuilder line = new StringBuilder(128);
      int a = 0;
      for (int c = 0; c < customers; c++) {
        int owned = c % 3 == 0 ? 2 : 1;
        for (int k = 0; k < owned; k++, a++) {
          long h = mix(seed ^ 0x5DEECE66DL, day, a);
          String accountId = String.format(Locale.ROOT, "A%09d", a + 1);
          String customerId = customerId(c);
          long cents = 1 + Long.remainderUnsigned(h, 2_500_000L) * (1 + Long.remainderUnsigned(h >>> 40, 4));
          String balance = money(cents);
          String type = (h >>> 20 & 1) == 0 ? "checking" : "savings";
          LocalDate opened = OPENED_BASE.plusDays(Long.remainderUnsigned(h >>> 24, 4000));
          if (hit(d.orphan(), 6, a, n)) {
            customerId = String.format(Locale.ROOT, "C9%08d", a + 1);
            counts.merge("orphan", 1L, Long::sum);
          }
          if (hit(d.outOfRange(), 7, a, n)) {
            balance = "-" + balance;
            counts.merge("out_of_range", 1L, Long::sum);
          }
          if (hit(d.badNumber(), 8, a, n)) {
            balance = "N/A";
            counts.merge("bad_number", 1L, Long::sum);
          }
          accountLine(line, accountId, customerId, balance, type, opened, date);
          w.append(line);
          rows++;
          if (hit(d.duplicateKey(), 9, a, n)) {
            accountLine(line, accountId, customerId, money(cents + 100), type, opened, date);
            w.append(line);
            rows++;
            counts.merge("duplicate_key", 1L, Long::sum);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
    return rows;
  }

  private Writer writer(String file) {
    return new BufferedWriter(new OutputStreamWriter(files.create(file), StandardCharsets.UTF_8), 1 << 20);
  }

  static String customerId(int i) {
    return String.format(Locale.ROOT, "C%08d", i + 1);
  }

  private static String money(long cents) {
    return (cents / 100) + "." + two(cents % 100);
  }

  private static String two(long v) {
    return v < 10 ? "0" + v : String.valueOf(v);
  }

  private static void customerLine(StringBuilder b, String id, String name, String flag, String email, String updated, LocalDate date) {
    b.setLength(0);
    b.append(id).append(',').append(name).append(',').append(flag).append(',').append(email).append(',')
        .append(updated).append(',').append(date).append('\n');
  }

  private static void accountLine(StringBuilder b, String id, String customer, String balance, String type, LocalDate opened, LocalDate date) {
    b.setLength(0);
    b.append(id).append(',').append(customer).append(',').append(balance).append(',').append(type).append(',')
        .append(opened).append(',').append(date).append('\n');
  }

  /**
   * Whether row i of n gets a defect of the given kind at the given rate: exactly floor(n * rate)
   * rows do, spread evenly, each kind rotated so that kinds rarely land on the same rows.
   */
  static boolean hit(double rate, int kind, int i, int n) {
    if (rate <= 0) {
      return false;
    }
    long j = (i + (long) kind * 7919L) % n;
    return Math.floor((j + 1) * rate) > Math.floor(j * rate);
  }

  /** SplitMix64 over (seed, day, index): a cheap, well-spread, deterministic hash. */
  static long mix(long seed, long day, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + day * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
