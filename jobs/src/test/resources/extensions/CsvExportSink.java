package com.example.strata;

import dev.strata.api.Options;
import dev.strata.api.Sink;

/**
 * Exports each published partition as one CSV file with a header, to {@code
 * options.path/TABLE/PARTITION/}: the folder is replaced on every delivery, so a partition rebuilt
 * is exported again, never twice.
 */
public final class CsvExportSink implements Sink {
  @Override
  public String name() {
    return "csv_export";
  }

  @Override
  public void validate(Options options) {
    options.require("path");
  }

  @Override
  public Receipt deliver(Delivery delivery, Options options) {
    String folder = options.require("path") + "/" + delivery.table() + "/" + delivery.partition();
    delivery.rows().coalesce(1).write().mode("overwrite").option("header", "true").csv(folder);
    return new Receipt(delivery.rows().count(), folder);
  }
}
