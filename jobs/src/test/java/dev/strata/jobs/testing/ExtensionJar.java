package dev.strata.jobs.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A user's extension as a user ships it: a Java source compiled against Strata's public API into a
 * jar of its own, with its {@code META-INF/services} entry, that is on no class path until a test
 * puts it there ({@link #withJar}).
 */
public final class ExtensionJar {
  private ExtensionJar() {}

  /**
   * Compiles the test resource {@code extensions/SOURCE} and packs it into {@code dir/NAME.jar},
   * registered as an implementation of {@code service}.
   *
   * @param implementation the class's fully qualified name
   */
  public static Path build(Path dir, String source, String implementation, Class<?> service) {
    try {
      Path src = dir.resolve("src/" + implementation.replace('.', '/') + ".java");
      Files.createDirectories(src.getParent());
      try (var in = ExtensionJar.class.getClassLoader().getResourceAsStream("extensions/" + source)) {
        Files.write(src, in.readAllBytes());
      }
      Path classes = dir.resolve("classes");
      Files.createDirectories(classes);
      JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
      String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      int status = javac.run(null, null, null, "-proc:none", "--release", "17", "-classpath", classpath, "-d", classes.toString(), src.toString());
      if (status != 0) {
        throw new IllegalStateException("cannot compile " + src + " (javac exit " + status + ")");
      }
      Path jar = dir.resolve(implementation.substring(implementation.lastIndexOf('.') + 1) + ".jar");
      try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
        try (Stream<Path> files = Files.walk(classes)) {
          for (Path f : files.filter(Files::isRegularFile).toList()) {
            out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
            Files.copy(f, out);
            out.closeEntry();
          }
        }
        out.putNextEntry(new JarEntry("META-INF/services/" + service.getName()));
        write(out, implementation + "\n");
        out.closeEntry();
      }
      return jar;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Runs {@code body} with the jars on the thread's context class path, as a job with them added would. */
  public static <T> T withJar(List<Path> jars, Callable<T> body) throws Exception {
    Thread thread = Thread.currentThread();
    ClassLoader before = thread.getContextClassLoader();
    URL[] urls = jars.stream().map(ExtensionJar::url).toArray(URL[]::new);
    try (URLClassLoader loader = new URLClassLoader(urls, before)) {
      thread.setContextClassLoader(loader);
      return body.call();
    } finally {
      thread.setContextClassLoader(before);
    }
  }

  private static URL url(Path p) {
    try {
      return p.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
