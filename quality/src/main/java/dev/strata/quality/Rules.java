package dev.strata.quality;

import com.amazon.deequ.dqdl.model.ExecutableRule;
import com.amazon.deequ.dqdl.model.UnsupportedExecutableRule;
import com.amazon.deequ.dqdl.translation.DQDLRuleTranslator$;
import java.util.List;
import java.util.Set;
import software.amazon.glue.dqdl.exception.InvalidDataQualityRulesetException;
import software.amazon.glue.dqdl.model.DQRule;
import software.amazon.glue.dqdl.model.DQRuleset;
import software.amazon.glue.dqdl.parser.DQDLParser;

/**
 * Parses DQDL rules and checks that this Deequ can evaluate them, without a Spark session.
 *
 * <p>Deequ answers a rule it has no translator for (DetectAnomalies, FileFreshness, ...) only at
 * run time, as a failed rule reading "No converter found". {@link #compile} finds those when a
 * pipeline is validated instead, so that an unsupported rule can never pass for a data failure.
 */
public final class Rules {
  /** The rule every table gets in its error group unless it opts out: empty output is an incident. */
  public static final String NOT_EMPTY = "RowCount > 0";

  /** Rule types that compare against another dataset, named by alias in the rule. */
  private static final Set<String> MULTI_DATASET_TYPES =
      Set.of("ReferentialIntegrity", "RowCountMatch", "DatasetMatch", "AggregateMatch", "SchemaMatch");

  private static final java.util.regex.Pattern QUALIFIED_COLUMN =
      java.util.regex.Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\.[A-Za-z_`]");

  static {
    loadParserQuietly();
  }

  private Rules() {}

  /**
   * dqdl's parser was generated with ANTLR 4.7 and runs on Spark's ANTLR 4.9 runtime, which works
   * but prints a version-mismatch notice to stderr when the parser classes load. Load them once
   * here with stderr muted, so users do not read it as an error.
   */
  private static synchronized void loadParserQuietly() {
    java.io.PrintStream err = System.err;
    try {
      System.setErr(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
      Class.forName("software.amazon.glue.dqdl.DataQualityDefinitionLanguageLexer");
      Class.forName("software.amazon.glue.dqdl.DataQualityDefinitionLanguageParser");
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException("dqdl is not on the classpath", e);
    } finally {
      System.setErr(err);
    }
  }

  /** The outcome of compiling one rule: the compiled rule, or why it cannot be used. */
  public record Compilation(CompiledRule rule, String problem) {
    public boolean ok() {
      return problem == null;
    }
  }

  /**
   * Parses one rule and checks Deequ can evaluate it.
   *
   * @return the compiled rule, or a problem that says what is wrong with the rule text
   */
  public static Compilation compile(RuleSpec spec) {
    String text = spec.text().strip();
    if (text.isEmpty()) {
      return new Compilation(null, "the rule is empty");
    }
    DQRuleset ruleset;
    try {
      ruleset = new DQDLParser().parse("Rules = [ " + text + " ]");
    } catch (InvalidDataQualityRulesetException | RuntimeException e) {
      return new Compilation(null, "it is not valid DQDL: " + oneLine(e.getMessage()));
    }
    List<DQRule> parsed = ruleset.getRules();
    if (parsed.size() != 1) {
      return new Compilation(
          null, "it holds " + parsed.size() + " rules; write one rule per list entry");
    }
    DQRule dqRule = parsed.get(0);
    ExecutableRule executable;
    try {
      executable = DQDLRuleTranslator$.MODULE$.toExecutableRule(dqRule);
    } catch (RuntimeException e) {
      return new Compilation(null, "Deequ cannot translate it: " + oneLine(e.getMessage()));
    }
    if (executable instanceof UnsupportedExecutableRule unsupported) {
      String reason = unsupported.reason().isDefined() ? unsupported.reason().get() : "no converter";
      return new Compilation(
          null,
          "rule type "
              + dqRule.getRuleType()
              + " cannot be evaluated by this Deequ ("
              + oneLine(reason)
              + "); use another rule type");
    }
    return new Compilation(new CompiledRule(spec, dqRule, executable), null);
  }

  /**
   * The dataset aliases a rule compares against (e.g. {@code stg_customer} in {@code
   * ReferentialIntegrity "customer_id" "stg_customer.customer_id" = 1.0}); empty for single-dataset
   * rules.
   */
  public static Set<String> referencedDatasets(CompiledRule rule) {
    if (!MULTI_DATASET_TYPES.contains(rule.ruleType())) {
      return Set.of();
    }
    java.util.Set<String> aliases = new java.util.LinkedHashSet<>();
    for (var entry : rule.parameters().entrySet()) {
      String value = entry.getValue();
      if (value == null) {
        continue;
      }
      switch (entry.getKey()) {
        case "ReferenceDatasetAlias" -> aliases.add(value);
          // "stg_customer.customer_id" or "stg_customer.{a,b}"
        case "ReferenceDatasetColumns" -> {
          int dot = value.indexOf('.');
          if (dot > 0) {
            aliases.add(value.substring(0, dot));
          }
        }
          // "sum(stg_account.balance)"; the primary dataset is "primary" or unqualified
        case "AggregateExpression1", "AggregateExpression2" -> {
          java.util.regex.Matcher m = QUALIFIED_COLUMN.matcher(value);
          while (m.find()) {
            if (!m.group(1).equals("primary")) {
              aliases.add(m.group(1));
            }
          }
        }
        default -> {}
      }
    }
    return aliases;
  }

  static String oneLine(String message) {
    if (message == null) {
      return "(no detail)";
    }
    return message.replaceAll("\\s+", " ").strip();
  }
}
