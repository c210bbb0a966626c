package dev.strata.jobs.ledger;

import dev.strata.jobs.io.HadoopFiles.FileInfo;
import java.util.Map;

/**
 * The landing files a published build of a source's partition read, as the ledger recorded them.
 *
 * @param runId the run that ingested them
 * @param files by {@link dev.strata.jobs.io.HadoopFiles#key} of their path
 */
public record IngestedFiles(String runId, Map<String, FileInfo> files) {}
