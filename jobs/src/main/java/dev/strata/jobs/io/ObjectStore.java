package dev.strata.jobs.io;

import dev.strata.jobs.Errors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How to reach an object store (S3 through Hadoop's s3a connector), from the environment: the
 * process's variables, then an environment file of {@code NAME=value} lines (the variables a
 * process wins over the file). Nothing here is configured in code, and the settings this returns
 * are Spark configuration ({@code spark.hadoop.fs.s3a.*}), which Spark passes to the executors and
 * redacts in its UI and event logs; Strata never prints them.
 *
 * <table>
 *   <caption>Variables</caption>
 *   <tr><td>STRATA_S3_ENDPOINT</td><td>fs.s3a.endpoint (an http:// endpoint turns TLS off)</td></tr>
 *   <tr><td>STRATA_S3_REGION</td><td>fs.s3a.endpoint.region</td></tr>
 *   <tr><td>STRATA_S3_PATH_STYLE</td><td>fs.s3a.path.style.access (true for MinIO, s3proxy, Ceph)</td></tr>
 *   <tr><td>STRATA_S3_CREDENTIALS_PROVIDER</td><td>fs.s3a.aws.credentials.provider</td></tr>
 *   <tr><td>AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN</td><td>read by the AWS SDK itself from
 *       the process environment (s3a's default chain); from an environment file, passed as fs.s3a.access.key etc.</td></tr>
 * </table>
 */
public final class ObjectStore {
  public static final String ENDPOINT = "STRATA_S3_ENDPOINT";
  public static final String REGION = "STRATA_S3_REGION";
  public static final String PATH_STYLE = "STRATA_S3_PATH_STYLE";
  public static final String CREDENTIALS_PROVIDER = "STRATA_S3_CREDENTIALS_PROVIDER";
  private static final String SPARK_HADOOP = "spark.hadoop.";
  private static final String S3A = SPARK_HADOOP + "fs.s3a.";
  /**
   * Variables an environment file may set: the warehouse, the object store's, a database's
   * (libpq's standard names and a JDBC URL, as scripts/postgres-local env prints them), the
   * catalog's database template, where OpenLineage events go (the client's standard names), and a
   * Kafka broker's address and credentials ({@link KafkaClients}).
   */
  private static final List<String> KNOWN =
      List.of("STRATA_WAREHOUSE", ENDPOINT, REGION, PATH_STYLE, CREDENTIALS_PROVIDER, "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
          "AWS_SESSION_TOKEN", "AWS_REGION", "STRATA_JDBC_URL", "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD",
          TableCatalog.DATABASE_ENV, "OPENLINEAGE_URL", "OPENLINEAGE_ENDPOINT", "OPENLINEAGE_API_KEY", "OPENLINEAGE_API_KEY_FILE", "OPENLINEAGE_FILE",
          "OPENLINEAGE_NAMESPACE", KafkaClients.BOOTSTRAP_ENV, KafkaClients.PROTOCOL_ENV, KafkaClients.MECHANISM_ENV, KafkaClients.USERNAME_ENV,
          KafkaClients.PASSWORD_ENV, KafkaClients.TRUSTSTORE_ENV, KafkaClients.TRUSTSTORE_PASSWORD_ENV);

  private ObjectStore() {}

  /**
   * Reads an environment file: {@code NAME=value} lines, {@code #} comments, optional quotes.
   *
   * @throws dev.strata.api.StrataException.InvalidException naming the file and line of a line that
   *     is not a known variable (a value is never repeated in the message: it may be a secret)
   */
  public static Map<String, String> readEnvFile(Path file) {
    Errors.check(Files.isRegularFile(file), "Cannot read environment file %s: no such file. Pass --env-file with an existing file.", file);
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException("reading environment file " + file, e);
    }
    Map<String, String> vars = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring("export ".length()).strip();
      }
      int eq = line.indexOf('=');
      String name = eq < 0 ? line : line.substring(0, eq).strip();
      Errors.check(eq > 0, "%s:%d: expected NAME=value, found '%s'.", file, i + 1, name);
      Errors.check(
          KNOWN.contains(name), "%s:%d: unknown variable %s; an environment file may set %s.", file, i + 1, name, KNOWN);
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
        value = value.substring(1, value.length() - 1);
      }
      vars.put(name, value);
    }
    return vars;
  }

  /**
   * The Spark settings for s3a from the variables: the process's first, then the file's. Keys and
   * tokens are passed only when they come from the file (from the process, the AWS SDK reads them
   * itself).
   */
  public static Map<String, String> sparkSettings(Map<String, String> process, Map<String, String> file) {
    Map<String, String> settings = new LinkedHashMap<>();
    // Strata retries a build that failed transiently itself (with backoff, up to max_attempts), so
    // the S3 client's own retries stay short: hadoop-aws 3.3's defaults (20 SDK attempts, each
    // retried 7 times by S3A) keep a run silent for many minutes when the store is unreachable.
    settings.put(S3A + "attempts.maximum", "2");
    settings.put(S3A + "retry.limit", "2");
    settings.put(S3A + "retry.interval", "500ms");
    settings.put(S3A + "connection.establish.timeout", "5000");
    String endpoint = firstOf(process, file, ENDPOINT);
    if (endpoint != null) {
      settings.put(S3A + "endpoint", endpoint);
      settings.put(S3A + "connection.ssl.enabled", String.valueOf(!endpoint.toLowerCase(Locale.ROOT).startsWith("http://")));
    }
    String region = firstOf(process, file, REGION);
    if (region != null) {
      settings.put(S3A + "endpoint.region", region);
    }
    String pathStyle = firstOf(process, file, PATH_STYLE);
    if (pathStyle != null) {
      Errors.check(pathStyle.equals("true") || pathStyle.equals("false"), "%s must be true or false, not '%s'.", PATH_STYLE, pathStyle);
      settings.put(S3A + "path.style.access", pathStyle);
    }
    String provider = firstOf(process, file, CREDENTIALS_PROVIDER);
    if (provider != null) {
      settings.put(S3A + "aws.credentials.provider", provider);
    }
    if (!process.containsKey("AWS_ACCESS_KEY_ID") && file.containsKey("AWS_ACCESS_KEY_ID")) {
      Errors.check(file.containsKey("AWS_SECRET_ACCESS_KEY"), "The environment file sets AWS_ACCESS_KEY_ID but not AWS_SECRET_ACCESS_KEY.");
      settings.put(S3A + "access.key", file.get("AWS_ACCESS_KEY_ID"));
      settings.put(S3A + "secret.key", file.get("AWS_SECRET_ACCESS_KEY"));
      if (file.containsKey("AWS_SESSION_TOKEN")) {
        settings.put(S3A + "session.token", file.get("AWS_SESSION_TOKEN"));
        settings.putIfAbsent(S3A + "aws.credentials.provider", "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider");
      }
    }
    return settings;
  }

  /** The same settings as Hadoop configuration keys ({@code fs.s3a.*}), for a client without a Spark session. */
  public static Map<String, String> hadoopSettings(Map<String, String> process, Map<String, String> file) {
    Map<String, String> settings = new LinkedHashMap<>();
    sparkSettings(process, file).forEach((k, v) -> settings.put(k.substring(SPARK_HADOOP.length()), v));
    return settings;
  }

  private static String firstOf(Map<String, String> process, Map<String, String> file, String name) {
    String v = process.get(name);
    if (v == null || v.isBlank()) {
      v = file.get(name);
    }
    return v == null || v.isBlank() ? null : v;
  }
}
