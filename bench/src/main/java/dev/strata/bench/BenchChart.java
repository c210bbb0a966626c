package dev.strata.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.text.DecimalFormat;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * docs/benchmarks.png: the costs against their targets, the speed-ups against theirs, and wall
 * time against rows at each scaling size (log-log), one panel each, drawn headless.
 */
final class BenchChart {
  private static final int PANEL_WIDTH = 640;
  private static final int HEIGHT = 480;

  private BenchChart() {}

  static void write(List<Comparison> comparisons, Path png) throws IOException {
    System.setProperty("java.awt.headless", "true");
    DefaultCategoryDataset costs = new DefaultCategoryDataset();
    DefaultCategoryDataset speedups = new DefaultCategoryDataset();
    XYSeries pipeline = new XYSeries("banking pipeline");
    XYSeries copy = new XYSeries("plain copy to Delta");
    XYSeries clusterPipeline = new XYSeries("banking pipeline, cluster");
    XYSeries clusterCopy = new XYSeries("plain copy to Delta, cluster");
    Map<String, Integer> shared = new HashMap<>();
    comparisons.forEach(c -> shared.merge(shortName(c), 1, Integer::sum));
    for (Comparison c : comparisons) {
      if (c.scenario().equals("scaling")) {
        pipeline.add(c.rows(), c.candidateMedian());
        copy.add(c.rows(), c.baselineMedian());
      } else if (c.scenario().equals("scaling-cluster")) {
        clusterPipeline.add(c.rows(), c.candidateMedian());
        clusterCopy.add(c.rows(), c.baselineMedian());
      } else if (!Double.isNaN(c.target())) {
        String label = label(c, shared);
        DefaultCategoryDataset into = c.kind() == Comparison.Kind.COST ? costs : speedups;
        into.addValue(c.ratio(), "measured", label);
        into.addValue(c.target(), "target", label);
      }
    }
    JFreeChart costChart =
        ChartFactory.createBarChart("Costs (candidate / baseline, lower is better)", null, "ratio", costs, PlotOrientation.HORIZONTAL, true, false, false);
    JFreeChart speedChart =
        ChartFactory.createBarChart("Speed-ups (baseline / candidate, higher is better)", null, "×", speedups, PlotOrientation.HORIZONTAL, true, false, false);
    XYSeriesCollection scaling = new XYSeriesCollection();
    for (XYSeries series : List.of(pipeline, copy, clusterPipeline, clusterCopy)) {
      if (!series.isEmpty()) {
        scaling.addSeries(series);
      }
    }
    JFreeChart scalingChart =
        ChartFactory.createXYLineChart("Scaling: wall time against landing rows (log-log)", "rows", "seconds", scaling, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = scalingChart.getXYPlot();
    plot.setDomainAxis(logAxis("landing rows"));
    plot.setRangeAxis(logAxis("seconds"));
    plot.setRenderer(new XYLineAndShapeRenderer(true, true));
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    for (JFreeChart bars : List.of(costChart, speedChart)) {
      CategoryPlot p = bars.getCategoryPlot();
      p.setBackgroundPaint(Color.WHITE);
      p.setRangeGridlinePaint(Color.LIGHT_GRAY);
      BarRenderer renderer = (BarRenderer) p.getRenderer();
      renderer.setBarPainter(new StandardBarPainter());
      renderer.setShadowVisible(false);
      renderer.setSeriesPaint(0, new Color(0x3b6fb6));
      renderer.setSeriesPaint(1, new Color(0xbbbbbb));
    }

    List<JFreeChart> charts = List.of(costChart, speedChart, scalingChart);
    BufferedImage image = new BufferedImage(PANEL_WIDTH * charts.size(), HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    for (int i = 0; i < charts.size(); i++) {
      charts.get(i).draw(g, new Rectangle2D.Double(i * PANEL_WIDTH, 0, PANEL_WIDTH, HEIGHT));
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  /** A base-10 log axis whose ticks read as plain numbers ("1,000,000"), not as powers. */
  private static LogAxis logAxis(String label) {
    LogAxis axis = new LogAxis(label);
    axis.setBase(10);
    axis.setNumberFormatOverride(new DecimalFormat("#,##0.#"));
    return axis;
  }

  /** The comparison's name up to its colon ("gate cost"), and the numbers after it when other lines share that name. */
  private static String label(Comparison c, Map<String, Integer> shared) {
    String shortName = shortName(c);
    if (shared.getOrDefault(shortName, 0) < 2) {
      return shortName;
    }
    String numbers = c.name().substring(shortName.length()).replaceAll("[^0-9 ]", " ").trim().replaceAll(" +", " vs ");
    return shortName + " " + numbers;
  }

  private static String shortName(Comparison c) {
    int colon = c.name().indexOf(':');
    return colon < 0 ? c.name() : c.name().substring(0, colon);
  }
}
