package dev.strata.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A wide fact table as another system would land it: '|'-separated text without a header, 16
 * columns in the shape of TPC-H's lineitem (bigint keys, decimals, dates, one-letter flags, short
 * strings, a free-text comment) and the landing day as a 17th field. Deterministic: the same seed,
 * rows and files give the same bytes. One row in {@link #NULL_KEY_EVERY} has no order key.
 */
final class WideGenerator {
  /** Every this many rows, one has an empty order key (the silver table quarantines it). */
  static final int NULL_KEY_EVERY = 1_000;

  static final String[] COLUMNS = {
    "l_orderkey", "l_linenumber", "l_partkey", "l_suppkey", "l_quantity", "l_extendedprice", "l_discount", "l_tax",
    "l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate", "l_receiptdate", "l_shipinstruct", "l_shipmode", "l_comment"
  };

  private static final String[] INSTRUCT = {"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"};
  private static final String[] MODE = {"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"};
  private static final String[] WORDS = {
    "carefully", "final", "deposits", "detect", "slyly", "regular", "requests", "quickly", "ironic", "pending", "accounts",
    "blithely", "express", "packages", "furiously", "special", "theodolites", "bold", "instructions", "even", "foxes"
  };
  private static final LocalDate EPOCH = LocalDate.of(1992, 1, 2);

  private WideGenerator() {}

  /** The order keys without a value among {@code rows} rows. */
  static long nullKeys(long rows) {
    return rows / NULL_KEY_EVERY;
  }

  /** Writes {@code rows} rows for {@code day} into {@code files} files of {@code folder}; returns the bytes written. */
  static long write(Path folder, LocalDate day, long rows, int files, long seed) throws IOException {
    Files.createDirectories(folder);
    long bytes = 0;
    long perFile = (rows + files - 1) / files;
    for (int f = 0; f < files; f++) {
      long first = f * perFile;
      long last = Math.min(rows, first + perFile);
      Path file = folder.resolve(String.format(Locale.ROOT, "lineitem-%03d.tbl", f));
      SplittableRandom random = new SplittableRandom(seed * 31 + f);
      StringBuilder line = new StringBuilder(256);
      try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII)) {
        for (long r = first; r < last; r++) {
          line.setLength(0);
          row(line, r, random, day);
          out.append(line);
        }
      }
      bytes += Files.size(file);
    }
    return bytes;
  }

  private static void row(StringBuilder s, long r, SplittableRandom random, LocalDate day) {
    long orderKey = r / 4 + 1;
    int quantity = 1 + random.nextInt(50);
    long priceCents = 90_000 + random.nextInt(10_000_000);
    LocalDate ship = EPOCH.plusDays(random.nextInt(2_500));
    if ((r + 1) % NULL_KEY_EVERY != 0) {
      s.append(orderKey);
    }
    s.append('|').append(r % 4 + 1)
        .append('|').append(1 + random.nextInt(200_000))
        .append('|').append(1 + random.nextInt(10_000))
        .append('|').append(quantity).append(".00");
    cents(s.append('|'), priceCents * quantity);
    cents(s.append('|'), random.nextInt(11));
    cents(s.append('|'), random.nextInt(9));
    s.append('|').append("RAN".charAt(random.nextInt(3)))
        .append('|').append("OF".charAt(random.nextInt(2)))
        .append('|').append(ship)
        .append('|').append(ship.plusDays(random.nextInt(60) - 30))
        .append('|').append(ship.plusDays(1 + random.nextInt(30)))
        .append('|').append(INSTRUCT[random.nextInt(INSTRUCT.length)])
        .append('|').append(MODE[random.nextInt(MODE.length)])
        .append('|');
    int words = 2 + random.nextInt(5);
    for (int w = 0; w < words; w++) {
      s.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
    }
    s.append('|').append(day).append('\n');
  }

  /** Hundredths as a decimal: 1234 as 12.34. */
  private static void cents(StringBuilder s, long hundredths) {
    s.append(hundredths / 100).append('.');
    long c = hundredths % 100;
    s.append(c < 10 ? "0" : "").append(c);
  }
}
