package com.example.strata;

import static org.apache.spark.sql.functions.col;

import dev.strata.api.Check;
import dev.strata.api.CheckInput;
import dev.strata.api.Options;
import org.apache.spark.sql.Column;

/** Row-level: a column's value must match a regular expression. Options: {@code column}, {@code regex}. */
public final class MatchesCheck implements Check {
  @Override
  public String name() {
    return "matches";
  }

  @Override
  public Scope scope() {
    return Scope.ROW;
  }

  @Override
  public String describe(Options options) {
    return "Matches \"" + options.require("column") + "\" \"" + options.require("regex") + "\"";
  }

  @Override
  public void validate(Options options) {
    options.require("column");
    java.util.regex.Pattern.compile(options.require("regex"));
  }

  @Override
  public Column failing(CheckInput input, Options options) {
    Column value = col(options.require("column"));
    return value.isNull().or(value.rlike(options.require("regex")).unary_$bang());
  }
}
