package dev.strata.jobs.definition;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.catalyst.parser.ParseException;
import org.apache.spark.sql.catalyst.plans.logical.Command;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith;
import scala.collection.JavaConverters;

/**
 * Parses a table's SQL with Spark's own parser, without a session, and finds the relations it
 * reads, so that a SQL transform can be checked before anything runs.
 */
final class SqlCheck {
  private SqlCheck() {}

  /**
   * @param relations the names the query reads (CTE names excluded)
   * @param problem what is wrong, or null
   * @param line ":N" for the line of a parse error, or ""
   */
  record Result(Set<String> relations, String problem, String line) {}

  static Result check(String sql) {
    LogicalPlan plan;
    try {
      plan = CatalystSqlParser$.MODULE$.parsePlan(sql);
    } catch (Exception e) {
      // Scala throws the checked ParseException without declaring it: javac cannot name it here.
      String line = "";
      if (e instanceof ParseException pe && pe.line().isDefined()) {
        line = ":" + pe.line().get();
      }
      String message = String.valueOf(e.getMessage()).replaceAll("\\s+", " ").strip();
      return new Result(Set.of(), "the SQL does not parse: " + message, line);
    }
    if (plan instanceof Command || plan.getClass().getSimpleName().endsWith("Statement")) {
      return new Result(
          Set.of(),
          "the SQL must be one query (SELECT or WITH ... SELECT); the engine does the writing",
          "");
    }
    Set<String> ctes = new LinkedHashSet<>();
    Set<String> relations = new LinkedHashSet<>();
    scala.Function1<LogicalPlan, scala.runtime.BoxedUnit> visit =
        node -> {
          if (node instanceof UnresolvedWith with) {
            for (scala.Tuple2<String, ?> cte : JavaConverters.seqAsJavaList(with.cteRelations())) {
              ctes.add(cte._1());
            }
          } else if (node instanceof UnresolvedRelation relation) {
            List<String> parts = JavaConverters.seqAsJavaList(relation.multipartIdentifier());
            relations.add(String.join(".", parts));
          }
          return scala.runtime.BoxedUnit.UNIT;
        };
    plan.foreach(visit);
    for (LogicalPlan subquery : JavaConverters.seqAsJavaList(plan.subqueriesAll())) {
      subquery.foreach(visit);
    }
    relations.removeAll(ctes);
    return new Result(relations, null, "");
  }
}
