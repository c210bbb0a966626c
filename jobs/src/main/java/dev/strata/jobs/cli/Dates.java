package dev.strata.jobs.cli;

import dev.strata.jobs.Errors;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** Parses YYYY-MM-DD option values, with Strata's error (exit 2) for anything else. */
final class Dates {
  private Dates() {}

  static LocalDate parse(String option, String value) {
    try {
      return LocalDate.parse(value.strip());
    } catch (DateTimeParseException e) {
      throw Errors.badDate(option, value);
    }
  }
}
