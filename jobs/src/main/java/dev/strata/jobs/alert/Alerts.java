package dev.strata.jobs.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.definition.PipelineDefinition;
import dev.strata.jobs.definition.PipelineDefinition.Webhook;
import dev.strata.jobs.Errors;
import dev.strata.api.BuildStatus;
import dev.strata.jobs.run.Incident;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.quality.RuleResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts a Slack-compatible message ({@code {"text": ...}}, which Slack, Mattermost and most chat
 * webhooks accept) when a run leaves a table partition unpublished: a gate blocked it, its build
 * failed after its retries, its upstream was not ready, or another run held it.
 *
 * <p>Webhook URLs are secrets: they are read from the environment or a file named in the
 * definition, used for the request, and never printed, logged or recorded; any text that might
 * quote one (an exception message) is scrubbed first. A webhook that fails is reported as a
 * warning and never changes the run's outcome.
 *
 * <p>java.net.http (in the JDK) sends the request: one POST needs no HTTP library.
 */
public final class Alerts {
  private static final Logger LOG = LoggerFactory.getLogger(Alerts.class);
  /** The outcomes that alert. */
  public static final Set<BuildStatus> ALERTING =
      EnumSet.of(BuildStatus.BLOCKED, BuildStatus.FAILED, BuildStatus.NOT_READY, BuildStatus.LOCKED);
  private static final int MAX_LISTED = 10;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final PipelineDefinition pipeline;
  private final Map<String, String> env;
  private final PrintWriter out;
  private final HttpClient http;

  public Alerts(PipelineDefinition pipeline, Map<String, String> env, PrintWriter out) {
    this.pipeline = pipeline;
    this.env = env;
    this.out = out;
    this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  }

