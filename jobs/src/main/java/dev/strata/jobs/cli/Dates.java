package dev.strata.jobs.cli;

import dev.strata.jobs.Errors;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** Parses dates and partitions of options, with Strata's error (exit 2) for anything else. */
final class Dates {
  private Dates() {}

  /** A partition as the command line writes it: a day, an hour ({@code 2024-01-31T07}) or a month ({@code 2024-01}). */
  static dev.strata.api.Partition partition(String option, String value) {
    try {
      dev.strata.api.Partition p = dev.strata.api.Partition.parse(value.strip());
      if (p.isWhole()) {
        throw new IllegalArgumentException("all");
      }
      return p;
    } catch (IllegalArgumentException e) {
      throw Errors.badPartition(option, value);
    }
  }

  /** {@code --scheduled JOB@INSTANT}: the interval of a scheduled job a command runs as. */
  static dev.strata.jobs.run.RunRequest.Scheduled scheduled(String text) {
    int at = text.lastIndexOf('@');
    try {
      Errors.check(at > 0, "--scheduled '%s': expected JOB@INSTANT.", text);
      return new dev.strata.jobs.run.RunRequest.Scheduled(text.substring(0, at), java.time.Instant.parse(text.substring(at + 1)));
    } catch (DateTimeParseException e) {
      throw Errors.invalid("--scheduled '%s': the fire time is not an ISO instant such as 2024-01-02T06:00:00Z.", text);
    }
  }

  static LocalDate parse(String option, String value) {
    try {
      return LocalDate.parse(value.strip());
    } catch (DateTimeParseException e) {
      throw Errors.badDate(option, value);
    }
  }
}
