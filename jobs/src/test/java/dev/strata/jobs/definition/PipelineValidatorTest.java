package dev.strata.jobs.definition;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation needs no Spark session and reports every problem, each with file and line or key path. */
class PipelineValidatorTest {
  @TempDir Path dir;

  private static final String SOURCES =
      """
      pipeline: p
      sources:
        raw:
          path: landing/raw/{date}
          format: csv
          schema:
            id: string
            as_of_date: string
      """;

  private PipelineValidator.Result validate(String yaml, String... sqlFiles) throws IOException {
    Files.writeString(dir.resolve("pipeline.yaml"), yaml);
    for (int i = 0; i < sqlFiles.length; i += 2) {
      Files.writeString(dir.resolve(sqlFiles[i]), sqlFiles[i + 1]);
    }
    return PipelineValidator.validate(dir.resolve("pipeline.yaml"));
  }

  private static List<String> messages(PipelineValidator.Result result) {
    return result.problems().stream().map(Problem::toString).toList();
  }

  @Test
  void theBankingPipelineIsValid() {
    PipelineValidator.Result result =
        PipelineValidator.validate(Paths.get("../conf/pipelines/banking/pipeline.yaml"));
    assertThat(messages(result)).isEmpty();
    Pipeline p = result.pipeline();
    assertThat(p.tablesInOrder().stream().map(TableDefinition::name))
        .containsExactly(
            "customers_raw", "accounts_raw", "stg_customer", "stg_account",
            "int_account_with_customer", "snap_customer", "account_summary", "customer_metrics");
    assertThat(p.rules("stg_customer").get(0).spec().text()).isEqualTo("RowCount > 0");
    assertThat(p.table("snap_customer").history().key()).containsExactly("customer_id");
    assertThat(p.downstreamOf("stg_account"))
        .containsExactlyInAnyOrder("int_account_with_customer", "account_summary", "customer_metrics");
  }

  @Test
  void malformedYamlNamesTheLine() throws IOException {
    PipelineValidator.Result result = validate("pipeline: p\ntables:\n  t: [unclosed\n  u: 1\n");
    assertThat(result.ok()).isFalse();
    assertThat(messages(result)).singleElement().asString().matches(".*pipeline.yaml:\\d+: the file is not valid YAML: .*");
  }

  @Test
  void reportsEveryProblemAtOnceWithWhereAndHow() throws IOException {
    String yaml =
        SOURCES
            + """
            tables:
              b:
                layer: bronze
                inputs: [raw]
                sql: b.sql
                partiton_column: as_of_date
              s:
                layer: silver
                inputs: [b, rwa]
                transform: dev.strata.NoSuchTransform
                rules:
                  error:
                    - IsComplete "id" >> 2
                    - DetectAnomalies "RowCount"
                    - ReferentialIntegrity "id" "other.id" = 1.0
              g:
                layer: gold
                inputs: [s]
                transform: java.lang.String
              q:
                layer: gold
                inputs: [g]
                sql: q.sql
              bad_sql:
                layer: gold
                inputs: [g]
                sql: bad.sql
            """;
    PipelineValidator.Result result =
        validate(yaml, "b.sql", "SELECT * FROM raw", "q.sql", "SELECT * FROM g JOIN s USING (id)", "bad.sql", "SELEC oops");
    List<String> m = messages(result);
    assertThat(m)
        .anySatisfy(s -> assertThat(s).contains("pipeline.yaml:14 tables.b.partiton_column").contains("unknown key"))
        .anySatisfy(s -> assertThat(s).contains("tables.s.inputs").contains("unknown input 'rwa'").contains("did you mean 'raw'?"))
        .anySatisfy(s -> assertThat(s).contains("tables.s.transform").contains("dev.strata.NoSuchTransform is not on the classpath"))
        .anySatisfy(s -> assertThat(s).contains("tables.s.rules.error[0]").contains("is not valid DQDL"))
        .anySatisfy(s -> assertThat(s).contains("tables.s.rules.error[1]").contains("DetectAnomalies cannot be evaluated by this Deequ"))
        .anySatisfy(s -> assertThat(s).contains("tables.s.rules.error[2]").contains("compares with 'other', which is not an input"))
        .anySatisfy(s -> assertThat(s).contains("tables.g.transform").contains("does not implement dev.strata.api.TableTransform"))
        .anySatisfy(s -> assertThat(s).contains("q.sql").contains("reads 's', which is not an input"))
        .anySatisfy(s -> assertThat(s).contains("bad.sql:1").contains("the SQL does not parse"))
        .anySatisfy(s -> assertThat(s).contains("tables.s.rows_from").contains("must say whose rows it carries"));
    assertThat(m).hasSize(10);
  }

