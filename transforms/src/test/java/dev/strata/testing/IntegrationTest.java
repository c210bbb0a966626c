package dev.strata.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test too slow for the unit suite: it starts other JVMs (a Strata process, jshell, Chromium, a
 * Spark cluster), or runs whole pipelines for many partitions. {@code mvn test} leaves it out;
 * {@code mvn verify} runs it with Failsafe, after the unit suite and the jar.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Tag(IntegrationTest.TAG)
public @interface IntegrationTest {
  /** The JUnit tag Surefire excludes and Failsafe selects. */
  String TAG = "integration";
}
