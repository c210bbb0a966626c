package dev.strata.jobs.engine;

import dev.strata.jobs.definition.Durations;
import dev.strata.jobs.definition.SourceDefinition;
import dev.strata.jobs.ledger.Ledger;
import dev.strata.jobs.ledger.Ledger.SourceAttempt;
import java.time.Instant;
import java.util.List;

/**
 * The circuit breakers of sources that declare one ({@code circuit:}), decided from the ledger's
 * record of their ingests ({@code _strata/ledger/source_attempts}), so that every entry point (a
 * run, a layer, a schedule, a notebook) obeys the same state: closed, open (N ingests failed in a
 * row, the last less than the cool-down ago: nothing touches the source), or half-open (the
 * cool-down has passed: one ingest tries it, and closes or reopens it).
 */
public final class CircuitBreakers {
  /** Starts the reason of a build that waits because its source's circuit is open: such builds alert once, when it opens. */
  public static final String OPEN = dev.strata.jobs.run.TableBuildResult.CIRCUIT_OPEN;

  private final Ledger ledger;
  private final String pipeline;

  public CircuitBreakers(Ledger ledger, String pipeline) {
    this.ledger = ledger;
    this.pipeline = pipeline;
  }

  /** Where a breaker stands. */
  public enum Kind {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  /**
   * A breaker's state.
   *
   * @param failures ingests that failed in a row (since the last success or reset)
   * @param openUntil when an open breaker lets one ingest try again (null unless open or half-open)
   * @param lastFailure why the last ingest failed, or null
   */
  public record State(Kind kind, int failures, Instant openUntil, String lastFailure) {
    /** Why the source's tables wait, for a build's message. */
    public String reason(String source) {
      return OPEN + " for source '" + source + "' after " + failures + " failed ingests in a row (the last: " + lastFailure + "); nothing"
          + " touches it until " + openUntil.truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ", then one ingest tries it again (strata run --reset-circuit " + source + " closes it now)";
    }
  }

  /** The state of a source's breaker at {@code now}; CLOSED for a source without one. */
  public State state(SourceDefinition source, Instant now) {
    SourceDefinition.Circuit circuit = source.circuit();
    if (circuit == null) {
      return new State(Kind.CLOSED, 0, null, null);
    }
    return state(circuit, ledger.sourceAttempts(pipeline, source.name()), now);
  }

  /** The state from a source's attempts, newest first. */
  static State state(SourceDefinition.Circuit circuit, List<SourceAttempt> attempts, Instant now) {
    int failures = 0;
    SourceAttempt last = null;
    for (SourceAttempt a : attempts) {
      if (!a.outcome().equals(SourceAttempt.FAILED)) {
        break;
      }
      if (last == null) {
        last = a;
      }
      failures++;
    }
    if (failures < circuit.failures()) {
      return new State(Kind.CLOSED, failures, null, last == null ? null : last.message());
    }
    Instant until = last.at().plus(circuit.coolDown());
    return new State(now.isBefore(until) ? Kind.OPEN : Kind.HALF_OPEN, failures, until, last.message());
  }

  /**
   * Records an ingest's outcome and says what it did to the breaker: the text of an alert-worthy
   * change (it opened), or null.
   */
  public String record(SourceDefinition source, String runId, boolean ok, String message, Instant at) {
    if (source.circuit() == null) {
      return null;
    }
    if (ok) {
      ledger.sourceAttempt(pipeline, source.name(), runId, SourceAttempt.OK, null, at);
      return null;
    }
    int failures = state(source, at).failures() + 1;
    ledger.sourceAttempt(pipeline, source.name(), runId, SourceAttempt.FAILED, message, at);
    if (failures >= source.circuit().failures()) {
      return "the circuit of source '" + source.name() + "' is open: " + failures + " ingests failed in a row; its tables wait without"
          + " touching it for " + Durations.format(source.circuit().coolDown()) + " (until " + at.plus(source.circuit().coolDown())
          .truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "), then one ingest tries it again";
    }
    return null;
  }

  /** Closes a source's breaker by hand ({@code strata run --reset-circuit}). */
  public void reset(SourceDefinition source, String runId, Instant at) {
    ledger.sourceAttempt(pipeline, source.name(), runId, SourceAttempt.RESET, "closed by hand", at);
  }
}
