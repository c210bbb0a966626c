package dev.strata.jobs.write;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Predicate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.CurrentDate;
import org.apache.spark.sql.catalyst.expressions.CurrentTimestampLike;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.CollectMetrics;
import org.apache.spark.sql.catalyst.plans.logical.Expand;
import org.apache.spark.sql.catalyst.plans.logical.GlobalLimit;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.LocalLimit;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Offset;
import org.apache.spark.sql.catalyst.plans.logical.RebalancePartitions;
import org.apache.spark.sql.catalyst.plans.logical.RepartitionOperation;
import org.apache.spark.sql.catalyst.plans.logical.Sample;
import org.apache.spark.sql.catalyst.plans.logical.Sort;
import org.apache.spark.sql.catalyst.plans.logical.Tail;
import org.apache.spark.sql.catalyst.plans.logical.Window;
import scala.collection.JavaConverters;

/**
 * What the plan of a Dataset promises about computing it: whether computing it twice gives the
 * same rows (and costs little), and whether an observation inside it sees every row of its input. Writes that compute
 * their rows once and come back for a subset (the rows a quarantine takes) or trust what an
 * observation counted, ask first.
 */
public final class Plans {
  private Plans() {}

  /**
   * Whether computing the rows again gives the same rows, as far as the plan can tell: no
   * non-deterministic expression (random numbers, ids, partition ids) and none that reads the clock
   * (each query has its own current time). What the plan cannot tell (a window ordered by a
   * column with ties picks either row) a caller verifies by comparing what the two computations
   * produced.
   */
  public static boolean repeatable(Dataset<Row> rows) {
    return !anyNode(rows.queryExecution().analyzed(), plan -> anyExpression(plan, e -> !e.deterministic()
        || e instanceof CurrentTimestampLike || e instanceof CurrentDate));
  }

  /**
   * Whether computing the rows is a pass over their inputs with nothing that moves rows between
   * tasks (no join, aggregate, window, sort, repartition, grouping sets): then computing them a
   * second time costs a read of the inputs, less than writing and reading back every row. A plan
   * that shuffles costs more to compute again than that.
   */
  public static boolean narrow(Dataset<Row> rows) {
    return !anyNode(rows.queryExecution().optimizedPlan(), p -> p instanceof Join || p instanceof Aggregate || p instanceof Window
        || p instanceof Sort || p instanceof RepartitionOperation || p instanceof RebalancePartitions || p instanceof Expand);
  }

  /**
   * Whether the observation {@code name} inside {@code rows} counts every row of what it observes
   * when {@code rows} is computed: it appears once in the optimized plan, and nothing in the plan
   * may stop reading early (a limit, a sample) or skip a side at run time (a join whose other side
   * turns out empty).
   */
  public static boolean observesEveryRow(Dataset<Row> rows, String name) {
    LogicalPlan plan = rows.queryExecution().optimizedPlan();
    int[] found = new int[1];
    boolean cutShort = anyNode(plan, p -> {
      if (p instanceof CollectMetrics m && m.name().equals(name)) {
        found[0]++;
      }
      return p instanceof Join || p instanceof GlobalLimit || p instanceof LocalLimit || p instanceof Sample || p instanceof Tail
          || p instanceof Offset;
    });
    return !cutShort && found[0] == 1;
  }

  /** Whether any node of the plan (and of the plans of its subqueries) satisfies {@code test}; every node is visited. */
  private static boolean anyNode(LogicalPlan root, Predicate<LogicalPlan> test) {
    boolean any = false;
    Deque<LogicalPlan> todo = new ArrayDeque<>();
    todo.push(root);
    while (!todo.isEmpty()) {
      LogicalPlan p = todo.pop();
      any |= test.test(p);
      JavaConverters.seqAsJavaList(p.children()).forEach(todo::push);
      for (Expression e : JavaConverters.seqAsJavaList(p.expressions())) {
        subqueries(e, todo);
      }
    }
    return any;
  }

  private static void subqueries(Expression e, Deque<LogicalPlan> todo) {
    if (e instanceof SubqueryExpression s) {
      todo.push(s.plan());
    }
    JavaConverters.seqAsJavaList(e.children()).forEach(c -> subqueries(c, todo));
  }

  private static boolean anyExpression(LogicalPlan plan, Predicate<Expression> test) {
    for (Expression root : JavaConverters.seqAsJavaList(plan.expressions())) {
      Deque<Expression> todo = new ArrayDeque<>();
      todo.push(root);
      while (!todo.isEmpty()) {
        Expression e = todo.pop();
        if (test.test(e)) {
          return true;
        }
        JavaConverters.seqAsJavaList(e.children()).forEach(todo::push);
      }
    }
    return false;
  }
}
