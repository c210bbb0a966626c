package dev.strata.jobs.openlineage;

import dev.strata.api.BuildStatus;
import dev.strata.api.Partition;
import dev.strata.jobs.definition.Pipeline;
import dev.strata.jobs.definition.TableDefinition;
import dev.strata.jobs.io.TableCatalog;
import dev.strata.jobs.io.Warehouse;
import dev.strata.jobs.run.RunResult;
import dev.strata.jobs.run.TableBuildResult;
import dev.strata.quality.RuleResult;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClient;
import io.openlineage.client.transports.FileConfig;
import io.openlineage.client.transports.FileTransport;
import io.openlineage.client.transports.HttpConfig;
import io.openlineage.client.transports.HttpTransport;
import io.openlineage.client.transports.ApiKeyTokenProvider;
import io.openlineage.client.transports.Transport;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * OpenLineage events of a run, sent with the official client ({@code openlineage-java}) where the
 * platform already looks for lineage (Marquez, DataHub, OpenMetadata, a cloud catalog): a START and
 * a COMPLETE or FAIL for the run (job {@code <pipeline>}) and for each table build (job {@code
 * <pipeline>.<table>}, its run's child through the parent facet), with the build's input and output
 * datasets (namespace and name from their storage URI, the catalog name as a symlink), the output's
 * schema, its rules and their outcomes (the data-quality assertions facet), and its rows and bytes
 * (output statistics). A build its gate blocked is a FAIL with the rule that decided.
 *
 * <p>Configured from the environment, like the client's own integrations: {@code OPENLINEAGE_URL}
 * (HTTP, to {@code OPENLINEAGE_ENDPOINT}, default {@code api/v1/lineage}) with {@code
 * OPENLINEAGE_API_KEY} or {@code OPENLINEAGE_API_KEY_FILE}, or {@code OPENLINEAGE_FILE} (one event
 * per line); {@code OPENLINEAGE_NAMESPACE} names the jobs' namespace (default {@code strata});
 * without any, nothing is sent. Lineage never decides a run: an event that cannot be sent is one
 * warning (the URL without credentials, never the key), and the run goes on.
 */
public final class LineageEvents {
  /** No events: lineage is not configured. */
  public static final LineageEvents NONE = new LineageEvents(null, null, null, null, null, null);

  private static final URI PRODUCER = URI.create("https://github.com/strata-dev/strata");

  private final OpenLineageClient client;
  private final OpenLineage ol;
  private final String namespace;
  private final String target;
  private final PrintWriter out;
  private final Context context;
  private final AtomicBoolean warned = new AtomicBoolean();
  /** What a message must never show: the URL as given (it may carry credentials) and the API key. */
  private final List<String> secrets = new ArrayList<>();

  /** What the events of one run describe. */
  private record Context(SparkSession spark, Pipeline pipeline, Warehouse warehouse, TableCatalog catalog) {}

  private LineageEvents(OpenLineageClient client, String namespace, String target, PrintWriter out, Context context, OpenLineage ol) {
    this.client = client;
    this.namespace = namespace;
    this.target = target;
    this.out = out;
    this.context = context;
    this.ol = ol;
  }

  /**
   * The events of a run of {@code pipeline}, sent where the environment says, or {@link #NONE}.
   *
   * @throws IllegalArgumentException if the settings name no usable endpoint (a URL that is not one, an unreadable key file)
   */
  public static LineageEvents of(Map<String, String> env, SparkSession spark, Pipeline pipeline, Warehouse warehouse, TableCatalog catalog,
      PrintWriter out) {
    String url = setting(env, "OPENLINEAGE_URL");
    String file = setting(env, "OPENLINEAGE_FILE");
    if (url == null && file == null) {
      return NONE;
    }
    Transport transport;
    String target;
    if (url != null) {
      URI uri;
      try {
        uri = URI.create(url);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("OPENLINEAGE_URL is not a URL: " + e.getMessage(), e);
      }
      HttpConfig config = new HttpConfig();
      config.setUrl(uri);
      config.setEndpoint(Optional.ofNullable(setting(env, "OPENLINEAGE_ENDPOINT")).orElse("api/v1/lineage"));
      config.setTimeoutInMillis(5000);
      String key = setting(env, "OPENLINEAGE_API_KEY");
      String keyFile = setting(env, "OPENLINEAGE_API_KEY_FILE");
      if (key == null && keyFile != null) {
        try {
          key = Files.readString(Path.of(keyFile), StandardCharsets.UTF_8).strip();
        } catch (java.io.IOException e) {
          throw new IllegalArgumentException("OPENLINEAGE_API_KEY_FILE " + keyFile + " cannot be read: " + e.getMessage(), e);
        }
      }
      if (key != null) {
        ApiKeyTokenProvider auth = new ApiKeyTokenProvider();
        auth.setApiKey(key);
        config.setAuth(auth);
      }
      transport = new HttpTransport(config);
      // Where events go, for messages: scheme, host and port only (a URL may carry credentials).
      target = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    } else {
      FileConfig config = new FileConfig();
      config.setLocation(file);
      transport = new FileTransport(config);
      target = file;
    }
    String namespace = Optional.ofNullable(setting(env, "OPENLINEAGE_NAMESPACE")).orElse("strata");
    LineageEvents events = new LineageEvents(OpenLineageClient.builder().transport(transport).build(), namespace, target, out,
        new Context(spark, pipeline, warehouse, catalog), new OpenLineage(PRODUCER));
    for (String secret : new String[] {url, setting(env, "OPENLINEAGE_API_KEY")}) {
      if (secret != null) {
        events.secrets.add(secret);
      }
    }
    return events;
  }

  private static String setting(Map<String, String> env, String name) {
    String v = env.get(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  public boolean enabled() {
    return client != null;
  }

  /** The OpenLineage run id of a Strata run: a name-based UUID, the same for every event of it. */
  static UUID runUuid(String runId) {
    return UUID.nameUUIDFromBytes(("strata:" + runId).getBytes(StandardCharsets.UTF_8));
  }

  static UUID buildUuid(String runId, String table, Partition partition, int attempt) {
    return UUID.nameUUIDFromBytes(("strata:" + runId + ":" + table + ":" + partition + ":" + attempt).getBytes(StandardCharsets.UTF_8));
  }

  /** The run started. */
  public void runStarted(String runId, List<Partition> partitions, Instant at) {
    if (!enabled()) {
      return;
    }
    emit(() -> ol.newRunEventBuilder().eventType(OpenLineage.RunEvent.EventType.START).eventTime(time(at))
        .run(ol.newRunBuilder().runId(runUuid(runId)).facets(runFacets(partitions, null)).build())
        .job(job(context.pipeline().name(), "DAG"))
        .inputs(List.of()).outputs(List.of()).build());
  }

  /** The run ended: COMPLETE if it published everything, else FAIL. */
  public void runEnded(RunResult run) {
    if (!enabled()) {
      return;
    }
    boolean ok = run.exitCode() == 0;
    emit(() -> ol.newRunEventBuilder().eventType(ok ? OpenLineage.RunEvent.EventType.COMPLETE : OpenLineage.RunEvent.EventType.FAIL)
        .eventTime(time(run.endedAt()))
        .run(ol.newRunBuilder().runId(runUuid(run.runId()))
            .facets(runFacets(run.partitions(), ok ? null : "run " + run.runId() + " exited " + run.exitCode())).build())
        .job(job(context.pipeline().name(), "DAG"))
        .inputs(List.of()).outputs(List.of()).build());
  }

  /** A build of a table partition started (its first attempt). */
  public void buildStarted(String runId, TableDefinition table, Partition partition, Instant at) {
    if (!enabled()) {
      return;
    }
    emit(() -> ol.newRunEventBuilder().eventType(OpenLineage.RunEvent.EventType.START).eventTime(time(at))
        .run(ol.newRunBuilder().runId(buildUuid(runId, table.name(), partition, 1)).facets(buildFacets(runId, partition, null)).build())
        .job(job(context.pipeline().name() + "." + table.name(), "TABLE"))
        .inputs(inputs(table)).outputs(List.of(output(table, null))).build());
  }

  /**
   * A build ended: COMPLETE if it published, FAIL if its gate blocked it or it failed (with why);
   * anything else (upstream not ready, locked) is an ABORT.
   */
  public void buildEnded(String runId, TableDefinition table, TableBuildResult build, Instant at) {
    if (!enabled()) {
      return;
    }
    OpenLineage.RunEvent.EventType type = switch (build.status()) {
      case PUBLISHED -> OpenLineage.RunEvent.EventType.COMPLETE;
      case BLOCKED, FAILED, INVALID -> OpenLineage.RunEvent.EventType.FAIL;
      default -> OpenLineage.RunEvent.EventType.ABORT;
    };
    String error = type == OpenLineage.RunEvent.EventType.COMPLETE ? null : build.status() + ": " + build.message();
    // Every attempt is one OpenLineage run of the build's job; the START was the first attempt's.
    emit(() -> ol.newRunEventBuilder().eventType(type).eventTime(time(at))
        .run(ol.newRunBuilder().runId(buildUuid(runId, table.name(), build.partition(), 1))
            .facets(buildFacets(runId, build.partition(), error)).build())
        .job(job(context.pipeline().name() + "." + table.name(), "TABLE"))
        .inputs(inputs(table)).outputs(List.of(output(table, build))).build());
  }

  private OpenLineage.Job job(String name, String type) {
    return ol.newJobBuilder().namespace(namespace).name(name)
        .facets(ol.newJobFacetsBuilder().jobType(ol.newJobTypeJobFacetBuilder().processingType("BATCH").integration("STRATA").jobType(type)
            .build()).build())
        .build();
  }

  private OpenLineage.RunFacets runFacets(List<Partition> partitions, String error) {
    OpenLineage.RunFacetsBuilder facets = ol.newRunFacetsBuilder()
        .processing_engine(ol.newProcessingEngineRunFacetBuilder().name("strata").version(version())
            .openlineageAdapterVersion(OpenLineage.class.getPackage().getImplementationVersion()).build());
    if (!partitions.isEmpty() && !partitions.get(0).isWhole()) {
      facets.nominalTime(ol.newNominalTimeRunFacetBuilder().nominalStartTime(time(partitions.get(0).start().toInstant(ZoneOffset.UTC)))
          .nominalEndTime(time(partitions.get(partitions.size() - 1).end().toInstant(ZoneOffset.UTC))).build());
    }
    if (error != null) {
      facets.errorMessage(ol.newErrorMessageRunFacetBuilder().message(error).programmingLanguage("JAVA").build());
    }
    return facets.build();
  }

  private OpenLineage.RunFacets buildFacets(String runId, Partition partition, String error) {
    OpenLineage.RunFacets base = runFacets(List.of(partition), error);
    OpenLineage.RunFacetsBuilder facets = ol.newRunFacetsBuilder()
        .parent(ol.newParentRunFacetBuilder()
            .run(ol.newParentRunFacetRunBuilder().runId(runUuid(runId)).build())
            .job(ol.newParentRunFacetJobBuilder().namespace(namespace).name(context.pipeline().name()).build()).build())
        .processing_engine(base.getProcessing_engine());
    if (base.getNominalTime() != null) {
      facets.nominalTime(base.getNominalTime());
    }
    if (base.getErrorMessage() != null) {
      facets.errorMessage(base.getErrorMessage());
    }
    return facets.build();
  }

  private List<OpenLineage.InputDataset> inputs(TableDefinition table) {
    List<OpenLineage.InputDataset> inputs = new ArrayList<>();
    for (String input : table.inputs()) {
      Dataset d = inputDataset(input);
      OpenLineage.InputDatasetBuilder in = ol.newInputDatasetBuilder().namespace(d.namespace()).name(d.name());
      if (context.pipeline().isTable(input)) {
        in.facets(tableFacets(context.pipeline().table(input), null, false));
      }
      inputs.add(in.build());
    }
    return inputs;
  }

  /**
   * An input's dataset: a table by its location; a source of files by its folder (the path above
   * its first token, as its listing reads it); any other source by its name in the pipeline.
   */
  private Dataset inputDataset(String input) {
    if (context.pipeline().isTable(input)) {
      TableDefinition t = context.pipeline().table(input);
      return dataset(context.warehouse().tablePath(t.layer(), t.name()));
    }
    return context.pipeline().definition().source(input).filter(s -> s.path() != null)
        .map(s -> dataset(context.warehouse().resolve(s.template().root())))
        .orElse(new Dataset("strata-source", context.pipeline().name() + "." + input));
  }

  private OpenLineage.OutputDataset output(TableDefinition table, TableBuildResult build) {
    Dataset d = dataset(context.warehouse().tablePath(table.layer(), table.name()));
    OpenLineage.OutputDatasetOutputFacetsBuilder outFacets = ol.newOutputDatasetOutputFacetsBuilder();
    if (build != null && build.status() == BuildStatus.PUBLISHED) {
      OpenLineage.OutputStatisticsOutputDatasetFacetBuilder stats = ol.newOutputStatisticsOutputDatasetFacetBuilder()
          .rowCount(build.counts().published());
      if (build.metrics().bytesWritten() >= 0) {
        stats.size(build.metrics().bytesWritten());
      }
      if (build.metrics().filesWritten() >= 0) {
        stats.fileCount(build.metrics().filesWritten());
      }
      outFacets.outputStatistics(stats.build());
    }
    return ol.newOutputDatasetBuilder().namespace(d.namespace()).name(d.name()).facets(tableFacets(table, build, true))
        .outputFacets(outFacets.build()).build();
  }

  /** Per SQL table, its column lineage (computed once per run: the query and its inputs' columns do not change within one). */
  private final Map<String, Optional<OpenLineage.ColumnLineageDatasetFacet>> columnLineage = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A SQL table's column lineage, from the query's analyzed plan; empty for a Java transform or a
   * history (table level only), or if an input's columns are not known yet.
   */
  private Optional<OpenLineage.ColumnLineageDatasetFacet> columnLineage(TableDefinition table) {
    if (table.sqlFile() == null || table.isHistory()) {
      return Optional.empty();
    }
    return columnLineage.computeIfAbsent(table.name(), t -> {
      Map<String, StructType> schemas = new java.util.LinkedHashMap<>();
      Map<String, Dataset> datasets = new java.util.HashMap<>();
      for (String input : table.inputs()) {
        Optional<StructType> schema;
        if (context.pipeline().isTable(input)) {
          TableDefinition in = context.pipeline().table(input);
          schema = schema(context.warehouse().tablePath(in.layer(), in.name()));
        } else {
          schema = context.pipeline().definition().source(input).map(src -> dev.strata.jobs.io.SourceReader.declared(src, false));
        }
        datasets.put(input, inputDataset(input));
        if (schema.isEmpty()) {
          return Optional.empty();
        }
        schemas.put(input, schema.get());
      }
      try {
        OpenLineage.ColumnLineageDatasetFacetFieldsBuilder fields = ol.newColumnLineageDatasetFacetFieldsBuilder();
        SqlColumnLineage.of(context.spark(), context.pipeline().sql(table.name()), schemas).forEach((column, origins) -> {
          if (!origins.isEmpty()) {
            fields.put(column, ol.newColumnLineageDatasetFacetFieldsAdditionalBuilder().inputFields(origins.stream()
                .map(o -> ol.newInputFieldBuilder().namespace(datasets.get(o.input()).namespace()).name(datasets.get(o.input()).name())
                    .field(o.column()).build())
                .toList()).build());
          }
        });
        return Optional.of(ol.newColumnLineageDatasetFacetBuilder().fields(fields.build()).build());
      } catch (RuntimeException e) {
        // Lineage is a description, never a reason to fail: a query Spark cannot analyse alone is table-level.
        return Optional.empty();
      }
    });
  }

  /**
   * A table's facets: its schema as its log has it, its catalog name, and, once built, its rules'
   * outcomes; as a build's output, its column lineage.
   */
  private OpenLineage.DatasetFacets tableFacets(TableDefinition table, TableBuildResult build, boolean output) {
    OpenLineage.DatasetFacetsBuilder facets = ol.newDatasetFacetsBuilder();
    if (output) {
      columnLineage(table).ifPresent(facets::columnLineage);
    }
    schema(context.warehouse().tablePath(table.layer(), table.name())).ifPresent(s -> facets.schema(ol.newSchemaDatasetFacetBuilder()
        .fields(java.util.Arrays.stream(s.fields()).map(this::field).toList()).build()));
    context.catalog().name(table).ifPresent(name -> facets.symlinks(ol.newSymlinksDatasetFacetBuilder().identifiers(List.of(
        ol.newSymlinksDatasetFacetIdentifiersBuilder().namespace(catalogNamespace()).name(name).type("TABLE").build())).build()));
    if (build != null && build.gate() != null && (!build.gate().results().isEmpty() || build.counts().quarantined() >= 0)) {
      List<OpenLineage.DataQualityAssertionsDatasetFacetAssertions> assertions = new ArrayList<>();
      for (RuleResult r : build.gate().results()) {
        assertions.add(assertion(r.spec().text(), r.outcome() == RuleResult.Outcome.PASSED));
      }
      if (build.counts().quarantined() >= 0) {
        // Row-level rules: a rule holds where it quarantined no row (the rows it rejected are in the quarantine, with it as their reason).
        table.rules().stream().filter(r -> r.group() == dev.strata.quality.RuleGroup.QUARANTINE).forEach(r ->
            assertions.add(assertion(r.text(), build.counts().quarantinedByRule().getOrDefault(r.text(), 0L) == 0)));
      }
      // The spec files this facet among an input's (assertions a check makes on what it reads); the
      // gate checks the table's new rows before they are published, so the facet is the output's.
      facets.put("dataQualityAssertions", new GateAssertions(ol.newDataQualityAssertionsDatasetFacetBuilder().assertions(assertions).build()));
    }
    return facets.build();
  }

  private OpenLineage.DataQualityAssertionsDatasetFacetAssertions assertion(String rule, boolean success) {
    OpenLineage.DataQualityAssertionsDatasetFacetAssertionsBuilder a = ol.newDataQualityAssertionsDatasetFacetAssertionsBuilder()
        .assertion(rule).success(success);
    firstColumn(rule).ifPresent(a::column);
    return a.build();
  }

  private OpenLineage.SchemaDatasetFacetFields field(StructField f) {
    return ol.newSchemaDatasetFacetFieldsBuilder().name(f.name()).type(f.dataType().simpleString()).build();
  }

  private Optional<StructType> schema(String path) {
    try {
      return dev.strata.jobs.io.DeltaTables.exists(context.spark(), path)
          ? Optional.of(context.spark().read().format("delta").load(path).schema()) : Optional.empty();
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The first quoted column a DQDL rule names ({@code IsComplete "id"}: id). */
  private static Optional<String> firstColumn(String rule) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"([^\"]+)\"").matcher(rule);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private String catalogNamespace() {
    String impl = context.spark().conf().get("spark.sql.catalogImplementation", "in-memory");
    return "hive".equals(impl) ? "hive://" + context.spark().conf().get("spark.hadoop.hive.metastore.uris", "local") : "spark_catalog";
  }

  /** The data-quality assertions facet of a table's gate, on the table the gate decided about. */
  public static final class GateAssertions extends OpenLineage.DefaultDatasetFacet {
    private final OpenLineage.DataQualityAssertionsDatasetFacet standard;

    GateAssertions(OpenLineage.DataQualityAssertionsDatasetFacet standard) {
      super(standard.get_producer(), null);
      this.standard = standard;
    }

    @Override
    public URI get_schemaURL() {
      return standard.get_schemaURL();
    }

    public List<OpenLineage.DataQualityAssertionsDatasetFacetAssertions> getAssertions() {
      return standard.getAssertions();
    }
  }

  /** A dataset's namespace and name, from its storage URI as the OpenLineage naming spec has them. */
  record Dataset(String namespace, String name) {}

  static Dataset dataset(String location) {
    URI uri = URI.create(location.replace(" ", "%20"));
    if (uri.getScheme() == null || uri.getScheme().equals("file")) {
      return new Dataset("file", uri.getPath());
    }
    String authority = uri.getAuthority() == null ? "" : uri.getAuthority();
    // s3a:// and s3n:// are how Hadoop reaches S3; the dataset is the same S3 object.
    String scheme = uri.getScheme().startsWith("s3") ? "s3" : uri.getScheme();
    return new Dataset(scheme + "://" + authority, uri.getPath().replaceAll("^/", ""));
  }

  private static ZonedDateTime time(Instant at) {
    return at.atZone(ZoneOffset.UTC);
  }

  private static String version() {
    String v = LineageEvents.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private void emit(java.util.function.Supplier<OpenLineage.RunEvent> event) {
    try {
      client.emit(event.get());
    } catch (RuntimeException e) {
      if (warned.compareAndSet(false, true)) {
        String why = dev.strata.jobs.Errors.rootMessage(e);
        for (String secret : secrets) {
          why = why.replace(secret, "***");
        }
        synchronized (out) {
          out.println("Warning: OpenLineage events could not be sent to " + target + " (" + why
              + "); the run goes on, and its lineage is in the ledger as always. Further failures of this run are not repeated.");
          out.flush();
        }
      }
    }
  }
}