  /**
   * Sends one message per webhook if the run left anything unpublished.
   *
   * @param warehouse the warehouse, for the command that shows details
   * @return how many webhooks accepted the message
   */
  public int send(RunResult run, String warehouse) {
    // A table waiting on a source whose circuit is open alerted once, when it opened: not again every run.
    List<TableBuildResult> bad = run.builds().stream().filter(b -> ALERTING.contains(b.status()) && !b.waitsOnOpenCircuit()).toList();
    List<TableBuildResult> notices = run.builds().stream().filter(b -> !ALERTING.contains(b.status()) && !contractWarnings(b).isEmpty()).toList();
    if ((bad.isEmpty() && notices.isEmpty() && run.failedDeliveries().isEmpty()) || pipeline.webhooks().isEmpty()) {
      return 0;
    }
    String text = text(run, bad, notices, warehouse);
    int delivered = 0;
    for (int i = 0; i < pipeline.webhooks().size(); i++) {
      Webhook hook = pipeline.webhooks().get(i);
      String label = "webhook " + (i + 1) + " (" + hook.describe() + ")";
      String url = url(hook);
      if (url == null) {
        warn(label + " has no URL: " + (hook.urlEnv() != null ? "$" + hook.urlEnv() + " is not set" : "cannot read " + hook.urlFile()) + "; alert not sent");
        continue;
      }
      try {
        ObjectNode body = new ObjectMapper().createObjectNode().put("text", text);
        HttpRequest request =
            HttpRequest.newBuilder(URI.create(url))
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 == 2) {
          delivered++;
          out.printf("Alert sent to %s.%n", label);
        } else {
          warn(label + " answered HTTP " + response.statusCode() + "; alert not delivered");
        }
      } catch (IOException | RuntimeException e) {
        warn(label + " failed: " + scrub(why(e), url) + "; alert not delivered");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        warn(label + " interrupted; alert not delivered");
      }
    }
    out.flush();
    return delivered;
  }

  /**
   * The data-contract warnings of a build that published: schema drift it accepted, a volume
   * anomaly or stale data at warn level. A published build with these still alerts.
   */
  static List<RuleResult> contractWarnings(TableBuildResult b) {
    return b.gate().results().stream()
        .filter(r -> r.warns() && (r.spec().text().startsWith("SchemaDrift ") || r.spec().text().startsWith("Volume ")
            || r.spec().text().startsWith("Freshness ")))
        .toList();
  }

  /** The message: what did not publish and why, the failing rules with observed values, where to look. */
  static String text(RunResult run, List<TableBuildResult> bad, String warehouse) {
    return text(run, bad, List.of(), warehouse);
  }

  static String text(RunResult run, List<TableBuildResult> bad, List<TableBuildResult> notices, String warehouse) {
    StringBuilder t = new StringBuilder();
    List<dev.strata.jobs.run.DeliveryResult> failed = run.failedDeliveries();
    if (bad.isEmpty() && !failed.isEmpty()) {
      t.append(String.format(
          ":rotating_light: *Strata: pipeline %s, run %s* published, but %d deliver%s failed (exit %d).%n",
          run.pipeline(), run.runId(), failed.size(), failed.size() == 1 ? "y" : "ies", run.exitCode()));
    } else if (bad.isEmpty()) {
      t.append(String.format(
          ":warning: *Strata: pipeline %s, run %s* published with %d data-contract warning%s (exit %d).%n",
          run.pipeline(), run.runId(), notices.size(), notices.size() == 1 ? "" : "s", run.exitCode()));
    } else {
      t.append(String.format(
          ":rotating_light: *Strata: pipeline %s, run %s* left %d table partition%s unpublished (exit %d).%n",
          run.pipeline(), run.runId(), bad.size(), bad.size() == 1 ? "" : "s", run.exitCode()));
    }
    // Each unpublished table partition: the cause first, the rows that show it, what did not build, what to run.
    List<Incident> incidents = run.incidents();
    for (Incident i : incidents.subList(0, Math.min(MAX_LISTED, incidents.size()))) {
      t.append(String.format("• *%s* %s %s — %s%n", i.table(), i.partition(), i.status(),
          i.rule() == null ? Errors.firstLine(i.cause()) : "`" + i.rule() + "`: " + i.cause()));
      if (!i.samples().isEmpty()) {
        t.append("   e.g. ").append(String.join("; ", i.samples())).append('\n');
      }
      for (String c : i.consequences()) {
        t.append("   then: ").append(c).append('\n');
      }
      if (!i.notBuilt().isEmpty()) {
        t.append("   Not built as a result: ").append(String.join(", ", i.notBuilt())).append('\n');
      }
      t.append("   Fix: ").append(i.fix()).append('\n');
      t.append("   Then: `").append(i.rebuild()).append("`\n");
    }
    if (incidents.size() > MAX_LISTED) {
      t.append(String.format("… and %d more.%n", incidents.size() - MAX_LISTED));
    }
    for (TableBuildResult b : notices.subList(0, Math.min(MAX_LISTED, notices.size()))) {
      t.append(String.format("• *%s* %s: %s with warnings — ", b.table(), b.partition(), b.status()));
      List<RuleResult> warnings = contractWarnings(b);
      for (int i = 0; i < warnings.size(); i++) {
        t.append(i == 0 ? "" : "; ").append('`').append(warnings.get(i).spec().text()).append("`: ").append(warnings.get(i).message());
      }
      t.append('\n');
    }
    for (dev.strata.jobs.run.DeliveryResult d : failed.subList(0, Math.min(MAX_LISTED, failed.size()))) {
      t.append(String.format("• *%s* %s: published, not delivered to output `%s` (%s) — %s%n", d.table(), d.partition(), d.output(),
          d.sink(), d.message()));
    }
    if (!failed.isEmpty()) {
      t.append(String.format("   Then: `strata run %s --resume %s` delivers %s again%n", run.pipeline(), run.runId(),
          failed.size() == 1 ? "it" : "them"));
    }
    if (!incidents.isEmpty()) {
      t.append(String.format("Details: `%s` (the report: %s)", incidents.get(0).inspect().get(0), run.reportPath()));
    } else {
      t.append(String.format("Details: `strata history %s --warehouse %s --limit 1` and the report %s", run.pipeline(), warehouse,
          run.reportPath()));
    }
    return t.toString();
  }

  private String url(Webhook hook) {
    String value;
    if (hook.urlEnv() != null) {
      value = env.get(hook.urlEnv());
    } else {
      try {
        Path file = pipeline.folder().resolve(hook.urlFile());
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        value = lines.isEmpty() ? null : lines.get(0);
      } catch (IOException | RuntimeException e) {
        value = null;
      }
    }
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** Why a request failed, in words: the JDK's client often throws with no message (ConnectException: null). */
  static String why(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.net.http.HttpConnectTimeoutException) {
        return "could not connect within " + TIMEOUT.toSeconds() + "s (HttpConnectTimeoutException)";
      }
      if (t instanceof java.net.http.HttpTimeoutException) {
        return "no answer within " + TIMEOUT.toSeconds() + "s (HttpTimeoutException)";
      }
      if (t instanceof java.net.ConnectException) {
        return "connection refused: nothing accepts connections at the webhook's host and port (ConnectException)";
      }
      if (t instanceof java.net.UnknownHostException) {
        return "unknown host: the webhook's host name does not resolve (UnknownHostException)";
      }
      if (t instanceof javax.net.ssl.SSLException) {
        return "TLS failed: " + t.getMessage() + " (" + t.getClass().getSimpleName() + ")";
      }
      if (t instanceof IllegalArgumentException) {
        return "the configured value is not a valid http(s) URL (" + t.getClass().getSimpleName() + ")";
      }
    }
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage() + " (" + t.getClass().getSimpleName() + ")";
      }
    }
    return e.getClass().getSimpleName() + " without a message";
  }

  private void warn(String message) {
    LOG.warn("{}", message);
    out.printf("Warning: %s.%n", message);
  }

  static String scrub(String text, String secret) {
    if (text == null) {
      return "";
    }
    String scrubbed = text.replace(secret, "<webhook URL>");
    URI uri = URI.create(secret);
    return uri.getRawPath() == null || uri.getRawPath().length() < 2 ? scrubbed : scrubbed.replace(uri.getRawPath(), "<path>");
  }
}
