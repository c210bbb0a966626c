package dev.strata.jobs.cli;

import dev.strata.jobs.Errors;
import dev.strata.jobs.definition.Layer;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.PipelineDefinition;
import dev.strata.jobs.definition.TableDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "export",
    description = {
      "Write a pipeline's schedules for a scheduler you already run: crontab lines, or an Airflow DAG file",
      "(a SparkSubmitOperator per layer, in dependency order). Every run still goes through the gates and the ledger,",
      "so even a plain cron never builds on an upstream that failed."
    })
final class ExportCommand implements Callable<Integer> {
  @Mixin CommonOptions common;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FORMAT", description = "crontab or airflow.")
  String format;

  @Parameters(index = "1", paramLabel = "PIPELINE", description = "A pipeline name under <conf-dir>/pipelines, or a definition folder.")
  String pipeline;

  @Option(names = "--output", paramLabel = "FILE", description = "Write here instead of standard output.")
  String output;

  @Option(
      names = "--strata",
      paramLabel = "COMMAND",
      description = "crontab: the command that runs Strata on the scheduling machine (default: this checkout's scripts/strata).")
  String strata;

  @Option(names = "--jar", paramLabel = "PATH", description = "airflow: the job jar as the Airflow workers see it (default: strata-jobs.jar next to the DAG).")
  String jar;

  @Option(names = "--conn-id", paramLabel = "ID", description = "airflow: the Spark connection of SparkSubmitOperator (default spark_default).")
  String connId = "spark_default";

  @Override
  public Integer call() throws IOException {
    Errors.check(format.equals("crontab") || format.equals("airflow"), "Cannot export: unknown format '%s'; use crontab or airflow.", format);
    Pipeline p = common.validated(pipeline);
    List<PipelineDefinition.Schedule> schedules = p.definition().schedules();
    Errors.check(
        !schedules.isEmpty(), "Cannot export %s: it declares no schedules. Add e.g.%n  schedules:%n    daily: {cron: \"0 6 * * *\", timezone: UTC}%nto %s.",
        p.name(), p.definition().file());
    String text = format.equals("crontab") ? crontab(p) : airflow(p);
    if (output == null) {
      spec.commandLine().getOut().print(text);
      spec.commandLine().getOut().flush();
    } else {
      Files.writeString(Paths.get(output), text);
      spec.commandLine().getOut().println("Wrote " + Paths.get(output).toAbsolutePath());
    }
    return 0;
  }

  /**
   * One line per schedule, each under its CRON_TZ (cronie, systemd-cron and most Linux crons read
   * it). {@code strata run --schedule NAME} works out the interval's partition and layer itself.
   */
  String crontab(Pipeline p) {
    String command = strata != null ? strata : Paths.get(System.getProperty("user.dir"), "scripts", "strata").toString();
    StringBuilder out = new StringBuilder();
    out.append("# Strata schedules of pipeline ").append(p.name()).append(" (").append(p.definition().file()).append(")\n");
    out.append("# Written by `strata export crontab ").append(p.name()).append("`. Each run finds its own partition (the interval that\n");
    out.append("# just closed); a run on an upstream that did not publish exits 5 without writing. Install with `crontab -e`.\n");
    out.append("# A cron without CRON_TZ reads the times in the machine's zone: check that it matches.\n");
    out.append("STRATA_WAREHOUSE=").append(dev.strata.jobs.io.Warehouse.at(common.warehouse()).root()).append('\n');
    out.append("STRATA_CONF_DIR=").append(Paths.get(common.confDir()).toAbsolutePath().normalize()).append('\n');
    String log = "$HOME/strata-" + p.name() + ".log";
    // By name when the definition is the conf folder's, else by its folder.
    java.nio.file.Path byName = Paths.get(common.confDir(), "pipelines", p.name()).toAbsolutePath().normalize();
    String target = p.definition().folder().toAbsolutePath().normalize().equals(byName) ? p.name() : p.definition().folder().toString();
    for (PipelineDefinition.Schedule s : p.definition().schedules()) {
      out.append('\n').append("# ").append(p.name()).append('.').append(s.name())
          .append(s.layer().map(l -> " (layer " + l.key() + ")").orElse("")).append(s.catchup() ? "; catchup: missed intervals are not replayed by cron, use `strata schedule` or `strata backfill`" : "")
          .append('\n');
      out.append("CRON_TZ=").append(s.zone().getId()).append('\n');
      // flock -n: with max_active_runs 1, a run that finds the previous one still running is skipped, never overlapped.
      String lock = s.maxActiveRuns() == 1 ? "flock -n /tmp/strata-" + p.name() + "-" + s.name() + ".lock " : "";
      out.append(s.cron()).append(' ').append(lock).append(command).append(" run ").append(target)
          .append(" --schedule ").append(s.name()).append(" >> ").append(log).append(" 2>&1\n");
    }
    return out.toString();
  }

