package dev.strata.jobs.definition;

import java.util.Locale;

/** The medallion layers, in the order data flows through them. */
public enum Layer {
  BRONZE,
  SILVER,
  GOLD;

  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The layer named by a definition or a flag, case-insensitively; null if there is none. */
  public static Layer parse(String text) {
    for (Layer layer : values()) {
      if (layer.key().equalsIgnoreCase(text.strip())) {
        return layer;
      }
    }
    return null;
  }
}
