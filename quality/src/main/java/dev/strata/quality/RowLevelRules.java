package dev.strata.quality;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import com.amazon.deequ.dqdl.EvaluateDataQuality;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * Evaluates row-level rules (a table's quarantine group) on every row, in one projection over the
 * data: each row gets the list of rules it failed, so that good and bad rows can be split without
 * evaluating the rules twice and without collecting anything to the driver.
 *
 * <p>The common forms (IsComplete, ColumnValues compared with a number or a set of strings) are plain
 * Spark predicates ({@link NativeRowRules}). Deequ's row-level outcomes ({@link
 * EvaluateDataQuality#processRows}) decide the other single-dataset rules, after a pass of its own
 * over the data for its metrics. Deequ evaluates ReferentialIntegrity only as a ratio, not per row, so that rule is decided
 * here by a left join with the reference's distinct keys; a null key references nothing and fails.
 */
public final class RowLevelRules {
  /** The column listing, per row, the text of every rule the row failed. */
  public static final String FAILED_RULES = "_strata_failed_rules";

  /** Rule types that have a per-row outcome. Anything else cannot decide which rows to quarantine. */
  private static final Set<String> ROW_LEVEL_TYPES =
      Set.of(
          "IsComplete", "Completeness", "ColumnValues", "IsUnique", "Uniqueness", "IsPrimaryKey",
          "ColumnLength", "ReferentialIntegrity");

  private static final String DEEQU_FAIL = "DataQualityRulesFail";
  private static final List<String> DEEQU_COLUMNS =
      List.of("DataQualityRulesPass", DEEQU_FAIL, "DataQualityRulesSkip", "DataQualityEvaluationResult");

  private RowLevelRules() {}

  /**
   * Whether every rule is evaluated inside the projection itself (no Deequ pass over the data
   * first): then the rules can be applied to a transform's output as it is staged, in one write.
   */
  public static boolean singlePass(List<CompiledRule> rules) {
    return rules.stream().allMatch(r -> r.ruleType().equals("ReferentialIntegrity") || NativeRowRules.passes(r).isPresent());
  }

  /** Whether a rule can decide, row by row, which rows fail it. */
  public static boolean isRowLevel(CompiledRule rule) {
    return ROW_LEVEL_TYPES.contains(rule.ruleType());
  }

  /** The row-level rule types, for messages. */
  public static Set<String> rowLevelTypes() {
    return new java.util.TreeSet<>(ROW_LEVEL_TYPES);
  }

  /**
   * The data with one more column, {@link #FAILED_RULES}: the declared text of every rule the row
   * failed (empty when it passed them all). Lazy: nothing is computed until the result is used,
   * except Deequ's pass over the data for its rule metrics.
   *
   * @param references datasets that ReferentialIntegrity rules name by alias
   * @throws IllegalArgumentException if a rule is not row-level
   */
  public static Dataset<Row> withFailures(
      Dataset<Row> data, List<CompiledRule> rules, Map<String, Dataset<Row>> references) {
    return withFailures(data, rules, references, true);
  }

  /** As {@link #withFailures(Dataset, List, Map)}; without native predicates when {@code useNative} is false (tests compare the two). */
  static Dataset<Row> withFailures(
      Dataset<Row> data, List<CompiledRule> rules, Map<String, Dataset<Row>> references, boolean useNative) {
    List<CompiledRule> deequRules = new ArrayList<>();
    List<CompiledRule> integrityRules = new ArrayList<>();
    Map<CompiledRule, Column> nativeRules = new LinkedHashMap<>();
    for (CompiledRule rule : rules) {
      if (!isRowLevel(rule)) {
        throw new IllegalArgumentException(
            "rule " + rule.spec().text() + " has no per-row outcome; row-level rule types are " + rowLevelTypes());
      }
      if (rule.ruleType().equals("ReferentialIntegrity")) {
        integrityRules.add(rule);
      } else {
        Optional<Column> passes = useNative ? NativeRowRules.passes(rule) : Optional.empty();
        passes.ifPresentOrElse(p -> nativeRules.put(rule, p), () -> deequRules.add(rule));
      }
    }
    List<String> original = Arrays.asList(data.columns());
    Dataset<Row> result = data;
    Column failed = lit(new String[0]).cast(DataTypes.createArrayType(DataTypes.StringType));

    if (!deequRules.isEmpty()) {
      result = deequRowLevel(data, deequRules);
      // Deequ names a failed rule by its normalized text; report the text as declared.
      Map<String, String> declared = new LinkedHashMap<>();
      deequRules.forEach(r -> declared.put(r.dqRule().toString(), r.spec().text()));
      failed = transform(col(DEEQU_FAIL), x -> declaredText(x, declared));
    }

    List<Column> conditions = new ArrayList<>();
    List<Column> texts = new ArrayList<>();
    nativeRules.forEach((rule, passes) -> {
      conditions.add(not(passes));
      texts.add(lit(rule.spec().text()));
    });
    for (int i = 0; i < integrityRules.size(); i++) {
      CompiledRule rule = integrityRules.get(i);
      String marker = "__strata_ri_match_" + i;
      result = joinReference(result, rule, references, marker, i);
      conditions.add(col(marker).isNull());
      texts.add(lit(rule.spec().text()));
    }
    if (!conditions.isEmpty()) {
      failed = concat(failed, failures(conditions, texts));
    }

    List<Column> out = new ArrayList<>();
    original.forEach(c -> out.add(col("`" + c + "`")));
    out.add(failed.as(FAILED_RULES));
    return result.select(out.toArray(Column[]::new));
  }

  /**
   * The reasons whose conditions hold for a row, in order: an array of strings, empty when none
   * does (a null condition does not hold). The list is built only for rows that fail something: a
   * row that passes everything (nearly all of them) costs one predicate, not an array and a filter.
   */
  public static Column failures(List<Column> conditions, List<Column> reasons) {
    Column any = lit(false);
    List<Column> listed = new ArrayList<>();
    for (int i = 0; i < conditions.size(); i++) {
      Column holds = coalesce(conditions.get(i), lit(false));
      any = any.or(holds);
      listed.add(when(holds, reasons.get(i)));
    }
    Column none = lit(new String[0]).cast(DataTypes.createArrayType(DataTypes.StringType));
    return when(any, filter(array(listed.toArray(Column[]::new)), Column::isNotNull)).otherwise(none);
  }

  private static Dataset<Row> deequRowLevel(Dataset<Row> data, List<CompiledRule> rules) {
    for (String c : DEEQU_COLUMNS) {
      if (Arrays.asList(data.columns()).contains(c)) {
        throw new IllegalArgumentException("the data already has a column named " + c + ", which Deequ's row-level results use");
      }
    }
    StringBuilder ruleset = new StringBuilder("Rules = [ ");
    for (int i = 0; i < rules.size(); i++) {
      ruleset.append(i == 0 ? "" : ", ").append(rules.get(i).spec().text());
    }
    ruleset.append(" ]");
    scala.collection.immutable.Map<String, Dataset<Row>> outcomes =
        EvaluateDataQuality.processRows(data, ruleset.toString());
    return outcomes.get(EvaluateDataQuality.ROW_LEVEL_OUTCOMES_KEY()).get();
  }

  private static Column declaredText(Column normalized, Map<String, String> declared) {
    Column mapped = null;
    for (var e : declared.entrySet()) {
      mapped = mapped == null
          ? when(normalized.equalTo(lit(e.getKey())), lit(e.getValue()))
          : mapped.when(normalized.equalTo(lit(e.getKey())), lit(e.getValue()));
    }
    return mapped == null ? normalized : mapped.otherwise(normalized);
  }

  /** Left-joins the reference's distinct keys; the marker column is null where a row has no match. */
  private static Dataset<Row> joinReference(
      Dataset<Row> data, CompiledRule rule, Map<String, Dataset<Row>> references, String marker, int index) {
    Map<String, String> p = rule.parameters();
    List<String> keys = columns(p.get("PrimaryDatasetColumns"));
    String reference = p.get("ReferenceDatasetColumns");
    int dot = reference.indexOf('.');
    String alias = reference.substring(0, dot);
    List<String> refKeys = columns(reference.substring(dot + 1));
    Dataset<Row> ref = references.get(alias);
    if (ref == null) {
      throw new IllegalArgumentException("rule " + rule.spec().text() + " names dataset '" + alias + "', which was not given");
    }
    if (keys.size() != refKeys.size()) {
      throw new IllegalArgumentException("rule " + rule.spec().text() + " compares " + keys.size() + " columns with " + refKeys.size());
    }
    List<Column> refColumns = new ArrayList<>();
    for (int k = 0; k < refKeys.size(); k++) {
      refColumns.add(col("`" + refKeys.get(k) + "`").as("__strata_ri_" + index + "_" + k));
    }
    Dataset<Row> distinctKeys = ref.select(refColumns.toArray(Column[]::new)).distinct().withColumn(marker, lit(true));
    Column on = null;
    for (int k = 0; k < keys.size(); k++) {
      Column eq = data.col("`" + keys.get(k) + "`").equalTo(distinctKeys.col("__strata_ri_" + index + "_" + k));
      on = on == null ? eq : on.and(eq);
    }
    Dataset<Row> joined = data.join(distinctKeys, on, "left_outer");
    for (int k = 0; k < keys.size(); k++) {
      joined = joined.drop("__strata_ri_" + index + "_" + k);
    }
    return joined;
  }

  /** "a" or "{a, b}" to [a, b]. */
  static List<String> columns(String spec) {
    String s = spec.strip();
    if (s.startsWith("{") && s.endsWith("}")) {
      s = s.substring(1, s.length() - 1);
    }
    return Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
  }
}
