package dev.strata.jobs.extension;

import dev.strata.api.Check;
import dev.strata.api.Sink;
import dev.strata.api.SourceFormat;
import dev.strata.api.StrataException;
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

  /**
   * Every extension of this point, by name.
   *
   * @throws StrataException.InvalidException if two different classes on the classpath give the
   *     same name: which one a definition meant cannot be known, so neither is used (a class
   *     registered twice, as when its jar is on the classpath twice, is one extension)
   */
  public Map<String, T> all() {
    Map<String, T> byName = new TreeMap<>();
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    for (T e : ServiceLoader.load(type, loader == null ? Extensions.class.getClassLoader() : loader)) {
      T earlier = byName.putIfAbsent(name.apply(e), e);
      if (earlier != null && !earlier.getClass().getName().equals(e.getClass().getName())) {
        throw new StrataException.InvalidException(
            "Two " + kind + "s on the classpath are named '" + name.apply(e) + "': " + origin(earlier) + " and " + origin(e)
                + ". A definition that names it could mean either. Remove one of the jars from the classpath, or give one of the"
                + " classes another name().",
            null);
      }
    }
    return byName;
  }

  /** A class and the jar (or folder) it was loaded from, for people. */
  private static String origin(Object extension) {
    Class<?> c = extension.getClass();
    java.security.CodeSource source = c.getProtectionDomain() == null ? null : c.getProtectionDomain().getCodeSource();
    return c.getName() + (source == null || source.getLocation() == null ? "" : " (from " + source.getLocation() + ")");
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