  /**
   * One DAG per schedule: a SparkSubmitOperator per layer the job builds, each depending on the
   * layer before it; Airflow's data interval is the run's partition ({{ ds }}), and the fire time
   * ({{ data_interval_end }}) goes to the ledger with --scheduled.
   */
  String airflow(Pipeline p) {
    StringBuilder out = new StringBuilder();
    out.append("# Airflow DAGs for the Strata pipeline ").append(p.name()).append(", written by `strata export airflow ").append(p.name()).append("`.\n");
    out.append("# Each task is a spark-submit of the Strata job jar for one layer and the DAG run's data interval;\n");
    out.append("# the gates and the ledger still decide what publishes: a layer whose upstream did not publish exits 5.\n");
    out.append("import os\n\nimport pendulum\nfrom airflow import DAG\n");
    out.append("from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator\n\n");
    String jarPath = jar != null ? jar : null;
    out.append("STRATA_JAR = ").append(jarPath != null ? py(jarPath) : "os.path.join(os.path.dirname(__file__), \"strata-jobs.jar\")").append('\n');
    out.append("WAREHOUSE = os.environ.get(\"STRATA_WAREHOUSE\", ").append(py(dev.strata.jobs.io.Warehouse.at(common.warehouse()).root())).append(")\n");
    out.append("PIPELINE_DIR = os.environ.get(\"STRATA_PIPELINE_DIR\", ").append(py(p.definition().folder().toString())).append(")\n");
    for (PipelineDefinition.Schedule s : p.definition().schedules()) {
      String dagId = (p.name() + "_" + s.name()).replaceAll("[^A-Za-z0-9_]", "_");
      String job = p.name() + "." + s.name();
      out.append("\nwith DAG(\n");
      out.append("    dag_id=").append(py(dagId)).append(",\n");
      out.append("    schedule=").append(py(s.cron())).append(",\n");
      out.append("    start_date=pendulum.datetime(2024, 1, 1, tz=").append(py(s.zone().getId())).append("),\n");
      out.append("    catchup=").append(s.catchup() ? "True" : "False").append(",\n");
      out.append("    max_active_runs=").append(s.maxActiveRuns()).append(",\n");
      out.append("    tags=[\"strata\", ").append(py(p.name())).append("],\n");
      out.append(") as dag:\n");
      List<String> tasks = new ArrayList<>();
      for (Layer layer : layers(p, s)) {
        String task = layer.key();
        tasks.add(task);
        out.append("    ").append(task).append(" = SparkSubmitOperator(\n");
        out.append("        task_id=").append(py("strata_" + layer.key())).append(",\n");
        out.append("        conn_id=").append(py(connId)).append(",\n");
        out.append("        application=STRATA_JAR,\n");
        out.append("        java_class=\"dev.strata.jobs.cli.StrataMain\",\n");
        out.append("        application_args=[\"run\", PIPELINE_DIR, \"--date\", \"{{ ds }}\", \"--layer\", ").append(py(layer.key()))
            .append(", \"--warehouse\", WAREHOUSE, \"--scheduled\", ").append(py(job + "@")).append(" + \"{{ data_interval_end.in_timezone('UTC').strftime('%Y-%m-%dT%H:%M:%SZ') }}\"],\n");
        out.append("        name=").append(py("strata-" + p.name() + "-" + layer.key())).append(",\n");
        out.append("    )\n");
      }
      if (tasks.size() > 1) {
        out.append("    ").append(String.join(" >> ", tasks)).append('\n');
      }
    }
    return out.toString();
  }

  /** The layers a job builds, in order: its own, or every layer the pipeline has tables in. */
  private static List<Layer> layers(Pipeline p, PipelineDefinition.Schedule s) {
    if (s.layer().isPresent()) {
      return List.of(s.layer().get());
    }
    return p.tablesInOrder().stream().map(TableDefinition::layer).distinct().sorted().toList();
  }

  private static String py(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

}
