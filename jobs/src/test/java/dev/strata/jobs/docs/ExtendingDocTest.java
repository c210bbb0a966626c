package dev.strata.jobs.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.strata.jobs.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/extending.md shows classes of the test suite: each code block marked {@code <!-- from: PATH
 * -->} must appear, line for line, in that file, so that the documented examples are the ones that
 * compile and are tested.
 */
class ExtendingDocTest {
  private static final Path REPO = Cli.CONF.getParent();
  private static final Pattern BLOCK = Pattern.compile("<!-- from: (\\S+) -->\\n```java\\n(.*?)```", Pattern.DOTALL);

  @Test
  void everyExampleIsCodeOfTheTestSuite() throws IOException {
    String doc = Files.readString(REPO.resolve("docs/extending.md"));
    Matcher m = BLOCK.matcher(doc);
    List<String> checked = new ArrayList<>();
    while (m.find()) {
      Path source = REPO.resolve(m.group(1));
      assertThat(source).as("the file docs/extending.md quotes").exists();
      assertThat(Files.readString(source)).as("%s holds the example docs/extending.md shows from it", m.group(1)).contains(m.group(2));
      checked.add(m.group(1));
    }
    assertThat(checked).as("examples in docs/extending.md").isNotEmpty();
  }
}
