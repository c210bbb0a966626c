package dev.strata.jobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.generate.BankingGenerator;
import dev.strata.jobs.generate.Defects;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.WarehouseState;
import dev.strata.testing.IntegrationTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input and broken state, as a demanding user would throw them at {@code banking}: every case
 * starts from a copy of the same warehouse (2024-01-01 published, 2024-01-02 landed), damages
 * something or passes something wrong, and asserts the documented exit code, a message that says
 * what is wrong, where and how to fix it, and that every table, quarantine and the ledger are as
 * they were: same bytes, same Delta versions, same rows.
 */
@IntegrationTest
class BadInputTest {
  private static final LocalDate DAY1 = LocalDate.of(2024, 1, 1);
  private static final LocalDate DAY2 = LocalDate.of(2024, 1, 2);
  private static final Path BANKING = Cli.CONF.resolve("pipelines/banking");

  @TempDir static Path shared;
  private static Path base;

  @TempDir Path dir;

  @BeforeAll
  static void publishOneDay() {
    base = shared.resolve("base");
    BankingGenerator generator = new BankingGenerator(new HadoopFiles(new Configuration()), 11);
    // A few orphan accounts, so that stg_account has a quarantine to protect.
    generator.writeDay(base.resolve("landing").toUri().toString(), DAY1, 60, new Defects(0, 0, 0, 0, 0, 0, 0, 0.02, 0));
    generator.writeDay(base.resolve("landing").toUri().toString(), DAY2, 60, Defects.NONE);
    Cli.Outcome first = Cli.run("run", "banking", "--date", DAY1.toString(), "--warehouse", base.toString());
    assertThat(first.exit()).as(first.toString()).isZero();
    assertThat(base.resolve("_quarantine/stg_account/_delta_log")).exists();
  }

  /**
   * Every case reads a warehouse of its own: Delta keeps each table's log and state cached per
   * path, which over sixty warehouses fills the test JVM's heap.
   */
  @org.junit.jupiter.api.AfterEach
  void forgetTheCasesTables() {
    org.apache.spark.sql.delta.DeltaLog.clearCache();
    dev.strata.testing.SparkTestSession.get().catalog().clearCache();
  }

  /** What a case sees: its own copy of the warehouse, and a folder for definitions. */
  record Env(Path warehouse, Path dir) {
    String wh() {
      return warehouse.toString();
    }

