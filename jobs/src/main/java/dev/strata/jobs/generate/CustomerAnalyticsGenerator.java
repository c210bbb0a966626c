package dev.strata.jobs.generate;

import dev.strata.jobs.io.HadoopFiles;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Generates the customer-analytics data, deterministic for a seed, with defects and late orders at
 * exact rates: the orders into the shop's database ({@link OrdersDatabase}), the support tickets as
 * events on a Kafka topic ({@link TicketsTopic}), the rest as landing files:
 *
 * <ul>
 *   <li>the orders of a landing day: {@code orders} orders reaching the database that day. Of every 200: 20
 *       were placed 1 to 3 days before they landed (late, within the pipeline's lookback), 1 five
 *       days before (beyond it), 6 are cancelled, 1 has no customer, 1 a negative amount, and 2 are
 *       delivered again the next landing day (the same order, twice).
 *   <li>tickets on the {@value TicketsTopic#TOPIC} topic, each stamped with the minute it was
 *       opened: every tenth customer opens a ticket a day, at an hour of their own; a third of these
 *       customers open two a day, always of high priority.
 *   <li>{@code marketing_events/<day>/events.json}: events without a date; 1 in 100 names a campaign
 *       that does not exist.
 *   <li>{@code campaigns/campaigns.csv}: the campaign list, one campaign listed twice.
 * </ul>
 */
public final class CustomerAnalyticsGenerator {
  public static final String[] CAMPAIGNS = {"spring_sale", "loyalty", "win_back", "newsletter", "launch"};
  private static final String[] CHANNELS = {"email", "web", "social", "email", "web"};
  private static final String[] STATUSES = {"completed", "shipped", "pending"};
  private static final String[] EVENT_TYPES = {"email_open", "email_click", "campaign_view"};
  private static final String[] CATEGORIES = {"billing", "delivery", "product", "account"};

  private final HadoopFiles files;
  private final long seed;
  private final int customers;
  private final OrdersDatabase database;
  private final TicketsTopic tickets;

  /**
   * @param customers how many customers order and open tickets
   * @param database where the orders go
   * @param tickets where the support tickets go
   */
  public CustomerAnalyticsGenerator(HadoopFiles files, long seed, int customers, OrdersDatabase database, TicketsTopic tickets) {
    this.files = files;
    this.seed = seed;
    this.customers = customers;
    this.database = database;
    this.tickets = tickets;
  }

  /** What a landing day holds, by kind of row. */
  public record DayCounts(LocalDate date, long orders, long tickets, long events, Map<String, Long> defects) {}

  /** Writes the campaign list unless one is there (it is replaced whole when it changes, not by every generation). */
  public void writeCampaigns(String out) {
    if (files.exists(out + "/campaigns/campaigns.csv")) {
      return;
    }
    StringBuilder csv = new StringBuilder("campaign_id,campaign_name,channel\n");
    for (int i = 0; i < CAMPAIGNS.length; i++) {
      csv.append(CAMPAIGNS[i]).append(',').append(CAMPAIGNS[i].replace('_', ' ')).append(',').append(CHANNELS[i]).append('\n');
    }
    csv.append(CAMPAIGNS[0]).append(',').append(CAMPAIGNS[0].replace('_', ' ')).append(',').append(CHANNELS[0]).append('\n');
    files.writeText(out + "/campaigns/campaigns.csv", csv.toString());
  }

  /** Writes one landing day: its orders into the database, its tickets to the topic and its marketing events under {@code out}. */
  public DayCounts writeDay(String out, LocalDate day, int orders) {
    Map<String, Long> defects = new LinkedHashMap<>();
    long orderRows = writeOrders(day, orders, false, defects);
    java.util.List<TicketsTopic.Ticket> opened = new java.util.ArrayList<>();
    for (int hour = 0; hour < 24; hour++) {
      opened.addAll(tickets(day, hour));
    }
    tickets.send(opened);
    long events = writeEvents(out + "/marketing_events/" + day + "/events.json", day, orders, defects);
    return new DayCounts(day, orderRows, opened.size(), events, defects);
  }

  /**
   * Loads (again) one landing day's orders only, as {@link #writeDay} does, replacing those the
   * database holds for it; with {@code refunds}, 2 in 200 orders placed that day have the status
   * {@code refunded}, which the pipeline does not know (a producer that started sending a new
   * status without telling anyone).
   *
   * @return the rows loaded
   */
  public long writeOrders(LocalDate day, int orders, boolean refunds) {
    return writeOrders(day, orders, refunds, new LinkedHashMap<>());
  }

  /** Whether the {@code i}-th order of a landing day is one of those {@code refunds} marks refunded (placed that day). */
  public static boolean refunded(int i) {
    return i % 200 == 40 || i % 200 == 140;
  }

  /** The order id of the {@code i}-th order landing on a day. */
  public static String orderId(LocalDate landed, int i) {
    return "O" + landed.toString().replace("-", "") + String.format("%06d", i);
  }

  /** How many days before it landed the {@code i}-th order of a day was placed. */
  public static int lateness(int i) {
    int k = i % 200;
    if (k < 20) {
      return 1 + k % 3;
    }
    return k == 20 ? 5 : 0;
  }

  private long writeOrders(LocalDate day, int n, boolean refunds, Map<String, Long> defects) {
    java.util.List<String> lines = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      String line = order(day, i, defects);
      lines.add(refunds && refunded(i) ? line.substring(0, line.lastIndexOf(',') + 1) + "refunded\n" : line);
    }
    // The orders of the day before that are delivered a second time.
    LocalDate before = day.minusDays(1);
    for (int i = 0; i < n; i++) {
      if (i % 200 == 30 || i % 200 == 31) {
        lines.add(order(before, i, null));
        if (defects != null) {
          defects.merge("redelivered", 1L, Long::sum);
        }
      }
    }
    database.replaceDay(day, lines);
    return lines.size();
  }

  /** The line of the {@code i}-th order landing on {@code landed}. */
  private String order(LocalDate landed, int i, Map<String, Long> defects) {
    long h = mix(landed.toEpochDay(), i);
    int k = i % 200;
    int late = lateness(i);
    LocalDateTime placed = landed.minusDays(late).atStartOfDay().plusMinutes(Long.remainderUnsigned(h, 24 * 60));
    String customer = k == 22 ? "" : customerId((int) Long.remainderUnsigned(h >>> 11, customers));
    BigDecimal amount = BigDecimal.valueOf(500 + Long.remainderUnsigned(h >>> 23, 20_000), 2);
    if (k == 23) {
      amount = amount.negate();
    }
    String status = k >= 24 && k < 30 ? "cancelled" : STATUSES[(int) Long.remainderUnsigned(h >>> 37, STATUSES.length)];
    if (defects != null) {
      count(defects, late > 3, "beyond_lookback");
      count(defects, late > 0 && late <= 3, "late_within_lookback");
      count(defects, k == 22, "no_customer");
      count(defects, k == 23, "negative_amount");
      count(defects, status.equals("cancelled"), "cancelled");
    }
    return orderId(landed, i) + "," + customer + "," + placed.toString().replace('T', ' ') + ":00," + amount.toPlainString() + "," + status
        + "\n";
  }

  /** The tickets opened in one hour of a day. */
  private java.util.List<TicketsTopic.Ticket> tickets(LocalDate day, int hour) {
    java.util.List<TicketsTopic.Ticket> opened = new java.util.ArrayList<>();
    // Every tenth customer opens a ticket every day, at an hour of their own; a third of them, always
    // of high priority, a second one twelve hours later.
    for (int c = 0; c < customers; c += 10) {
      boolean high = (c / 10) % 3 == 0;
      int own = (c / 10) % 24;
      boolean second = high && (own + 12) % 24 == hour;
      if (own != hour && !second) {
        continue;
      }
      String priority = high ? "high" : (c / 10) % 3 == 1 ? "medium" : "low";
      LocalDateTime created = day.atTime(hour, (c / 10) % 60);
      String json = String.format("{\"ticket_id\":\"T%s%02d%06d\",\"customer_id\":\"%s\",\"created_date\":\"%s\",\"category\":\"%s\","
              + "\"priority\":\"%s\",\"resolved_date\":null}", day.toString().replace("-", ""), hour, c, customerId(c),
          created.toString().replace('T', ' ') + ":00", CATEGORIES[c % CATEGORIES.length], priority);
      opened.add(new TicketsTopic.Ticket(customerId(c), json, created.toInstant(java.time.ZoneOffset.UTC).toEpochMilli()));
    }
    return opened;
  }

  private long writeEvents(String file, LocalDate day, int orders, Map<String, Long> defects) {
    StringBuilder json = new StringBuilder();
    int n = Math.max(1, orders / 2);
    for (int i = 0; i < n; i++) {
      long h = mix(day.toEpochDay() + 7, i);
      String campaign = i % 100 == 99 ? "unknown_campaign" : CAMPAIGNS[(int) Long.remainderUnsigned(h, CAMPAIGNS.length)];
      count(defects, i % 100 == 99, "unknown_campaign");
      json.append(String.format("{\"event_id\":\"E%s%06d\",\"customer_id\":\"%s\",\"event_type\":\"%s\",\"campaign_id\":\"%s\"}%n",
          day.toString().replace("-", ""), i, customerId((int) Long.remainderUnsigned(h >>> 9, customers)),
          EVENT_TYPES[(int) Long.remainderUnsigned(h >>> 20, EVENT_TYPES.length)], campaign));
    }
    files.writeText(file, json.toString());
    return n;
  }

  private static void count(Map<String, Long> defects, boolean hit, String name) {
    if (hit) {
      defects.merge(name, 1L, Long::sum);
    }
  }

  public static String customerId(int i) {
    return String.format("C%07d", i);
  }

  private long mix(long a, long b) {
    long h = seed * 0x9E3779B97F4A7C15L + a * 0xBF58476D1CE4E5B9L + b * 0x94D049BB133111EBL;
    h ^= h >>> 31;
    h *= 0x9E3779B97F4A7C15L;
    return h ^ (h >>> 29);
  }
}
