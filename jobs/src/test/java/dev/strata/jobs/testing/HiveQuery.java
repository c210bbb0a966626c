package dev.strata.jobs.testing;

import dev.strata.jobs.engine.Sessions;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import scala.Option;

/**
 * Runs statements in a session of its own JVM, whose catalog the JVM's flags choose (a Hive
 * metastore: {@code -Dspark.sql.catalogImplementation=hive} and a Derby database): what a
 * consumer of the metastore sees. Prints each row as {@code > a|b|c}; {@code SCHEMA db.table}
 * prints the metastore's own copy of a table's columns and its type and location.
 */
public final class HiveQuery {
  private HiveQuery() {}

  public static void main(String[] args) throws Exception {
    SparkSession spark = Sessions.create("hive-query", Map.of());
    try {
      for (String statement : args) {
        System.out.println("# " + statement);
        if (statement.startsWith("SCHEMA ")) {
          String[] name = statement.substring(7).split("\\.");
          var table = spark.sessionState().catalog().getTableMetadata(new TableIdentifier(name[1], Option.apply(name[0])));
          System.out.println("> columns " + String.join(",", table.dataSchema().fieldNames()));
          System.out.println("> type " + table.tableType().name() + " provider " + table.provider().getOrElse(() -> "")
              + " location " + table.location());
          continue;
        }
        for (Row r : spark.sql(statement).collectAsList()) {
          StringBuilder line = new StringBuilder("> ");
          for (int i = 0; i < r.length(); i++) {
            line.append(i == 0 ? "" : "|").append(r.get(i));
          }
          System.out.println(line);
        }
      }
    } finally {
      spark.stop();
    }
  }
}