    /** A copy of banking's definition with {@code from} replaced by {@code to} (each pair), as a folder. */
    String banking(String... replacements) {
      Path folder = dir.resolve("def-" + Integer.toHexString(String.join("|", replacements).hashCode()));
      try {
        Files.createDirectories(folder);
        try (Stream<Path> files = Files.list(BANKING)) {
          for (Path f : files.toList()) {
            Files.copy(f, folder.resolve(f.getFileName().toString()));
          }
        }
        Path yaml = folder.resolve("pipeline.yaml");
        String text = Files.readString(yaml);
        for (int i = 0; i + 1 < replacements.length; i += 2) {
          assertThat(text).as("the banking definition has '%s'", replacements[i]).contains(replacements[i]);
          text = text.replace(replacements[i], replacements[i + 1]);
        }
        Files.writeString(yaml, text);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return folder.toString();
    }

    /** A definition folder whose pipeline.yaml holds exactly these bytes. */
    String definition(byte[] bytes) {
      Path folder = dir.resolve("raw-def");
      try {
        Files.createDirectories(folder);
        Files.write(folder.resolve("pipeline.yaml"), bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return folder.toString();
    }

    /**
     * Makes the files of a folder an hour old: a folder with fresh files and no log could be a
     * table another process is creating right now, which Strata retries rather than refuses.
     */
    void age(String relative) {
      java.nio.file.attribute.FileTime hourAgo = java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
      try (Stream<Path> walk = Files.walk(warehouse.resolve(relative))) {
        for (Path q : walk.toList()) {
          Files.setLastModifiedTime(q, hourAgo);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Deletes a file or folder of the warehouse; the table folder it was in is made an hour old. */
    void delete(String relative) {
      age(Path.of(relative).getParent().toString());
      Path p = warehouse.resolve(relative);
      try (Stream<Path> walk = Files.walk(p)) {
        for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(q);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Overwrites a file of the warehouse, leaving its checksum file as it was (which then does not match). */
    void overwrite(String relative, byte[] bytes) {
      try {
        Files.write(warehouse.resolve(relative), bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * Overwrites a file of the warehouse, as a broken copy or a bad object-store write would: its
     * checksum file (which the local file system keeps beside it) goes too, so that what Strata
     * meets is the bad content itself.
     */
    void corrupt(String relative, byte[] bytes) {
      try {
        Path file = warehouse.resolve(relative);
        Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
        Files.write(file, bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Deletes every commit file of a Delta table's log, keeping the folder. */
    void emptyLog(String table) {
      age(table);
      try (Stream<Path> files = Files.list(warehouse.resolve(table + "/_delta_log"))) {
        for (Path f : files.toList()) {
          if (Files.isRegularFile(f)) {
            Files.delete(f);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** What a case checks beyond its exit code and message. */
  enum Keeps {
    /** Nothing at all is written: every byte of the warehouse is as it was. */
    EVERYTHING,
    /** Tables and quarantine are as they were; the ledger and reports may record the run. */
    DATA
  }

  /**
   * One bad input.
   *
   * @param name what it is, for the test's display name
   * @param command the command line to run, given the case's environment
   * @param exit the documented exit code
   * @param keeps what must be left as it was
   * @param expected fragments of the message (stderr and stdout together): what, where, how to fix
   */
  record Case(String name, Function<Env, String[]> command, int exit, Keeps keeps, List<String> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Case c(String name, int exit, Keeps keeps, Function<Env, String[]> command, String... expected) {
    return new Case(name, command, exit, keeps, List.of(expected));
  }

  private static String[] run(Env e, String definition, String... more) {
    List<String> args = new ArrayList<>(List.of("run", definition, "--warehouse", e.wh()));
    args.addAll(List.of(more.length == 0 ? new String[] {"--date", DAY2.toString()} : more));
    return args.toArray(String[]::new);
  }

  private static String[] validate(String definition) {
    return new String[] {"validate", definition};
  }

  static Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    // ---- 1. names that are not identifiers: exit 2 from validate and from run, with file:line ----
    String[][] badTableNames = {
      {"a table named ../silver/stg_customer", "\"../silver/stg_customer\""},
      {"a table named ../../../tmp/x", "\"../../../tmp/x\""},
      {"a table name with a semicolon", "\"summary;drop\""},
      {"a table name with a backtick", "\"summary`x\""},
      {"a table name with a quote", "\"summary'x\""},
      {"a table name in capitals", "AccountSummary"},
      {"a table name with a space", "\"account summary\""},
    };
    for (String[] bad : badTableNames) {
      cases.add(c(bad[0] + " (run)", 2, Keeps.EVERYTHING, e -> run(e, e.banking("  account_summary:\n", "  " + bad[1] + ":\n")),
          "pipeline.yaml:", "tables.", "is not an identifier", "lowercase letters, digits and underscores", "strata validate"));
    }
    cases.add(c("a table named ../silver/stg_customer (validate)", 2, Keeps.EVERYTHING,
        e -> validate(e.banking("  account_summary:\n", "  \"../silver/stg_customer\":\n")),
        "pipeline.yaml:", "the table name '../silver/stg_customer' is not an identifier"));
    cases.add(c("a source name with a slash", 2, Keeps.EVERYTHING,
        e -> run(e, e.banking("  customers:\n    path", "  \"cust/omers\":\n    path", "inputs: [customers]", "inputs: [\"cust/omers\"]")),
        "sources.cust/omers", "the source name 'cust/omers' is not an identifier"));
    cases.add(c("a pipeline name with dots", 2, Keeps.EVERYTHING, e -> run(e, e.banking("pipeline: banking", "pipeline: ../banking")),
        "pipeline.yaml:", "the pipeline name '../banking' is not an identifier"));
    cases.add(c("a name longer than 64 characters", 2, Keeps.EVERYTHING,
        e -> run(e, e.banking("  account_summary:\n", "  " + "a".repeat(65) + ":\n")), "is longer than 64 characters"));
    // ---- 2. duplicate keys, anywhere: exit 2 naming both lines ----
    cases.add(c("a table declared twice", 2, Keeps.EVERYTHING,
        e -> run(e, e.banking("  # ---- silver", "  stg_customer:\n    layer: silver\n    inputs: [customers_raw]\n    sql: x.sql\n  # ---- silver")),
        "tables.stg_customer", "the key 'stg_customer' appears twice in the same mapping (lines", "Remove one"));
    cases.add(c("a source declared twice", 2, Keeps.EVERYTHING,
        e -> run(e, e.banking("\ntables:\n", "\n  accounts:\n    path: landing/x/{date}\n    schema: {a: string}\n\ntables:\n")),
        "sources.accounts", "the key 'accounts' appears twice"));
    cases.add(c("a key twice inside a table", 2, Keeps.EVERYTHING,
        e -> run(e, e.banking("    layer: gold\n", "    layer: gold\n    layer: silver\n")),
        "layer", "the key 'layer' appears twice"));
    cases.add(c("a rule group twice", 2, Keeps.EVERYTHING,
        e -> validate(e.banking("      warn:\n        - IsComplete \"customer_id\"\n",
            "      warn:\n        - IsComplete \"customer_id\"\n      warn:\n        - IsComplete \"x\"\n")),
        "rules.warn", "the key 'warn' appears twice"));
    cases.add(c("a column declared twice in a schema", 2, Keeps.EVERYTHING,
        e -> validate(e.banking("      customer_name: string\n", "      customer_name: string\n      customer_name: string\n")),
        "schema.customer_name", "appears twice"));
    cases.add(c("a top-level key twice", 2, Keeps.EVERYTHING,
        e -> validate(e.banking("pipeline: banking\n", "pipeline: banking\ndescription: one\ndescription: two\n")),
        "the key 'description' appears twice"));
    // ---- 5. types: exit 2 with file:line, never a stack trace ----
    cases.add(c("an unknown type strng", 2, Keeps.EVERYTHING, e -> validate(e.banking("customer_name: string", "customer_name: strng")),
        "pipeline.yaml:", "sources.customers.schema.customer_name", "'strng' is not a Spark SQL type"));
    cases.add(c("a malformed decimal(18,x)", 2, Keeps.EVERYTHING, e -> run(e, e.banking("balance: decimal(18,2)", "balance: decimal(18,x)")),
        "sources.accounts.schema.balance", "'decimal(18,x)' is not a Spark SQL type"));
    // ---- 6. one root cause, not a cascade ----
    cases.add(c("a source with a table's name", 2, Keeps.EVERYTHING, e -> validate(e.banking("  customers:\n    path", "  customers_raw:\n    path",
            "inputs: [customers]", "inputs: [customers_raw]")),
        "a source has the same name", "rename one of them", "1 problem:"));
    cases.add(c("an unknown input", 2, Keeps.EVERYTHING, e -> run(e, e.banking("inputs: [stg_customer]", "inputs: [stg_custmer]")),
        "unknown input 'stg_custmer'", "did you mean 'stg_customer'"));
    cases.add(c("a cycle", 2, Keeps.EVERYTHING, e -> validate(e.banking(
            "    inputs: [customers_raw]\n    transform: dev.strata.transforms.banking.StageCustomer",
            "    inputs: [customers_raw, int_account_with_customer]\n    rows_from: customers_raw\n"
                + "    transform: dev.strata.transforms.banking.StageCustomer")),
        "cycle", "stg_customer", "int_account_with_customer"));
    // ---- other definition errors ----
    cases.add(c("YAML that does not parse", 2, Keeps.EVERYTHING, e -> run(e, e.banking("    layer: bronze\n", "    layer: bronze\n   bad: [\n")),
        "pipeline.yaml:", "not valid YAML"));
    cases.add(c("an empty definition", 2, Keeps.EVERYTHING, e -> run(e, e.definition(new byte[0])), "pipeline.yaml:1", "the file is empty"));
    cases.add(c("a binary file as the definition", 2, Keeps.EVERYTHING,
        e -> run(e, e.definition(new byte[] {0x1f, (byte) 0x8b, 0x08, 0x00, 0x00, 0x07, 0x1b, 0x5b, 0x32, 0x4a, (byte) 0xff, (byte) 0xfe})),
        "pipeline.yaml", "not valid YAML"));
    cases.add(c("an unknown key", 2, Keeps.EVERYTHING, e -> run(e, e.banking("    layer: gold\n", "    layer: gold\n    partitoin_column: d\n")),
        "unknown key 'partitoin_column'"));
    cases.add(c("a rule that does not parse", 2, Keeps.EVERYTHING, e -> run(e, e.banking("IsComplete \"customer_id\"", "IsComplete customer_id\"")),
        "pipeline.yaml:", "rules."));
    cases.add(c("a rule Deequ cannot evaluate", 2, Keeps.EVERYTHING,
        e -> run(e, e.banking("        - IsComplete \"customer_id\"\n", "        - IsComplete \"customer_id\"\n        - DetectAnomalies \"RowCount\"\n")),
        "pipeline.yaml:", "rule type DetectAnomalies cannot be evaluated by this Deequ", "use another rule type"));
    cases.add(c("a SQL file that is missing", 2, Keeps.EVERYTHING, e -> run(e, e.banking("sql: customers_raw.sql", "sql: nope.sql")), "pipeline.yaml:", "nope.sql"));
    cases.add(c("a transform class that does not exist", 2, Keeps.EVERYTHING,
        e -> run(e, e.banking("transform: dev.strata.transforms.banking.StageCustomer", "transform: dev.strata.transforms.banking.StageCustomr")),
        "tables.stg_customer.transform", "StageCustomr is not on the classpath", "check the name"));
    // ---- flags ----
    cases.add(c("a date that does not exist", 2, Keeps.EVERYTHING, e -> run(e, "banking", "--date", "2024-02-30"),
        "Cannot parse --date '2024-02-30'", "YYYY-MM-DD"));
    cases.add(c("a date in words", 2, Keeps.EVERYTHING, e -> run(e, "banking", "--date", "yesterday"), "Cannot parse --date 'yesterday'"));
    cases.add(c("a reversed range", 2, Keeps.EVERYTHING, e -> run(e, "banking", "--from", "2024-01-02", "--to", "2024-01-01"),
        "--from 2024-01-02 is after --to 2024-01-01"));
    cases.add(c("an unknown option", 2, Keeps.EVERYTHING, e -> run(e, "banking", "--dat", "2024-01-02"), "Unknown option", "strata run --help"));
    cases.add(c("an unknown layer", 2, Keeps.EVERYTHING, e -> run(e, "banking", "--date", "2024-01-02", "--layer", "platinum"),
        "unknown --layer 'platinum'"));
    cases.add(c("an unknown table", 2, Keeps.EVERYTHING, e -> run(e, "banking", "--date", "2024-01-02", "--tables", "stg_acount+"),
        "'stg_acount' is not one of its tables", "did you mean 'stg_account'"));
    cases.add(c("a table selection that climbs out of the warehouse", 2, Keeps.EVERYTHING,
        e -> run(e, "banking", "--date", "2024-01-02", "--tables", "../silver/stg_customer"), "is not one of its tables"));
    cases.add(c("no parallelism", 2, Keeps.EVERYTHING, e -> run(e, "banking", "--date", "2024-01-02", "--parallelism", "0"), "--parallelism 0 is out of range; use 1 to 64"));
    cases.add(c("an unknown pipeline", 2, Keeps.EVERYTHING, e -> run(e, "bankng", "--date", "2024-01-02"),
        "Cannot find pipeline 'bankng'", "--conf-dir"));
    cases.add(c("a run id that climbs out of the warehouse", 2, Keeps.EVERYTHING,
        e -> new String[] {"report", "../../../etc", "--warehouse", e.wh()}, "Cannot report on run '../../../etc'", "a run id looks like", "strata history"));
    cases.add(c("a run id that does not exist", 2, Keeps.EVERYTHING,
        e -> new String[] {"report", "20200101T000000Z-abcdef", "--warehouse", e.wh()}, "20200101T000000Z-abcdef"));
    cases.add(c("resuming a run that does not exist", 2, Keeps.EVERYTHING,
        e -> run(e, "banking", "--resume", "20200101T000000Z-abcdef"), "Cannot resume run 20200101T000000Z-abcdef", "strata history"));
    cases.add(c("a warehouse that does not exist", 2, Keeps.EVERYTHING,
        e -> new String[] {"run", "banking", "--date", "2024-01-02", "--warehouse", e.dir().resolve("no-such-warehouse").toString()},
        "the warehouse", "no-such-warehouse does not exist", "--warehouse"));
    cases.add(c("an environment file that does not exist", 2, Keeps.EVERYTHING,
        e -> run(e, "banking", "--date", "2024-01-02", "--env-file", e.dir().resolve("nope.env").toString()), "Cannot read environment file", "nope.env", "Pass --env-file with an existing file"));
    cases.add(c("quarantine of a table that is not a name", 2, Keeps.EVERYTHING,
        e -> new String[] {"quarantine", "list", "banking", "--warehouse", e.wh(), "--table", "../bronze"}, "Cannot find table '../bronze' in pipeline banking", "its tables are"));
    // ---- data ----
    cases.add(c("a day with no landing files", 2, Keeps.EVERYTHING, e -> run(e, "banking", "--date", "2024-01-03"),
        "Cannot read source 'customers' for 2024-01-03: no data files at", "landing/customers/2024-01-03", "pipeline.yaml:"));
    // ---- 3. broken tables and ledger: exit 4, nothing written ----
    cases.add(c("a table whose _delta_log was deleted", 4, Keeps.EVERYTHING, e -> {
      e.delete("silver/stg_customer/_delta_log");
      return run(e, "banking");
    }, "silver/stg_customer", "holds files", "but no Delta log", "Restore its _delta_log", "move it away"));
    cases.add(c("a table whose log lost every commit", 4, Keeps.EVERYTHING, e -> {
      e.emptyLog("gold/account_summary");
      return run(e, "banking");
    }, "gold/account_summary", "no Delta log with a version"));
    cases.add(c("a table whose log is corrupt", 4, Keeps.EVERYTHING, e -> {
      e.corrupt("bronze/accounts_raw/_delta_log/00000000000000000000.json", "{\"commitInfo\": not json\n".getBytes());
      return run(e, "banking");
    }, "bronze/accounts_raw", "has a Delta log that cannot be read", "Restore its _delta_log"));
    cases.add(c("a table log that fails its checksum", 4, Keeps.EVERYTHING, e -> {
      e.overwrite("silver/stg_account/_delta_log/00000000000000000000.json", "{}\n".getBytes());
      return run(e, "banking");
    }, "silver/stg_account", "has a Delta log that cannot be read", "Checksum"));
    cases.add(c("a quarantine whose _delta_log was deleted", 4, Keeps.EVERYTHING, e -> {
      e.delete("_quarantine/stg_account/_delta_log");
      return run(e, "banking");
    }, "_quarantine/stg_account", "but no Delta log"));
    cases.add(c("a ledger whose builds log was deleted", 4, Keeps.EVERYTHING, e -> {
      e.delete("_strata/ledger/builds/_delta_log");
      return run(e, "banking");
    }, "_strata/ledger/builds", "but no Delta log"));
    cases.add(c("a ledger whose runs log is corrupt", 4, Keeps.EVERYTHING, e -> {
      e.corrupt("_strata/ledger/runs/_delta_log/00000000000000000000.json", new byte[] {0, 1, 2, 3});
      return run(e, "banking");
    }, "_strata/ledger/runs", "cannot be read"));
    cases.add(c("history on a damaged ledger", 4, Keeps.EVERYTHING, e -> {
      e.delete("_strata/ledger/runs/_delta_log");
      return new String[] {"history", "banking", "--warehouse", e.wh()};
    }, "_strata/ledger/runs", "but no Delta log"));
    cases.add(c("status on a damaged ledger", 4, Keeps.EVERYTHING, e -> {
      e.delete("_strata/ledger/builds/_delta_log");
      return new String[] {"status", "banking", "--warehouse", e.wh()};
    }, "_strata/ledger/builds", "but no Delta log"));
    cases.add(c("an incremental run on a damaged ledger", 4, Keeps.EVERYTHING, e -> {
      e.delete("_strata/ledger/ingested_files/_delta_log");
      return run(e, "banking", "--layer", "bronze");
    }, "_strata/ledger/ingested_files", "but no Delta log"));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void badInputGetsItsExitCodeAClearMessageAndChangesNothing(Case c) {
    Path warehouse = dir.resolve("wh");
    WarehouseState.copy(base, warehouse);
    Env env = new Env(warehouse, dir);
    String[] args = c.command().apply(env);
    // Bytes, not rows: a table whose every file is unchanged is unchanged (and reading sixty
    // warehouses' tables through Spark twice each cost most of this test's time).
    WarehouseState before = WarehouseState.bytes(warehouse);

    Cli.Outcome outcome = Cli.run(args);

    String said = outcome.err() + outcome.out();
    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(c.exit());
    assertThat(said).as(outcome.toString()).contains(c.expected());
    assertThat(said).as("no stack trace, no raw bytes: %s", outcome)
        .doesNotContain("\tat ")
        .doesNotContain("a bug in Strata")
        .doesNotContainPattern("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\\ufffd]");
    WarehouseState after = WarehouseState.bytes(warehouse);
    if (c.keeps() == Keeps.EVERYTHING) {
      after.assertSameAs(before, c.name());
    } else {
      after.assertDataSameAs(before, c.name());
    }
  }

  @Test
  void aCsvHeaderMissingADeclaredColumnBlocksItsTableAndDownstreamWhileSiblingsPublish() throws IOException {
    Path warehouse = dir.resolve("wh");
    WarehouseState.copy(base, warehouse);
    Path file = warehouse.resolve("landing/accounts/" + DAY2 + "/accounts.csv");
    Files.writeString(file, Files.readString(file).replaceFirst("balance,account_type", "amount,account_type"));
    WarehouseState before = WarehouseState.of(warehouse);

    Cli.Outcome outcome = Cli.run("run", "banking", "--date", DAY2.toString(), "--warehouse", warehouse.toString());

    assertThat(outcome.exit()).as(outcome.toString()).isEqualTo(3);
    assertThat(outcome.out())
        .containsPattern("accounts_raw +BLOCKED")
        .contains("SchemaDrift \"accounts\" no breaking change")
        .contains("removed: balance (not approved)")
        .contains("approve the removal under drift.approved_removals");
    WarehouseState after = WarehouseState.of(warehouse);
    for (String blocked : List.of("bronze/accounts_raw", "silver/stg_account", "silver/int_account_with_customer",
        "gold/account_summary", "gold/customer_metrics", "_quarantine/stg_account")) {
      assertThat(after.tables().get(blocked)).as(blocked + " keeps its version and rows").isEqualTo(before.tables().get(blocked));
    }
    for (String sibling : List.of("bronze/customers_raw", "silver/stg_customer", "silver/snap_customer")) {
      assertThat(after.tables().get(sibling)).as(sibling + " published the day").startsWith("v1 ");
    }
  }

  @Test
  void validateNamesBothLinesOfADuplicateTable() {
    Env env = new Env(dir.resolve("wh"), dir);
    String def = env.banking("  # ---- silver", "  stg_customer:\n    layer: silver\n    inputs: [customers_raw]\n    sql: x.sql\n  # ---- silver");
    Cli.Outcome outcome = Cli.run("validate", def);
    assertThat(outcome.exit()).isEqualTo(2);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("pipeline.yaml:(\\d+) tables.stg_customer: the key 'stg_customer' appears twice in the same mapping"
            + " \\(lines (\\d+) and (\\d+)\\)").matcher(outcome.err());
    assertThat(m.find()).as(outcome.toString()).isTrue();
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of(def, "pipeline.yaml"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(lines.get(Integer.parseInt(m.group(2)) - 1)).isEqualTo("  stg_customer:");
    assertThat(lines.get(Integer.parseInt(m.group(3)) - 1)).isEqualTo("  stg_customer:");
    assertThat(m.group(2)).isNotEqualTo(m.group(3));
    // The hint repeats the --conf-dir the command was given, so that it can be pasted.
    assertThat(outcome.err()).contains("Fix them and check again with: strata validate " + def + " --conf-dir " + Cli.CONF);
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] command : List.of(
        new String[] {"validate"}, new String[] {"run"}, new String[] {"backfill"}, new String[] {"status"}, new String[] {"history"},
        new String[] {"lineage"}, new String[] {"report"}, new String[] {"checks"}, new String[] {"checks", "suggest"},
        new String[] {"schedule"}, new String[] {"export"}, new String[] {"generate"}, new String[] {"quarantine"},
        new String[] {"quarantine", "list"}, new String[] {"quarantine", "replay"}, new String[] {"demo"})) {
      String[] args = java.util.Arrays.copyOf(command, command.length + 1);
      args[command.length] = "--help";
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
      int exit = StrataMain.execute(args, new java.io.PrintStream(out, true), new java.io.PrintStream(err, true));
      assertThat(exit).as(String.join(" ", args) + "\n" + out + err).isZero();
      assertThat(out.toString()).as(String.join(" ", args)).contains("Usage: strata " + String.join(" ", command));
    }
  }
}
