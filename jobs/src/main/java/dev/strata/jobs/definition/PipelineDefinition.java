package dev.strata.jobs.definition;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A pipeline as its YAML file declares it, before validation.
 *
 * @param name the pipeline's name
 * @param file the pipeline.yaml it came from
 * @param description free text
 * @param sources the landing sources, in declaration order
 * @param tables the tables, in declaration order
 * @param webhooks where alerts are posted
 */
public record PipelineDefinition(
    String name,
    Path file,
    String description,
    List<SourceDefinition> sources,
    List<TableDefinition> tables,
    List<Webhook> webhooks) {

  public Path folder() {
    return file.getParent();
  }

  public Optional<SourceDefinition> source(String name) {
    return sources.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public Optional<TableDefinition> table(String name) {
    return tables.stream().filter(t -> t.name().equals(name)).findFirst();
  }

  /**
   * A Slack-compatible webhook that alerts are posted to. Its URL is a secret, so the definition
   * names where to find it, never the URL itself.
   *
   * @param urlEnv an environment variable holding the URL, or null
   * @param urlFile a file whose first line is the URL, or null
   * @param where file:line of the declaration
   */
  public record Webhook(String urlEnv, String urlFile, String where) {
    public String describe() {
      return urlEnv != null ? "$" + urlEnv : urlFile;
    }
  }
}
