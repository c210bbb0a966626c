package dev.strata.jobs.cli;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.DefinitionLoader;
import dev.strata.jobs.engine.EngineContext;
import dev.strata.jobs.engine.Sessions;
import dev.strata.jobs.io.ObjectStore;
import dev.strata.jobs.io.Warehouse;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Options every command takes. Where a setting can come from several places, the first of these
 * wins: the flag, the environment variable, the default.
 */
final class CommonOptions {
  /** Environment variable for the default warehouse. */
  static final String WAREHOUSE_ENV = "STRATA_WAREHOUSE";
  static final String WAREHOUSE_DEFAULT = "./warehouse";
  /** Environment variable for the folder that holds pipelines/ (scripts/strata sets it to the repo's conf/). */
  static final String CONF_DIR_ENV = "STRATA_CONF_DIR";
  static final String CONF_DIR_DEFAULT = "./conf";

  @Option(
      names = "--warehouse",
      paramLabel = "PATH_OR_URI",
      description = "Warehouse root: a local path or a Hadoop URI (s3a://bucket/prefix). Default: $" + WAREHOUSE_ENV + ", else " + WAREHOUSE_DEFAULT + ".")
  String warehouse;

  @Option(
      names = "--conf-dir",
      paramLabel = "DIR",
      description = "Folder holding pipelines/<name>/pipeline.yaml. Default: $" + CONF_DIR_ENV + ", else " + CONF_DIR_DEFAULT + ".")
  String confDir;

  /** Environment variable for the default environment file. */
  static final String ENV_FILE_ENV = "STRATA_ENV_FILE";

  @Option(
      names = "--env-file",
      paramLabel = "FILE",
      description = "Environment file (NAME=value lines): STRATA_WAREHOUSE, the object store's STRATA_S3_* settings and keys, the"
          + " database's STRATA_JDBC_URL or PGHOST/PGPORT/PGDATABASE, PGUSER, PGPASSWORD, STRATA_CATALOG_DATABASE, OPENLINEAGE_URL"
          + " (_ENDPOINT, _API_KEY, _API_KEY_FILE, _NAMESPACE) or OPENLINEAGE_FILE, a Kafka broker's STRATA_KAFKA_BOOTSTRAP_SERVERS"
          + " (_SECURITY_PROTOCOL, _SASL_MECHANISM, _USERNAME, _PASSWORD, _SSL_TRUSTSTORE, _SSL_TRUSTSTORE_PASSWORD), webhook URLs."
          + " Variables of the process win over the file. Default: $" + ENV_FILE_ENV + ".")
  String envFile;

  private Map<String, String> fileVars;

  /** The command these options are mixed into: its root is the {@link StrataMain} that runs it. */
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  String warehouse() {
    return firstOf(warehouse, System.getenv(WAREHOUSE_ENV), envFile().get(WAREHOUSE_ENV), WAREHOUSE_DEFAULT);
  }

  /** The environment file's variables, or none. */
  private Map<String, String> envFile() {
    if (fileVars == null) {
      String file = firstOf(envFile, System.getenv(ENV_FILE_ENV));
      fileVars = file == null ? Map.of() : ObjectStore.readEnvFile(Paths.get(file));
    }
    return fileVars;
  }

  /** $SPARK_HOME, or null. */
  String sparkHome() {
    return firstOf(System.getenv("SPARK_HOME"));
  }

  /** A Hadoop configuration with the object store's settings, for commands that need no Spark session. */
  org.apache.hadoop.conf.Configuration hadoopConfiguration() {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    ObjectStore.hadoopSettings(System.getenv(), envFile()).forEach(conf::set);
    return conf;
  }

  /** The command's Spark session, with the object store's settings from the environment. */
  SparkSession session(String appName) {
    return Sessions.create(appName, ObjectStore.sparkSettings(System.getenv(), envFile()));
  }

  String confDir() {
    return firstOf(confDir, System.getenv(CONF_DIR_ENV), CONF_DIR_DEFAULT);
  }

  /**
   * The pipeline.yaml for a pipeline argument: a definition folder or file if the argument is a
   * path to one, else the folder of that name under the conf directory's pipelines/.
   */
  Path pipelineFile(String pipeline) {
    Path direct = Paths.get(pipeline);
    if (Files.isRegularFile(direct)) {
      return direct.toAbsolutePath().normalize();
    }
    if (Files.isDirectory(direct) && (pipeline.contains("/") || pipeline.startsWith("."))) {
      Path file = direct.resolve(DefinitionLoader.FILE_NAME);
      if (!Files.isRegularFile(file)) {
        throw Errors.unknownPipeline(pipeline, direct.toAbsolutePath().normalize().toString());
      }
      return file.toAbsolutePath().normalize();
    }
    Path folder = Paths.get(confDir(), "pipelines", pipeline).toAbsolutePath().normalize();
    Path file = folder.resolve(DefinitionLoader.FILE_NAME);
    if (!Files.isRegularFile(file)) {
      throw Errors.unknownPipeline(pipeline, folder.toString());
    }
    return file;
  }

  /**
   * The validated pipeline for a pipeline argument, or the exit-2 error listing every problem of
   * its definition (with the {@code strata validate} command to check it again).
   */
  dev.strata.jobs.definition.Pipeline validated(String pipeline) {
    return dev.strata.jobs.definition.PipelineValidator.validateOrThrow(pipelineFile(pipeline), pipeline, validateArgs(pipeline));
  }

  /** The arguments of {@code strata validate} for this pipeline argument, with the --conf-dir this command was given. */
  String validateArgs(String pipeline) {
    return confDir == null || confDir.isBlank() ? pipeline : pipeline + " --conf-dir " + confDir;
  }

  /** Secrets and connection settings: the --env-file's, overridden by the process's environment. */
  Map<String, String> environment() {
    Map<String, String> env = new java.util.HashMap<>(envFile());
    env.putAll(System.getenv());
    return Map.copyOf(env);
  }

  /**
   * The engine context of a command: its session, this warehouse, the process environment (for
   * secrets), as the program that embeds the command line adjusts it ({@link StrataMain#execute}).
   */
  EngineContext context(SparkSession spark, PrintWriter out) {
    EngineContext ctx = new EngineContext(spark, Warehouse.at(warehouse()), Clock.systemUTC(), out, environment(),
        dev.strata.jobs.engine.Steps.DIRECT, invocation(null, dev.strata.quality.Samples.DEFAULT), ExitCodes::of);
    return mixee != null && mixee.root().userObject() instanceof StrataMain main ? main.adjust(ctx) : ctx;
  }

  /**
   * How this command was invoked, for the commands a failure suggests next: the pipeline argument
   * and the location flags exactly as given (a warehouse or conf folder from the environment is
   * left to the environment, as it was for this command).
   */
  dev.strata.jobs.run.Invocation invocation(String pipeline, int samples) {
    java.util.List<String> options = new java.util.ArrayList<>();
    if (confDir != null && !confDir.isBlank()) {
      options.addAll(java.util.List.of("--conf-dir", confDir));
    }
    if (warehouse != null && !warehouse.isBlank()) {
      options.addAll(java.util.List.of("--warehouse", warehouse));
    }
    if (envFile != null && !envFile.isBlank()) {
      options.addAll(java.util.List.of("--env-file", envFile));
    }
    return new dev.strata.jobs.run.Invocation(pipeline, options, samples);
  }

  private static String firstOf(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}
