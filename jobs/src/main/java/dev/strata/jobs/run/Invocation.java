package dev.strata.jobs.run;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How the command that started a run was invoked, so that the commands a failure suggests next
 * run as they are printed: the pipeline argument and the options that say where things are
 * ({@code --conf-dir}, {@code --warehouse}, {@code --env-file}) exactly as the user gave them; and
 * how many sample rows a failure shows.
 *
 * @param pipeline the pipeline argument as given (a name, or a path to a definition), or null to
 *     use the pipeline's name
 * @param options the location options as given, flag and value in turn
 * @param samples rows a failed rule shows (0 for none)
 */
public record Invocation(String pipeline, List<String> options, int samples) {
  /** A run started from code (a notebook, a test): the pipeline's name, no options, the default samples. */
  public static final Invocation DEFAULT = new Invocation(null, List.of(), dev.strata.quality.Samples.DEFAULT);
  /** Words a shell takes as they are; anything else is single-quoted. */
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

  public Invocation {
    options = List.copyOf(options);
    if (samples < 0) {
      throw new IllegalArgumentException("samples must not be negative");
    }
  }

  /**
   * A command line for this pipeline: {@code strata VERB PIPELINE OPTIONS ARGS}, each word quoted
   * for a POSIX shell where it needs to be.
   *
   * @param verb the command and subcommand, e.g. {@code run} or {@code quarantine list}
   * @param pipelineName the pipeline's name, used when the pipeline was not given as an argument
   * @param args the command's own arguments, e.g. {@code --date}, {@code 2024-01-01}
   */
  public String command(String verb, String pipelineName, String... args) {
    List<String> words = new ArrayList<>();
    words.add(pipeline == null ? pipelineName : pipeline);
    words.addAll(options);
    words.addAll(List.of(args));
    return "strata " + verb + " " + String.join(" ", words.stream().map(Invocation::quote).toList());
  }

  /** A command without a pipeline argument (e.g. {@code strata report RUN_ID}), with the location options. */
  public String commandWithout(String verb, String... args) {
    List<String> words = new ArrayList<>(List.of(args));
    words.addAll(options);
    return "strata " + verb + " " + String.join(" ", words.stream().map(Invocation::quote).toList());
  }

  /** A word as a POSIX shell reads it back: as it is if plain, else single-quoted. */
  public static String quote(String word) {
    return PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
  }
}
