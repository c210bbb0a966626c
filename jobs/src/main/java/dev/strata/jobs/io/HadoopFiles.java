package dev.strata.jobs.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Small file operations through Hadoop's FileSystem, so that local paths and object stores behave alike. */
public final class HadoopFiles {
  private final Configuration conf;

  public HadoopFiles(Configuration conf) {
    this.conf = conf;
  }

  private FileSystem fs(String path) throws IOException {
    return FileSystem.get(URI.create(path), conf);
  }

  /**
   * The data files at a path: the path itself if it is a file, else the files directly in it,
   * skipping hidden and underscore-prefixed names (checksums, markers). Empty if it does not exist.
   */
  public List<String> dataFiles(String path) {
    try {
      FileSystem fs = fs(path);
      Path p = new Path(path);
      if (!fs.exists(p)) {
        return List.of();
      }
      FileStatus status = fs.getFileStatus(p);
      if (status.isFile()) {
        return List.of(status.getPath().toString());
      }
      List<String> files = new ArrayList<>();
      for (FileStatus s : fs.listStatus(p)) {
        String name = s.getPath().getName();
        if (s.isFile() && !name.startsWith(".") && !name.startsWith("_")) {
          files.add(s.getPath().toString());
        }
      }
      files.sort(null);
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first line of a text file, or null if it is empty. */
  public String firstLine(String file) {
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(fs(file).open(new Path(file)), StandardCharsets.UTF_8))) {
      return r.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes a whole text file, replacing it. */
  public void writeText(String file, String text) {
    try (OutputStream out = fs(file).create(new Path(file), true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes a path recursively; no error if it is not there. */
  public void delete(String path) {
    try {
      fs(path).delete(new Path(path), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Opens a file for writing, replacing it; for streams too large to hold in memory. */
  public OutputStream create(String file) {
    try {
      FileSystem fs = fs(file);
      fs.setWriteChecksum(false);
      return fs.create(new Path(file), true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
