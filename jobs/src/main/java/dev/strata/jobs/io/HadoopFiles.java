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

  /** A file as listed: where, how big, when last modified. */
  public record FileInfo(String path, long size, long modifiedAt) {}

  /**
   * The data files at a path: the path itself if it is a file, else the files directly in it,
   * skipping hidden and underscore-prefixed names (checksums, markers). Empty if it does not exist.
   */
  public List<String> dataFiles(String path) {
    return dataFileInfos(path).stream().map(FileInfo::path).toList();
  }

  /** {@link #dataFiles} with their sizes and modification times, sorted by path. */
  public List<FileInfo> dataFileInfos(String path) {
    try {
      FileSystem fs = fs(path);
      Path p = new Path(path);
      if (!fs.exists(p)) {
        return List.of();
      }
      FileStatus status = fs.getFileStatus(p);
      if (status.isFile()) {
        return List.of(info(status));
      }
      List<FileInfo> files = new ArrayList<>();
      for (FileStatus s : fs.listStatus(p)) {
        String name = s.getPath().getName();
        if (s.isFile() && !name.startsWith(".") && !name.startsWith("_")) {
          files.add(info(s));
        }
      }
      files.sort(java.util.Comparator.comparing(FileInfo::path));
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The paths a glob pattern matches, sorted; empty if none. */
  public List<String> glob(String pattern) {
    try {
      FileStatus[] found = fs(pattern).globStatus(new Path(pattern));
      List<String> paths = new ArrayList<>();
      for (FileStatus s : found == null ? new FileStatus[0] : found) {
        paths.add(s.getPath().toString());
      }
      paths.sort(null);
      return paths;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Every file under a folder, at any depth, in one recursive listing (on an object store, a few
   * paginated LIST calls rather than one per folder). Empty if the folder does not exist.
   */
  public List<FileInfo> allFiles(String folder) {
    try {
      FileSystem fs = fs(folder);
      Path root = new Path(folder);
      if (!fs.exists(root)) {
        return List.of();
      }
      List<FileInfo> found = new ArrayList<>();
      var it = fs.listFiles(root, true);
      while (it.hasNext()) {
        found.add(info(it.next()));
      }
      return found;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static FileInfo info(FileStatus s) {
    return new FileInfo(s.getPath().toString(), s.getLen(), s.getModificationTime());
  }

  /**
   * The schema a Parquet file's footer declares, as Spark reads it (the footer alone is read).
   */
  public org.apache.spark.sql.types.StructType parquetSchema(String file) {
    try (var reader = org.apache.parquet.hadoop.ParquetFileReader.open(
        org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file), conf))) {
      // Spark's defaults: binary is not assumed text, INT96 is a timestamp, names are case-insensitive,
      // no TIMESTAMP_NTZ inference, nanosecond timestamps are not read as longs.
      return new org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter(false, true, false, false, false)
          .convert(reader.getFooter().getFileMetaData().getSchema());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("Cannot read the Parquet footer of " + file, e);
    }
  }

  /** Whether anything (a file or a folder) is at the path. */
  public boolean exists(String path) {
    try {
      return fs(path).exists(new Path(path));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A whole text file, or empty if there is no such file. */
  public java.util.Optional<String> readText(String file) {
    try {
      Path path = new Path(file);
      if (!fs(file).exists(path)) {
        return java.util.Optional.empty();
      }
      try (var in = fs(file).open(path)) {
        return java.util.Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
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

  /**
   * Renames a file or folder (atomic on a file system, a copy and a delete on an object store).
   *
   * @throws UncheckedIOException if it could not be renamed (the source missing, the target there)
   */
  public void rename(String from, String to) {
    try {
      if (!fs(from).rename(new Path(from), new Path(to))) {
        throw new IOException("could not rename " + from + " to " + to);
      }
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

  /** A path compared without its scheme's spelling ({@code file:/x} and {@code file:///x} are one file). */
  public static String key(String path) {
    return path.replaceFirst("^([a-zA-Z][a-zA-Z0-9+.-]*):/+", "$1:/");
  }
}
