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
 */
public record PipelineDefinition(
    String name,
    Path file,
    String description,
    List<SourceDefinition> sources,
    List<TableDefinition> tables) {

  public Path folder() {
    return file.getParent();
  }

  public Optional<SourceDefinition> source(String name) {
    return sources.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  public Optional<TableDefinition> table(String name) {
    return tables.stream().filter(t -> t.name().equals(name)).findFirst();
  }
}
