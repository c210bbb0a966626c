package dev.strata.jobs.definition;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.strata.api.Partition;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * A Unix cron expression in a time zone (cron-utils does the calendar arithmetic, DST included).
 * Each fire time closes an interval that began at the previous one; a run for that interval
 * builds the partition of the interval's start.
 */
public final class Cron {
  private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  private final String expression;
  private final ZoneId zone;
  private final ExecutionTime times;

  private Cron(String expression, ZoneId zone) {
    this.expression = expression;
    this.zone = zone;
    this.times = ExecutionTime.forCron(PARSER.parse(expression));
  }

  public static Cron of(String expression, ZoneId zone) {
    return new Cron(expression, zone);
  }

  /** Why an expression is not a Unix cron expression, or null if it is one. */
  public static String problem(String expression) {
    try {
      PARSER.parse(expression).validate();
      return null;
    } catch (IllegalArgumentException e) {
      return "'" + expression + "' is not a Unix cron expression (minute hour day-of-month month day-of-week, e.g. \"0 6 * * *\"): "
          + e.getMessage();
    }
  }

  /** The first fire time strictly after {@code t}. */
  public Optional<Instant> next(Instant t) {
    return times.nextExecution(ZonedDateTime.ofInstant(t, zone)).map(ZonedDateTime::toInstant);
  }

  /** The last fire time at or before {@code t}. */
  public Optional<Instant> latestAtOrBefore(Instant t) {
    ZonedDateTime at = ZonedDateTime.ofInstant(t, zone);
    if (times.isMatch(at) && at.getSecond() == 0 && at.getNano() == 0) {
      return Optional.of(t);
    }
    return times.lastExecution(at).map(ZonedDateTime::toInstant);
  }

  /** The last fire time strictly before {@code t}: where the interval closed by {@code t} began. */
  public Optional<Instant> previous(Instant t) {
    return times.lastExecution(ZonedDateTime.ofInstant(t, zone)).map(ZonedDateTime::toInstant);
  }

  /** The partition the interval closed by {@code fire} builds: the date of the interval's start, in the zone. */
  public Partition partitionFor(Instant fire) {
    return partitionFor(fire, Partition.Granularity.DAY);
  }

  /**
   * The partition the interval closed by {@code fire} builds for tables whose finest granularity is
   * {@code finest}: the hour the interval started in if the schedule fires at least hourly and
   * the tables are hourly; otherwise the date of the interval's start, in the zone (whose hours, or
   * whose month, the tables of other granularities build).
   */
  public Partition partitionFor(Instant fire, Partition.Granularity finest) {
    Instant start = previous(fire).orElse(fire);
    java.time.LocalDateTime local = ZonedDateTime.ofInstant(start, zone).toLocalDateTime();
    if (finest == Partition.Granularity.HOUR && java.time.Duration.between(start, fire).compareTo(java.time.Duration.ofHours(1)) <= 0) {
      return Partition.hour(local);
    }
    return Partition.day(local.toLocalDate());
  }

  public ZoneId zone() {
    return zone;
  }

  @Override
  public String toString() {
    return expression + " (" + zone + ")";
  }
}
