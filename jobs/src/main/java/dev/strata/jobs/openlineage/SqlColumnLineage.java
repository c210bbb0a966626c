package dev.strata.jobs.openlineage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.SubqueryAlias;
import org.apache.spark.sql.catalyst.plans.logical.Union;
import org.apache.spark.sql.catalyst.plans.logical.Window;
import org.apache.spark.sql.types.StructType;
import scala.collection.JavaConverters;

/**
 * Which input columns each output column of a SQL transform is computed from, read off the
 * query's analyzed plan (as Spark resolved it, not a second parser): the query is analysed, never
 * run, over empty views of its inputs' schemas in a session of its own. Each named expression of a
 * projection, an aggregation or a window takes the origins of the attributes it references; other
 * operators pass their attributes through; a union's columns come from each side's at the same
 * position. A column computed from no input column (a literal) has none.
 */
final class SqlColumnLineage {
  /** An input column: the input (a source or table name of the pipeline) and its column. */
  record Origin(String input, String column) {}

  private SqlColumnLineage() {}

  /**
   * Each output column's origins, in the query's column order.
   *
   * @param inputs each input's name (the name the query uses) and schema
   */
  static Map<String, Set<Origin>> of(SparkSession spark, String sql, Map<String, StructType> inputs) {
    SparkSession session = spark.newSession();
    inputs.forEach((name, schema) -> session.createDataFrame(List.of(), schema).createOrReplaceTempView(name));
    LogicalPlan plan = session.sql(sql).queryExecution().analyzed();
    Map<ExprId, Set<Origin>> origins = new HashMap<>();
    walk(plan, inputs.keySet(), origins);
    Map<String, Set<Origin>> out = new LinkedHashMap<>();
    for (Attribute a : list(plan.output())) {
      out.put(a.name(), origins.getOrDefault(a.exprId(), Set.of()));
    }
    return out;
  }

  private static void walk(LogicalPlan plan, Set<String> inputs, Map<ExprId, Set<Origin>> origins) {
    if (plan instanceof SubqueryAlias alias) {
      // Views are named case-insensitively: the alias is the input as the query wrote it.
      String input = inputs.stream().filter(i -> i.equalsIgnoreCase(alias.alias())).findFirst().orElse(null);
      if (input != null) {
        for (Attribute a : list(alias.output())) {
          origins.put(a.exprId(), Set.of(new Origin(input, a.name())));
        }
        return;
      }
    }
    for (LogicalPlan child : list(plan.children())) {
      walk(child, inputs, origins);
    }
    if (plan instanceof Project p) {
      named(list(p.projectList()), origins);
    } else if (plan instanceof Aggregate a) {
      named(list(a.aggregateExpressions()), origins);
    } else if (plan instanceof Window w) {
      named(list(w.windowExpressions()), origins);
    } else if (plan instanceof Union u) {
      List<Attribute> output = list(u.output());
      for (int i = 0; i < output.size(); i++) {
        Set<Origin> from = new LinkedHashSet<>();
        for (LogicalPlan child : list(u.children())) {
          List<Attribute> side = list(child.output());
          if (i < side.size()) {
            from.addAll(origins.getOrDefault(side.get(i).exprId(), Set.of()));
          }
        }
        origins.put(output.get(i).exprId(), from);
      }
    }
  }

  private static void named(List<? extends NamedExpression> expressions, Map<ExprId, Set<Origin>> origins) {
    for (NamedExpression e : expressions) {
      Set<Origin> from = new LinkedHashSet<>();
      // Every named expression is an Expression (an Alias, an attribute); the trait does not say so to Java.
      for (Attribute r : list(((org.apache.spark.sql.catalyst.expressions.Expression) e).references().toSeq())) {
        from.addAll(origins.getOrDefault(r.exprId(), Set.of()));
      }
      // An attribute passed through as itself keeps what it had.
      origins.merge(e.exprId(), from, (had, now) -> now.isEmpty() ? had : now);
    }
  }

  private static <T> List<T> list(scala.collection.Seq<T> seq) {
    return new ArrayList<>(JavaConverters.seqAsJavaList(seq));
  }
}
