package com.example.strata;

import dev.strata.api.Check;
import dev.strata.api.CheckInput;
import dev.strata.api.CheckResult;
import dev.strata.api.Options;

/** A check that takes the name of Strata's own volume check: a jar that must be refused, not guessed between. */
public final class ShadowVolumeCheck implements Check {
  @Override
  public String name() {
    return "volume";
  }

  @Override
  public CheckResult evaluate(CheckInput input, Options options) {
    throw new IllegalStateException("never run: its name is taken");
  }
}
