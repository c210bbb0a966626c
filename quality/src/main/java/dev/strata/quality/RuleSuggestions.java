package dev.strata.quality;

import com.amazon.deequ.suggestions.ConstraintSuggestion;
import com.amazon.deequ.suggestions.ConstraintSuggestionResult;
import com.amazon.deequ.suggestions.ConstraintSuggestionRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.collection.JavaConverters;

/**
 * Candidate rules for a table, from Deequ's constraint suggestion (it profiles the data and
 * proposes constraints), written as DQDL so that they paste into a definition. Each candidate is
 * compiled as a rule would be; what Deequ proposes that DQDL cannot say is left out.
 */
public final class RuleSuggestions {
  private static final Pattern QUOTED = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern THRESHOLD = Pattern.compile("_ >= ([0-9.Ee-]+)");
  private static final Pattern ALL_THRESHOLD = Pattern.compile("_ == ([0-9.Ee-]+)");

  private RuleSuggestions() {}

  /**
   * A candidate rule.
   *
   * @param rule the DQDL text
   * @param group the group it belongs in: error for what held for every row, warn for a share
   * @param why Deequ's description of what it saw
   */
  public record Suggestion(String rule, RuleGroup group, String why) {}

  /** Profiles {@code rows} (one pass per profiling stage, as Deequ runs it) and translates its suggestions. */
  public static List<Suggestion> suggest(Dataset<Row> rows, List<String> skipColumns) {
    var rules = new ArrayList<>(JavaConverters.seqAsJavaListConverter(com.amazon.deequ.suggestions.Rules.DEFAULT()).asJava());
    rules.addAll(JavaConverters.seqAsJavaListConverter(com.amazon.deequ.suggestions.Rules.NUMERICAL()).asJava());
    Dataset<Row> data = rows.drop(skipColumns.toArray(String[]::new));
    ConstraintSuggestionResult result =
        ConstraintSuggestionRunner.apply().onData(data).addConstraintRules(JavaConverters.asScalaBufferConverter(rules).asScala().toSeq()).run();
    List<Suggestion> out = new ArrayList<>();
    for (String column : data.columns()) {
      var perColumn = result.constraintSuggestions().get(column);
      if (perColumn.isEmpty()) {
        continue;
      }
      for (ConstraintSuggestion s : JavaConverters.seqAsJavaListConverter(perColumn.get()).asJava()) {
        Suggestion dqdl = translate(s);
        if (dqdl != null && Rules.compile(new RuleSpec(dqdl.rule(), dqdl.group(), "suggested")).ok() && !out.contains(dqdl)) {
          out.add(dqdl);
        }
      }
    }
    return out;
  }

  /** One Deequ suggestion as DQDL, or null if DQDL has no rule for it (a mean, a standard deviation). */
  static Suggestion translate(ConstraintSuggestion s) {
    String column = s.columnName().replace("\"", "");
    String code = s.codeForConstraint();
    String kind = s.suggestingRule().getClass().getSimpleName();
    String why = s.description();
    return switch (kind) {
      case "CompleteIfCompleteRule" -> new Suggestion("IsComplete \"" + column + "\"", RuleGroup.ERROR, why);
      case "RetainCompletenessRule" -> number(THRESHOLD, code)
          .map(t -> new Suggestion("Completeness \"" + column + "\" >= " + t, RuleGroup.WARN, why)).orElse(null);
      case "UniqueIfApproximatelyUniqueRule" -> new Suggestion("IsUnique \"" + column + "\"", RuleGroup.ERROR, why);
      case "NonNegativeNumbersRule" -> new Suggestion("ColumnValues \"" + column + "\" >= 0", RuleGroup.ERROR, why);
      case "CategoricalRangeRule", "FractionalCategoricalRangeRule" -> {
        List<String> values = new ArrayList<>();
        Matcher m = QUOTED.matcher(code.substring(Math.max(0, code.indexOf("Array("))));
        while (m.find()) {
          values.add("\"" + m.group(1).replace("\\\"", "'") + "\"");
        }
        if (values.isEmpty()) {
          yield null;
        }
        String in = "ColumnValues \"" + column + "\" in [" + String.join(", ", values) + "]";
        yield kind.startsWith("Fractional")
            ? number(THRESHOLD, code).map(t -> new Suggestion(in + " with threshold >= " + t, RuleGroup.WARN, why)).orElse(null)
            : new Suggestion(in, RuleGroup.ERROR, why);
      }
      case "HasMin" -> number(THRESHOLD, code).or(() -> number(ALL_THRESHOLD, code))
          .map(v -> new Suggestion("ColumnValues \"" + column + "\" >= " + v, RuleGroup.WARN, why)).orElse(null);
      case "HasMax" -> number(Pattern.compile("_ <= ([0-9.Ee-]+)"), code)
          .map(v -> new Suggestion("ColumnValues \"" + column + "\" <= " + v, RuleGroup.WARN, why)).orElse(null);
      default -> null;
    };
  }

  private static java.util.Optional<String> number(Pattern p, String code) {
    Matcher m = p.matcher(code);
    if (!m.find()) {
      return java.util.Optional.empty();
    }
    double v = Double.parseDouble(m.group(1));
    return java.util.Optional.of(v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%s", v));
  }
}
