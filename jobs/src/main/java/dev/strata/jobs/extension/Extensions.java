package dev.strata.jobs.extension;

import dev.strata.api.Check;
import dev.strata.api.Sink;
import dev.strata.api.SourceFormat;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The extensions on the classpath, by name: the built-in ones and any a jar adds ({@link
 * ServiceLoader}, with the thread's context class loader, so that a notebook's or a program's added
 * jars count). Looked up when a definition is loaded and when a build uses them, never cached: a jar
 * added to a running session is found.
 *
 * @param <T> the extension point: {@link SourceFormat}, {@link Check} or {@link Sink}
 */
public final class Extensions<T> {
  public static final Extensions<SourceFormat> FORMATS = new Extensions<>(SourceFormat.class, SourceFormat::name, "format");
  public static final Extensions<Check> CHECKS = new Extensions<>(Check.class, Check::name, "check");
  public static final Extensions<Sink> SINKS = new Extensions<>(Sink.class, Sink::name, "sink");

  private final Class<T> type;
  private final Function<T, String> name;
  private final String kind;

  private Extensions(Class<T> type, Function<T, String> name, String kind) {
    this.type = type;
    this.name = name;
    this.kind = kind;
  }

  /** Every extension of this point, by name (the first found wins a name). */
  public Map<String, T> all() {
    Map<String, T> byName = new TreeMap<>();
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    for (T e : ServiceLoader.load(type, loader == null ? Extensions.class.getClassLoader() : loader)) {
      byName.putIfAbsent(name.apply(e), e);
    }
    return byName;
  }

  /**
   * The extension of this name.
   *
   * @throws IllegalArgumentException naming the ones there are, if none has the name (a definition
   *     validated in this JVM names only extensions it found)
   */
  public T get(String extension) {
    return named(extension).orElseThrow(() -> new IllegalArgumentException("unknown " + kind + " '" + extension + "'; use one of "
        + all().keySet() + " (or add the jar of a " + type.getName() + " named '" + extension + "' to the classpath)"));
  }

  /** The extension of this name, if one is on the classpath. */
  public Optional<T> named(String extension) {
    return Optional.ofNullable(all().get(extension));
  }
}
