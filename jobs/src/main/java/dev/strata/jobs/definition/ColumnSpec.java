package dev.strata.jobs.definition;

import org.apache.spark.sql.types.DataType;

/** A declared column: its name and Spark SQL type. */
public record ColumnSpec(String name, DataType type) {}