  @Test
  void aCycleIsPrinted() throws IOException {
    String yaml =
        SOURCES
            + """
            tables:
              b:
                layer: bronze
                inputs: [raw]
                sql: b.sql
              s1:
                layer: silver
                inputs: [b, s3]
                rows_from: b
                sql: s.sql
              s2:
                layer: silver
                inputs: [s1]
                sql: s.sql
              s3:
                layer: silver
                inputs: [s2]
                sql: s.sql
            """;
    PipelineValidator.Result result = validate(yaml, "b.sql", "SELECT * FROM raw", "s.sql", "SELECT 1 AS as_of_date");
    assertThat(messages(result)).singleElement().asString().contains("the tables form a cycle: s1 -> s3 -> s2 -> s1");
  }

  @Test
  void layersSourcesAndPartitionColumns() throws IOException {
    String yaml =
        SOURCES
            + """
            tables:
              b:
                layer: bronze
                inputs: [raw]
                sql: b.sql
                partition_column: load_date
              s:
                layer: silver
                inputs: [raw, g]
                rows_from: nope
                sql: b.sql
              g:
                layer: gold
                inputs: [b]
                sql: b.sql
                allow_empty: maybe
              x:
                layer: platinum
                inputs: [b]
                sql: b.sql
            """;
    List<String> m = messages(validate(yaml, "b.sql", "SELECT * FROM raw"));
    assertThat(m)
        .anySatisfy(s -> assertThat(s).contains("tables.b.partition_column").contains("partition column 'load_date' is missing from the declared schema of source 'raw'"))
        .anySatisfy(s -> assertThat(s).contains("source 'raw' feeds a silver table"))
        .anySatisfy(s -> assertThat(s).contains("a silver table cannot read 'g', a gold table"))
        .anySatisfy(s -> assertThat(s).contains("tables.g.allow_empty").contains("expected true or false"))
        .anySatisfy(s -> assertThat(s).contains("tables.x.layer").contains("unknown layer 'platinum'"))
        .anySatisfy(s -> assertThat(s).contains("tables.s.rows_from").contains("'nope' is not an input of the table"));
  }

  @Test
  void aSourceWithoutATokenIsReadWholeSoOnlyAnUnpartitionedTableMayIngestIt() throws IOException {
    String yaml =
        SOURCES.replace("landing/raw/{date}", "landing/raw")
            + """
            tables:
              b:
                layer: bronze
                inputs: [raw]
                granularity: day
                sql: b.sql
            """;
    assertThat(messages(validate(yaml, "b.sql", "SELECT * FROM raw")))
        .singleElement()
        .asString()
        .contains("tables.b.granularity")
        .contains("source 'raw' has no {date}, {hour} or {month} in its path (landing/raw), so it is read whole; b is partitioned by"
            + " day: write granularity: none on b");
    // Left to itself the table takes its source's granularity: unpartitioned.
    PipelineValidator.Result whole = validate(yaml.replace("    granularity: day\n", ""), "b.sql", "SELECT * FROM raw");
    assertThat(whole.problems()).isEmpty();
    assertThat(whole.pipeline().table("b").unpartitioned()).isTrue();
  }

  @Test
  void theNotEmptyRuleCanBeOptedOut() throws IOException {
    String yaml =
        SOURCES
            + """
            tables:
              b:
                layer: bronze
                inputs: [raw]
                sql: b.sql
                allow_empty: true
                rules:
                  quarantine:
                    - IsComplete "id"
            """;
    PipelineValidator.Result result = validate(yaml, "b.sql", "SELECT * FROM raw");
    assertThat(messages(result)).isEmpty();
    assertThat(result.pipeline().rules("b")).extracting(r -> r.spec().text()).containsExactly("IsComplete \"id\"");
  }

  @Test
  void retentionAndZorderAreCheckedAndTheirDefaultsApply() throws IOException {
    String bad = SOURCES.replace("pipeline: p", "pipeline: p\nretention: {files: 30m, staging: a week, logs: 1d}") + """
        tables:
          b:
            layer: bronze
            inputs: [raw]
            sql: b.sql
            zorder_by: [as_of_date, "id x"]
        """;
    assertThat(messages(validate(bad, "b.sql", "SELECT * FROM raw")))
        .anyMatch(m -> m.contains("retention.files") && m.contains("at least 1h"))
        .anyMatch(m -> m.contains("retention.staging") && m.contains("found 'a week'"))
        .anyMatch(m -> m.contains("retention.logs") && m.contains("unknown key 'logs'"))
        .anyMatch(m -> m.contains("tables.b.zorder_by") && m.contains("'as_of_date' is the partition column"))
        .anyMatch(m -> m.contains("tables.b.zorder_by") && m.contains("'id x' is not a column name"));

    String good = SOURCES.replace("pipeline: p", "pipeline: p\nretention: {quarantine: 30d}") + """
        tables:
          b:
            layer: bronze
            inputs: [raw]
            sql: b.sql
            zorder_by: id
        """;
    PipelineValidator.Result result = validate(good, "b.sql", "SELECT * FROM raw");
    assertThat(messages(result)).isEmpty();
    PipelineDefinition.Retention retention = result.pipeline().definition().retention();
    assertThat(retention.quarantine()).isEqualTo(java.time.Duration.ofDays(30));
    assertThat(retention.files()).isEqualTo(java.time.Duration.ofDays(7));
    assertThat(retention.staging()).isEqualTo(java.time.Duration.ofDays(14));
    assertThat(retention.reports()).isEqualTo(java.time.Duration.ofDays(90));
    assertThat(result.pipeline().table("b").zorderBy()).containsExactly("id");
  }

