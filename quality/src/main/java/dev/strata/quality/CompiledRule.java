package dev.strata.quality;

import com.amazon.deequ.dqdl.model.ExecutableRule;
import software.amazon.glue.dqdl.model.DQRule;

/**
 * A rule that parsed and that this Deequ can evaluate. Built by {@link Rules#compile(RuleSpec)}.
 */
public final class CompiledRule {
  private final RuleSpec spec;
  private final DQRule dqRule;
  private final ExecutableRule executable;

  CompiledRule(RuleSpec spec, DQRule dqRule, ExecutableRule executable) {
    this.spec = spec;
    this.dqRule = dqRule;
    this.executable = executable;
  }

  public RuleSpec spec() {
    return spec;
  }

  /** The DQDL rule type, e.g. {@code IsComplete} or {@code ReferentialIntegrity}. */
  public String ruleType() {
    return dqRule.getRuleType();
  }

  /** The rule's parameters by name (e.g. TargetColumn, ReferenceDatasetAlias). */
  public java.util.Map<String, String> parameters() {
    return dqRule.getParameters();
  }

  DQRule dqRule() {
    return dqRule;
  }

  ExecutableRule executable() {
    return executable;
  }

  @Override
  public String toString() {
    return spec.text();
  }
}
