package dev.strata.jobs.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.strata.jobs.definition.DriftPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * How the schema of files that arrived differs from a source's declared schema, nested struct
 * fields included (as dotted paths, {@code address.zip}).
 *
 * <p>A type change is safe when Spark can up-cast the arrived type to the declared one without
 * losing information ({@link Cast#canUpCast}: int to long, float to double, a decimal to a wider
 * one, date to timestamp, anything to string); such a column is read as the declared type.
 *
 * @param added undeclared columns, path to arrived type
 * @param removed declared columns that did not arrive, path to the files missing them
 * @param changed declared columns with another type: path to "arrived -> declared"
 * @param unsafe the paths of {@code changed} that cannot be cast safely
 */
public record SchemaDrift(
    Map<String, String> added, Map<String, List<String>> removed, Map<String, String> changed, List<String> unsafe) {
  public static final SchemaDrift NONE = new SchemaDrift(Map.of(), Map.of(), Map.of(), List.of());

  public boolean any() {
    return !added.isEmpty() || !removed.isEmpty() || !changed.isEmpty();
  }

  /** Removed columns the policy does not approve. */
  public List<String> unapprovedRemovals(DriftPolicy policy) {
    return removed.keySet().stream().filter(p -> !policy.approvedRemovals().contains(p)).toList();
  }

  /** The diff in one line, e.g. {@code added: segment (string); removed: email (approved)}. */
  public String describe(DriftPolicy policy) {
    List<String> parts = new ArrayList<>();
    if (!added.isEmpty()) {
      parts.add("added: " + String.join(", ", added.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")").toList()));
    }
    if (!removed.isEmpty()) {
      parts.add("removed: " + String.join(", ", removed.entrySet().stream()
          .map(e -> e.getKey() + (policy.approvedRemovals().contains(e.getKey()) ? " (approved)" : " (not approved)")
              + " in " + fileNames(e.getValue()))
          .toList()));
    }
    if (!changed.isEmpty()) {
      parts.add("type changed: " + String.join(", ", changed.entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue() + (unsafe.contains(e.getKey()) ? " (cannot be cast safely)" : " (safe widening)"))
          .toList()));
    }
    return String.join("; ", parts);
  }

  private static String fileNames(List<String> files) {
    List<String> names = files.stream().map(f -> f.substring(f.lastIndexOf('/') + 1)).toList();
    return names.size() <= 3 ? String.join(", ", names) : String.join(", ", names.subList(0, 3)) + " and " + (names.size() - 3) + " more";
  }

  /** Compares what one file holds with the declared schema. */
  public static SchemaDrift compare(StructType declared, StructType arrived, String file) {
    Map<String, String> added = new LinkedHashMap<>();
    Map<String, List<String>> removed = new LinkedHashMap<>();
    Map<String, String> changed = new LinkedHashMap<>();
    List<String> unsafe = new ArrayList<>();
    walk("", declared, arrived, file, added, removed, changed, unsafe);
    return new SchemaDrift(added, removed, changed, unsafe);
  }

  private static void walk(
      String prefix, StructType declared, StructType arrived, String file, Map<String, String> added, Map<String, List<String>> removed,
      Map<String, String> changed, List<String> unsafe) {
    for (StructField d : declared.fields()) {
      String path = prefix + d.name();
      StructField a = field(arrived, d.name());
      if (a == null) {
        removed.computeIfAbsent(path, p -> new ArrayList<>()).add(file);
      } else if (d.dataType() instanceof StructType ds && a.dataType() instanceof StructType as) {
        walk(path + ".", ds, as, file, added, removed, changed, unsafe);
      } else if (!d.dataType().equals(a.dataType())) {
        changed.put(path, a.dataType().simpleString() + " -> " + d.dataType().simpleString());
        if (!Cast.canUpCast(a.dataType(), d.dataType())) {
          unsafe.add(path);
        }
      }
    }
    for (StructField a : arrived.fields()) {
      if (field(declared, a.name()) == null) {
        added.put(prefix + a.name(), a.dataType().simpleString());
      }
    }
  }

  /** The diff of several files: every column any of them adds, removes or changes. */
  public static SchemaDrift merge(List<SchemaDrift> diffs) {
    Map<String, String> added = new LinkedHashMap<>();
    Map<String, List<String>> removed = new LinkedHashMap<>();
    Map<String, String> changed = new LinkedHashMap<>();
    List<String> unsafe = new ArrayList<>();
    for (SchemaDrift d : diffs) {
      added.putAll(d.added());
      d.removed().forEach((k, v) -> removed.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
      changed.putAll(d.changed());
      d.unsafe().stream().filter(u -> !unsafe.contains(u)).forEach(unsafe::add);
    }
    return new SchemaDrift(added, removed, changed, unsafe);
  }

  /**
   * The arrived column {@code c} (of type {@code arrived}) in the shape of the target type: struct
   * fields by name, missing ones null, extra ones kept only if the target has them; anything else
   * cast.
   */
  public static Column conform(Column c, DataType arrived, DataType target) {
    if (arrived instanceof StructType as && target instanceof StructType ts) {
      List<Column> fields = new ArrayList<>();
      for (StructField t : ts.fields()) {
        StructField a = field(as, t.name());
        fields.add((a == null ? lit(null).cast(t.dataType()) : conform(c.getField(a.name()), a.dataType(), t.dataType())).as(t.name()));
      }
      return org.apache.spark.sql.functions.when(c.isNull(), lit(null).cast(target))
          .otherwise(org.apache.spark.sql.functions.struct(fields.toArray(Column[]::new)));
    }
    return arrived.equals(target) ? c : c.cast(target);
  }

  /**
   * The schema bronze gets: the declared one, with each accepted added column (top level or
   * nested) appended where it arrived, in the arrived type.
   */
  public static StructType withAdded(StructType declared, StructType arrived) {
    StructType out = new StructType();
    for (StructField d : declared.fields()) {
      StructField a = field(arrived, d.name());
      if (a != null && d.dataType() instanceof StructType ds && a.dataType() instanceof StructType as) {
        out = out.add(d.name(), withAdded(ds, as), true);
      } else {
        out = out.add(d.name(), d.dataType(), true);
      }
    }
    for (StructField a : arrived.fields()) {
      if (field(declared, a.name()) == null) {
        out = out.add(a.name(), a.dataType(), true);
      }
    }
    return out;
  }

  private static StructField field(StructType type, String name) {
    for (StructField f : type.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  /** A top-level column by name, quoted for names with dots. */
  static Column column(String name) {
    return col("`" + name + "`");
  }
}