  @Test
  void catalogDatabasesMustBeNamesForEveryLayer() throws IOException {
    String table = """
        tables:
          b:
            layer: bronze
            inputs: [raw]
            sql: b.sql
        """;
    assertThat(messages(validate(SOURCES.replace("pipeline: p", "pipeline: p\ncatalog: {database: \"{pipeline}-{layer}\"}") + table,
        "b.sql", "SELECT * FROM raw")))
        .anyMatch(m -> m.contains("catalog.database") && m.contains("makes the database 'p-bronze' for the bronze layer"));
    assertThat(messages(validate(SOURCES.replace("pipeline: p", "pipeline: p\ncatalog: {database: \"{env}_{layer}\"}") + table,
        "b.sql", "SELECT * FROM raw")))
        .anyMatch(m -> m.contains("catalog.database") && m.contains("unknown token {env}"));
    assertThat(messages(validate(SOURCES.replace("pipeline: p", "pipeline: p\ncatalog: {schema: x}") + table, "b.sql", "SELECT * FROM raw")))
        .anyMatch(m -> m.contains("catalog.schema") && m.contains("unknown key 'schema'"))
        .anyMatch(m -> m.contains("catalog") && m.contains("database"));
    PipelineValidator.Result good = validate(SOURCES.replace("pipeline: p", "pipeline: p\ncatalog: {database: \"{pipeline}_{layer}\"}") + table,
        "b.sql", "SELECT * FROM raw");
    assertThat(messages(good)).isEmpty();
    assertThat(PipelineDefinition.Catalog.database(good.pipeline().definition().catalog().database(), "p", Layer.GOLD)).isEqualTo("p_gold");
  }

  @Test
  void retriesAlertsAndFreshnessAreCheckedAndTheirDefaultsApply() throws IOException {
    String bad =
        """
        pipeline: p
        defaults:
          retry: {max_attempts: 0, first_delay: soon}
        alerts:
          webhooks:
            - url: https://hooks.slack.com/services/T/B/secret
            - url_env: A
              url_file: b
        sources:
          raw:
            path: landing/raw/{date}
            freshness: {warn_after: 1 day}
            schema:
              id: string
              as_of_date: string
        tables:
          b:
            layer: bronze
            inputs: [raw]
            sql: b.sql
            retry: {multiplier: 0.5}
        """;
    List<String> problems = messages(validate(bad, "b.sql", "SELECT * FROM raw"));
    assertThat(problems)
        .anyMatch(m -> m.contains(":3 defaults.retry.max_attempts") && m.contains("from 1 (no retries) to 100, found '0'"))
        .anyMatch(m -> m.contains("defaults.retry.first_delay") && m.contains("a duration such as 500ms, 5s, 10m, 24h or 2d, found 'soon'"))
        .anyMatch(m -> m.contains("alerts.webhooks[0].url") && m.contains("unknown key 'url'"))
        .anyMatch(m -> m.contains("alerts.webhooks[0]") && m.contains("the URL itself is a secret"))
        .anyMatch(m -> m.contains("alerts.webhooks[1]") && m.contains("exactly one of url_env"))
        .anyMatch(m -> m.contains("sources.raw.freshness.warn_after") && m.contains("found '1 day'"))
        .anyMatch(m -> m.contains("tables.b.retry.multiplier") && m.contains("from 1 to 10, found '0.5'"));
    // The URL is a secret even in an error message.
    assertThat(String.join("\n", problems)).doesNotContain("hooks.slack.com");

    String good =
        SOURCES.replace("pipeline: p", "pipeline: p\ndefaults:\n  retry: {max_attempts: 5, first_delay: 1s}")
            + """
            tables:
              b:
                layer: bronze
                inputs: [raw]
                sql: b.sql
              c:
                layer: silver
                inputs: [b]
                sql: c.sql
                retry: {max_attempts: 1}
            """;
    PipelineValidator.Result result = validate(good, "b.sql", "SELECT * FROM raw", "c.sql", "SELECT * FROM b");
    assertThat(messages(result)).isEmpty();
    assertThat(result.pipeline().table("b").retry())
        .isEqualTo(new RetryPolicy(5, java.time.Duration.ofSeconds(1), 2.0, java.time.Duration.ofMinutes(2)));
    assertThat(result.pipeline().table("c").retry().maxAttempts()).isEqualTo(1);
    assertThat(result.pipeline().table("c").retry().firstDelay()).isEqualTo(java.time.Duration.ofSeconds(1));
  }
}
