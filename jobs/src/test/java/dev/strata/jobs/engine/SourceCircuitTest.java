package dev.strata.jobs.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import dev.strata.jobs.testing.TinyPipeline;
import dev.strata.testing.IntegrationTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A circuit breaker on a source of files: its bronze builds are its ingests. Two that fail in a
 * row open it; the next run does not build what reads the source (NOT_READY, exit 5, the reason
 * naming the circuit) even though the fault is gone; --reset-circuit closes it and the build runs.
 */
@IntegrationTest
class SourceCircuitTest {
  @TempDir Path dir;

  @Test
  void failedBronzeBuildsOpenTheSourcesCircuitUntilItIsReset() {
    Path wh = dir.resolve("wh");
    String yaml = TinyPipeline.withBronze("guarded_files", "").replace("""
              as_of_date: string
        tables:""", """
              as_of_date: string
            circuit: {failures: 2, cool_down: 1h}
        tables:""");
    Path p = TinyPipeline.define(dir, "guarded_files", yaml, "b.sql", TinyPipeline.BRONZE_SQL);
    TinyPipeline.landRaw(wh, "id,as_of_date\nr1,2024-01-01\n");
    String[] run = {"run", p.toString(), "--date", "2024-01-01", "--warehouse", wh.toString()};

    Cli.Outcome first = Cli.runWithFaults("fail:b:commit:1", run);
    assertThat(first.exit()).as(first.toString()).isEqualTo(4);
    assertThat(first.out()).doesNotContain("is open");
    Cli.Outcome second = Cli.runWithFaults("fail:b:commit:1", run);
    assertThat(second.exit()).as(second.toString()).isEqualTo(4);
    assertThat(second.out()).contains("the circuit of source 'raw' is open: 2 ingests failed in a row");

    // The fault is gone, but the circuit is open: nothing reads the source.
    Cli.Outcome open = Cli.run(run);
    assertThat(open.exit()).as(open.toString()).isEqualTo(5);
    assertThat(open.out()).containsPattern("b +NOT_READY").contains("circuit open for source 'raw' after 2 failed ingests in a row");
    assertThat(Cli.run("status", p.toString(), "--warehouse", wh.toString()).out()).contains("raw: OPEN until");

    Cli.Outcome reset = Cli.run("run", p.toString(), "--date", "2024-01-01", "--warehouse", wh.toString(), "--reset-circuit", "raw");
    assertThat(reset.exit()).as(reset.toString()).isZero();
    assertThat(reset.out()).contains("Circuit of source 'raw' closed by hand").containsPattern("b +PUBLISHED");
    assertThat(Cli.run("status", p.toString(), "--warehouse", wh.toString()).out()).contains("raw: closed");
  }
}
