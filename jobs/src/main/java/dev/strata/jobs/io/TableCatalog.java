package dev.strata.jobs.io;

import dev.strata.jobs.definition.PipelineDefinition;
import dev.strata.jobs.definition.TableDefinition;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.apache.spark.sql.catalyst.catalog.CatalogTable;
import org.apache.spark.sql.types.StructType;
import scala.Option;

/**
 * The pipeline's tables by name in Spark's session catalog ({@code catalog: {database:
 * "{pipeline}_{layer}"}}): whatever backs it (a Hive metastore with {@code
 * spark.sql.catalogImplementation=hive}, AWS Glue through its metastore client, the session's own
 * in-memory catalog in a notebook), each table is an external Delta table at its warehouse
 * location, so that {@code spark.table("banking_gold.account_summary")} and {@code SELECT ... FROM
 * banking_gold.account_summary} read what Strata published, and dropping the name never drops the
 * data.
 *
 * <p>A table is registered after its first publish, and its schema kept in step with its Delta
 * log: Spark reads a Delta table's columns from its log whatever the catalog holds, but other
 * readers of the metastore (and {@code DESCRIBE} through it) see the catalog's copy, so a publish
 * that changed the schema (a widening) writes the new one there. A name already taken by a table
 * at another location is an error of that publish's bookkeeping (a warning of the build), never
 * a re-pointed table. Without {@code catalog:}, or with {@value #DATABASE_ENV} set to empty, tables
 * are paths only, as always.
 */
public final class TableCatalog {
  /**
   * The environment setting that overrides the definition's database template (an environment
   * whose databases are named otherwise, e.g. {@code dev_{layer}}), or turns registration off when
   * empty.
   */
  public static final String DATABASE_ENV = "STRATA_CATALOG_DATABASE";

  private static final TableCatalog NONE = new TableCatalog(null, null, null);

  private final SparkSession spark;
  private final String template;
  private final String pipeline;
  /** What this process registered already, by name and schema: nothing to ask the catalog again. */
  private final Set<String> known = ConcurrentHashMap.newKeySet();

  private TableCatalog(SparkSession spark, String template, String pipeline) {
    this.spark = spark;
    this.template = template;
    this.pipeline = pipeline;
  }

  /** The catalog of a pipeline's tables as its definition and the environment name it. */
  public static TableCatalog of(SparkSession spark, PipelineDefinition definition, Map<String, String> env) {
    String template = env.containsKey(DATABASE_ENV) ? env.get(DATABASE_ENV)
        : definition.catalog() == null ? null : definition.catalog().database();
    return template == null || template.isBlank() ? NONE : new TableCatalog(spark, template.strip(), definition.name());
  }

  /** Whether tables are registered by name. */
  public boolean enabled() {
    return template != null;
  }

  /** A table's name in the catalog ({@code database.table}), if tables are registered. */
  public Optional<String> name(TableDefinition table) {
    return enabled() ? Optional.of(database(table) + "." + table.name()) : Optional.empty();
  }

  private String database(TableDefinition table) {
    return PipelineDefinition.Catalog.database(template, pipeline, table.layer());
  }

  /**
   * Registers a published table if it is not yet, and brings the catalog's copy of its schema in
   * step with its log.
   *
   * @throws IllegalStateException if the name is taken by a table at another location
   */
  public void register(TableDefinition table, String path) {
    if (!enabled()) {
      return;
    }
    String db = database(table);
    StructType schema = spark.read().format("delta").load(path).schema();
    String key = db + "." + table.name() + " " + schema.json();
    if (known.contains(key)) {
      return;
    }
    // One registration at a time in a process: builds of one layer publish side by side, and
    // CREATE DATABASE/TABLE IF NOT EXISTS race each other in the metastore otherwise.
    synchronized (TableCatalog.class) {
      spark.sql("CREATE DATABASE IF NOT EXISTS " + quote(db));
      TableIdentifier id = new TableIdentifier(table.name(), Option.apply(db));
      var catalog = spark.sessionState().catalog();
      if (!catalog.tableExists(id)) {
        spark.sql("CREATE TABLE IF NOT EXISTS " + quote(db) + "." + quote(table.name()) + " USING DELTA LOCATION '"
            + path.replace("\\", "\\\\").replace("'", "\\'") + "'");
      } else {
        CatalogTable existing;
        try {
          existing = catalog.getTableMetadata(id);
        } catch (org.apache.spark.sql.catalyst.analysis.NoSuchDatabaseException | org.apache.spark.sql.catalyst.analysis.NoSuchTableException e) {
          throw new IllegalStateException("the catalog lost " + db + "." + table.name() + " while it was registered: " + e.getMessage(), e);
        }
        String location = existing.location() == null ? "" : existing.location().toString();
        if (!sameLocation(location, path)) {
          throw new IllegalStateException("the catalog's " + db + "." + table.name() + " is a table at " + location + ", not " + path
              + ": drop that table (DROP TABLE " + db + "." + table.name() + ") or name another database in catalog.database");
        }
        StructType data = inStep(existing, schema);
        if (!existing.dataSchema().asNullable().equals(data.asNullable())) {
          catalog.alterTableDataSchema(id, data);
        }
      }
    }
    known.add(key);
  }

  /**
   * The catalog's columns brought in step with the log's: its own columns in their order (a
   * metastore refuses a column whose position changes type), each as the log types it, then the
   * log's new columns; partition columns the catalog keeps apart stay apart.
   */
  static StructType inStep(CatalogTable existing, StructType log) {
    java.util.List<String> partitions = scala.collection.JavaConverters.seqAsJavaList(existing.partitionColumnNames());
    java.util.List<org.apache.spark.sql.types.StructField> fields = new java.util.ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String name : existing.dataSchema().fieldNames()) {
      if (java.util.Arrays.asList(log.fieldNames()).contains(name)) {
        fields.add(log.apply(name));
        seen.add(name);
      }
    }
    for (org.apache.spark.sql.types.StructField f : log.fields()) {
      if (!seen.contains(f.name()) && !partitions.contains(f.name())) {
        fields.add(f);
      }
    }
    return new StructType(fields.toArray(org.apache.spark.sql.types.StructField[]::new));
  }

  private static boolean sameLocation(String a, String b) {
    return normalize(a).equals(normalize(b));
  }

  private static String normalize(String location) {
    String l = location.replaceAll("/+$", "");
    return l.startsWith("file:///") ? "file:/" + l.substring("file:///".length()) : l;
  }

  private static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
