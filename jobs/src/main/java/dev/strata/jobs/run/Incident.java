package dev.strata.jobs.run;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.definition.Layer;
import java.util.List;

/**
 * A table partition a run left unpublished, explained for whoever reads the alert at night: the
 * cause first (the rule that decided, with what was observed against what was expected, or why the
 * build failed), a few rows that show it, what else failed as a consequence, what downstream did
 * not build because of it, and the commands to inspect it and to rebuild once it is fixed.
 *
 * @param table the table
 * @param layer its layer
 * @param partition the partition
 * @param status BLOCKED, FAILED, NOT_READY, LOCKED or INVALID
 * @param rule the rule that decided (as declared), or null when the build did not get to its gate
 * @param cause what happened, in words: the rule's observed-versus-expected, or the failure's message
 * @param samples rows that show it (the table's key and the rule's columns), possibly none
 * @param consequences other failed rules of the build ({@code also failed: rule: words}), and one
 *     line for the rules that could not be evaluated because of the cause ({@code not evaluated: ...})
 * @param declaredAt where the deciding rule is declared, relative to the definition folder, or null
 * @param notBuilt the downstream table partitions this run did not build because of it ({@code table partition})
 * @param fix what to fix, in words
 * @param inspect commands that show more
 * @param rebuild the command that builds the partition and its downstream again once it is fixed
 */
public record Incident(
    String table,
    Layer layer,
    Partition partition,
    BuildStatus status,
    String rule,
    String cause,
    List<String> samples,
    List<String> consequences,
    String declaredAt,
    List<String> notBuilt,
    String fix,
    List<String> inspect,
    String rebuild) {
  public Incident {
    samples = List.copyOf(samples);
    consequences = List.copyOf(consequences);
    notBuilt = List.copyOf(notBuilt);
    inspect = List.copyOf(inspect);
  }

  /** The first line of the incident: table, partition, status and cause. */
  public String headline() {
    return table + " " + partition + " " + status + ": " + (rule == null ? cause : rule + " failed: " + cause);
  }
}
