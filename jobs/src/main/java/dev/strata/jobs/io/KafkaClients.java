package dev.strata.jobs.io;

import dev.strata.api.StrataException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How Strata's Kafka clients (a source's pull, the kafka output, the generator) reach a broker:
 * its address and its security settings, by Kafka's own client property names. Each comes from
 * the source's or output's options, else the environment (or {@code --env-file}), so that a
 * broker's credentials belong to the environment, never to a definition:
 *
 * <ul>
 *   <li>{@code bootstrap_servers} option, or {@value #BOOTSTRAP_ENV} (another variable with {@code
 *       bootstrap_servers_env});
 *   <li>{@code security_protocol} or {@value #PROTOCOL_ENV}: PLAINTEXT (default), SSL,
 *       SASL_PLAINTEXT or SASL_SSL;
 *   <li>for SASL, {@code sasl_mechanism} or {@value #MECHANISM_ENV} (PLAIN, SCRAM-SHA-256 or
 *       SCRAM-SHA-512), and the user and password from the variables {@code username_env} and
 *       {@code password_env} name (default {@value #USERNAME_ENV}, {@value #PASSWORD_ENV});
 *   <li>for SSL, {@code ssl_truststore} or {@value #TRUSTSTORE_ENV} (a JKS or PKCS12 file; the
 *       JVM's trusted authorities if none) and its password from {@code
 *       ssl_truststore_password_env} (default {@value #TRUSTSTORE_PASSWORD_ENV}).
 * </ul>
 *
 * <p>A password only ever reaches the client's {@code sasl.jaas.config} and {@code
 * ssl.truststore.password}, which Kafka logs as {@code [hidden]} and Spark redacts; no message of
 * Strata's names one.
 */
public final class KafkaClients {
  public static final String BOOTSTRAP_ENV = "STRATA_KAFKA_BOOTSTRAP_SERVERS";
  public static final String PROTOCOL_ENV = "STRATA_KAFKA_SECURITY_PROTOCOL";
  public static final String MECHANISM_ENV = "STRATA_KAFKA_SASL_MECHANISM";
  public static final String USERNAME_ENV = "STRATA_KAFKA_USERNAME";
  public static final String PASSWORD_ENV = "STRATA_KAFKA_PASSWORD";
  public static final String TRUSTSTORE_ENV = "STRATA_KAFKA_SSL_TRUSTSTORE";
  public static final String TRUSTSTORE_PASSWORD_ENV = "STRATA_KAFKA_SSL_TRUSTSTORE_PASSWORD";
  /** The options of a source or output that say how to reach its broker. */
  public static final Set<String> OPTIONS = Set.of("bootstrap_servers", "bootstrap_servers_env", "security_protocol", "sasl_mechanism",
      "username_env", "password_env", "ssl_truststore", "ssl_truststore_password_env");
  private static final List<String> PROTOCOLS = List.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
  private static final List<String> MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512");

  private KafkaClients() {}

  /** The options a source or output of Kafka takes: its own, and those that say how to reach its broker ({@link #OPTIONS}). */
  public static Set<String> optionsWith(String... own) {
    java.util.Set<String> all = new java.util.TreeSet<>(List.of(own));
    all.addAll(OPTIONS);
    return java.util.Collections.unmodifiableSet(all);
  }

  /**
   * Checks the options a definition can get wrong on its own (no environment needed).
   *
   * @throws IllegalArgumentException saying which option and what it may be
   */
  public static void validate(Map<String, String> options) {
    String protocol = options.get("security_protocol");
    if (protocol != null && !PROTOCOLS.contains(protocol.strip().toUpperCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException("security_protocol is one of " + PROTOCOLS + ", not '" + protocol + "'");
    }
    String mechanism = options.get("sasl_mechanism");
    if (mechanism != null && !MECHANISMS.contains(mechanism.strip().toUpperCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException("sasl_mechanism is one of " + MECHANISMS + ", not '" + mechanism + "'");
    }
  }

  /**
   * The broker's address: the {@code bootstrap_servers} option, else the variable {@code
   * bootstrap_servers_env} names (default {@value #BOOTSTRAP_ENV}).
   *
   * @param what what needs it, for the message ("source 'tickets'", "output topic alerts")
   * @throws StrataException.InvalidException (exit 2) if neither gives one
   */
  public static String bootstrap(Map<String, String> options, java.util.function.Function<String, String> env, String what) {
    String given = options.get("bootstrap_servers");
    if (given != null && !given.isBlank()) {
      return given.strip();
    }
    String variable = options.getOrDefault("bootstrap_servers_env", BOOTSTRAP_ENV);
    String value = env.apply(variable);
    if (value == null || value.isBlank()) {
      throw new StrataException.InvalidException("Cannot reach the Kafka broker of " + what + ": none given; set " + variable
          + " (e.g. 127.0.0.1:9092, or eval \"$(scripts/kafka-local env)\") or the options' bootstrap_servers.");
    }
    return value.strip();
  }

  /**
   * The client's security settings, by Kafka's property names (none for PLAINTEXT).
   *
   * @param what what needs them, for the message
   * @throws StrataException.InvalidException (exit 2) naming the missing or wrong setting, never its value
   */
  public static Map<String, String> security(Map<String, String> options, java.util.function.Function<String, String> env, String what) {
    Map<String, String> out = new LinkedHashMap<>();
    String protocol = setting(options, "security_protocol", env, PROTOCOL_ENV, "PLAINTEXT").toUpperCase(java.util.Locale.ROOT);
    if (!PROTOCOLS.contains(protocol)) {
      throw new StrataException.InvalidException("Cannot reach the Kafka broker of " + what + ": its security protocol is '" + protocol
          + "'; it is one of " + PROTOCOLS + " (security_protocol, or " + PROTOCOL_ENV + ").");
    }
    if (protocol.equals("PLAINTEXT")) {
      return out;
    }
    out.put("security.protocol", protocol);
    if (protocol.startsWith("SASL_")) {
      String mechanism = setting(options, "sasl_mechanism", env, MECHANISM_ENV, "PLAIN").toUpperCase(java.util.Locale.ROOT);
      if (!MECHANISMS.contains(mechanism)) {
        throw new StrataException.InvalidException("Cannot reach the Kafka broker of " + what + ": its SASL mechanism is '" + mechanism
            + "'; it is one of " + MECHANISMS + " (sasl_mechanism, or " + MECHANISM_ENV + ").");
      }
      String userVariable = options.getOrDefault("username_env", USERNAME_ENV);
      String passwordVariable = options.getOrDefault("password_env", PASSWORD_ENV);
      String user = env.apply(userVariable);
      String password = env.apply(passwordVariable);
      if (user == null || user.isEmpty() || password == null || password.isEmpty()) {
        throw new StrataException.InvalidException("Cannot reach the Kafka broker of " + what + ": " + protocol + " needs a user and a"
            + " password; set " + userVariable + " and " + passwordVariable + " (the environment or --env-file).");
      }
      String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
          : "org.apache.kafka.common.security.scram.ScramLoginModule";
      out.put("sasl.mechanism", mechanism);
      out.put("sasl.jaas.config", module + " required username=\"" + quoted(user) + "\" password=\"" + quoted(password) + "\";");
    }
    if (protocol.endsWith("SSL")) {
      String truststore = setting(options, "ssl_truststore", env, TRUSTSTORE_ENV, "");
      if (!truststore.isEmpty()) {
        out.put("ssl.truststore.location", truststore);
        out.put("ssl.truststore.type", truststore.toLowerCase(java.util.Locale.ROOT).endsWith(".jks") ? "JKS" : "PKCS12");
        String password = env.apply(options.getOrDefault("ssl_truststore_password_env", TRUSTSTORE_PASSWORD_ENV));
        if (password != null && !password.isEmpty()) {
          out.put("ssl.truststore.password", password);
        }
      }
    }
    return out;
  }

  /** An option, else the environment's variable, else the default. */
  private static String setting(Map<String, String> options, String option, java.util.function.Function<String, String> env, String variable,
      String fallback) {
    String v = options.get(option);
    if (v == null || v.isBlank()) {
      v = env.apply(variable);
    }
    return v == null || v.isBlank() ? fallback : v.strip();
  }

  /** A value inside a JAAS option's double quotes. */
  private static String quoted(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
