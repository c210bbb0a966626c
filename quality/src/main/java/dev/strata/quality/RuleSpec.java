package dev.strata.quality;

import java.util.Objects;

/**
 * A DQDL rule as a pipeline definition declares it.
 *
 * @param text the rule in DQDL, e.g. {@code IsComplete "customer_id"}
 * @param group what a failure does
 * @param origin where it was declared (file:line), for messages; or {@code "built-in"}
 */
public record RuleSpec(String text, RuleGroup group, String origin) {
  public RuleSpec {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(group, "group");
    Objects.requireNonNull(origin, "origin");
  }
}
