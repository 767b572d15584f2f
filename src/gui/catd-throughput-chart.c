/* catd-throughput-chart.c - actas per 15 minutes per stage, as a line chart
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "catd-throughput-chart.h"
#include "catd-time.h"

/* One line per stage over the quarters of an hour of the window, drawn
 * with cairo through GtkSnapshot: a legend with each stage's total on top,
 * the count axis on the left with round steps, the hours (central Mexico
 * time) below. The colours are GNOME's palette, readable on light and dark
 * styles; the text and the grid take the widget's own colour. */

struct _CatdThroughputChart
{
  GtkWidget       parent_instance;

  CatdThroughput *data;
};

G_DEFINE_FINAL_TYPE (CatdThroughputChart, catd_throughput_chart, GTK_TYPE_WIDGET)

static const GdkRGBA stage_colors[CATD_N_STAGES] = {
  { 0.208, 0.518, 0.894, 1.0 },   /* blue 3 */
  { 0.902, 0.380, 0.000, 1.0 },   /* orange 5 */
  { 0.180, 0.761, 0.494, 1.0 },   /* green 4 */
  { 0.569, 0.255, 0.675, 1.0 },   /* purple 3 */
};

#define MARGIN_LEFT    8
#define MARGIN_RIGHT   16
#define LEGEND_HEIGHT  28
#define AXIS_HEIGHT    28
#define MIN_LABEL_GAP  56.0

const char *
catd_throughput_chart_stage_label (CatdStage stage)
{
  switch (stage)
    {
    case CATD_STAGE_ACOPIO:
      return _("Registration");
    case CATD_STAGE_DIGITALIZACION:
      return _("Digitization");
    case CATD_STAGE_CAPTURA:
      return _("First capture");
    case CATD_STAGE_VERIFICACION:
      return _("Verification");
    default:
      g_return_val_if_reached (NULL);
    }
}

/* The smallest of 1, 2, 5 × 10^k at or above @max / @steps, times @steps. */
static guint
nice_ceiling (guint  max,
              guint  steps,
              guint *step_out)
{
  double raw = MAX (1.0, (double)max / steps);
  double magnitude = pow (10, floor (log10 (raw)));
  double step;

  if (raw <= magnitude)
    step = magnitude;
  else if (raw <= 2 * magnitude)
    step = 2 * magnitude;
  else if (raw <= 5 * magnitude)
    step = 5 * magnitude;
  else
    step = 10 * magnitude;
  *step_out = (guint)step;
  return (guint)step * steps;
}

/* "hh:mm" of a bucket's start, in central Mexico time. */
static char *
bucket_time (gint64 usec)
{
  g_autofree char *iso = catd_time_to_iso (usec);
  g_autofree char *local = catd_time_to_mexico (iso);

  /* dd/mm/yyyy hh:mm:ss */
  return local && strlen (local) >= 16 ? g_strndup (local + 11, 5) : g_strdup ("");
}

static void
text_at (cairo_t     *cr,
         PangoLayout *layout,
         const char  *text,
         double       x,
         double       y,
         double       xalign,
         double       yalign)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, x - w * xalign, y - h * yalign);
  pango_cairo_show_layout (cr, layout);
}

static void
draw_legend (CatdThroughputChart *self,
             cairo_t             *cr,
             PangoLayout         *layout,
             const GdkRGBA       *fg,
             double               x)
{
  for (CatdStage s = 0; s < CATD_N_STAGES; s++)
    {
      g_autofree char *text = NULL;
      int w, h;

      /* TRANSLATORS: a stage of the chart's legend and its total in the window */
      text = g_strdup_printf (_("%s (%u)"), catd_throughput_chart_stage_label (s),
                              self->data ? self->data->totals[s] : 0);
      gdk_cairo_set_source_rgba (cr, &stage_colors[s]);
      cairo_rectangle (cr, x, LEGEND_HEIGHT / 2.0 - 5, 10, 10);
      cairo_fill (cr);
      gdk_cairo_set_source_rgba (cr, fg);
      pango_layout_set_text (layout, text, -1);
      pango_layout_get_pixel_size (layout, &w, &h);
      cairo_move_to (cr, x + 16, LEGEND_HEIGHT / 2.0 - h / 2.0);
      pango_cairo_show_layout (cr, layout);
      x += 16 + w + 24;
    }
}

static void
catd_throughput_chart_snapshot (GtkWidget   *widget,
                                GtkSnapshot *snapshot)
{
  CatdThroughputChart *self = CATD_THROUGHPUT_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  const CatdThroughput *t = self->data;
  cairo_t *cr;
  GdkRGBA fg;
  double left, top, plot_w, plot_h, slot;
  guint top_value, step, label_every;
  int label_w = 0, label_h = 0;

  if (width <= 0 || height <= 0)
    return;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw_legend (self, cr, layout, &fg, MARGIN_LEFT);

  if (t == NULL || t->n_buckets == 0)
    {
      gdk_cairo_set_source_rgba (cr, &fg);
      text_at (cr, layout, _("No data yet"), width / 2.0, height / 2.0, 0.5, 0.5);
      cairo_destroy (cr);
      return;
    }

  /* The count axis: four round steps, its widest label setting the left edge. */
  top_value = nice_ceiling (MAX (t->max, 4), 4, &step);
  {
    g_autofree char *widest = g_strdup_printf ("%u", top_value);

    pango_layout_set_text (layout, widest, -1);
    pango_layout_get_pixel_size (layout, &label_w, &label_h);
  }
  left = MARGIN_LEFT + label_w + 8;
  top = LEGEND_HEIGHT + label_h / 2.0 + 4;
  plot_w = width - left - MARGIN_RIGHT;
  plot_h = height - top - AXIS_HEIGHT;
  if (plot_w < 20 || plot_h < 20)
    {
      cairo_destroy (cr);
      return;
    }
  slot = plot_w / t->n_buckets;

  cairo_set_line_width (cr, 1);
  for (guint v = 0; v <= top_value; v += step)
    {
      g_autofree char *text = g_strdup_printf ("%u", v);
      double y = top + plot_h - plot_h * v / top_value;

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, v == 0 ? 0.5 : 0.15);
      cairo_move_to (cr, left, floor (y) + 0.5);
      cairo_line_to (cr, left + plot_w, floor (y) + 0.5);
      cairo_stroke (cr);
      gdk_cairo_set_source_rgba (cr, &fg);
      text_at (cr, layout, text, left - 6, y, 1.0, 0.5);
    }

  /* The time axis: a label at every hour, or every few hours when the
   * window is long and the chart narrow. */
  label_every = 4;
  while (slot * label_every < MIN_LABEL_GAP && label_every < t->n_buckets)
    label_every += 4;
  for (guint i = 0; i < t->n_buckets; i++)
    {
      gint64 start = t->start + (gint64)i * CATD_THROUGHPUT_BUCKET_USEC;
      guint quarter = (guint)((start / CATD_THROUGHPUT_BUCKET_USEC) % 4);
      double x = left + slot * i;

      /* Hours begin at the same quarter in UTC and in Mexico's whole-hour offsets. */
      if (quarter != 0 || ((start / CATD_THROUGHPUT_BUCKET_USEC) / 4) % (label_every / 4) != 0)
        continue;
      {
        g_autofree char *text = bucket_time (start);

        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.15);
        cairo_move_to (cr, floor (x) + 0.5, top);
        cairo_line_to (cr, floor (x) + 0.5, top + plot_h + 4);
        cairo_stroke (cr);
        gdk_cairo_set_source_rgba (cr, &fg);
        text_at (cr, layout, text, x, top + plot_h + 6, 0.5, 0.0);
      }
    }

  /* One line per stage through the middle of each quarter. */
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (CatdStage s = 0; s < CATD_N_STAGES; s++)
    {
      gdk_cairo_set_source_rgba (cr, &stage_colors[s]);
      cairo_set_line_width (cr, 2);
      for (guint i = 0; i < t->n_buckets; i++)
        {
          double x = left + slot * (i + 0.5);
          double y = top + plot_h - plot_h * t->counts[s][i] / top_value;

          if (i == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_stroke (cr);
      if (slot >= 8)
        for (guint i = 0; i < t->n_buckets; i++)
          {
            double x = left + slot * (i + 0.5);
            double y = top + plot_h - plot_h * t->counts[s][i] / top_value;

            cairo_arc (cr, x, y, 2.5, 0, 2 * G_PI);
            cairo_fill (cr);
          }
    }

  cairo_destroy (cr);
}

static void
catd_throughput_chart_measure (GtkWidget      *widget,
                               GtkOrientation  orientation,
                               int             for_size,
                               int            *minimum,
                               int            *natural,
                               int            *minimum_baseline,
                               int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 320;
      *natural = 720;
    }
  else
    {
      *minimum = 200;
      *natural = 260;
    }
}

static void
catd_throughput_chart_finalize (GObject *object)
{
  CatdThroughputChart *self = (CatdThroughputChart *)object;

  g_clear_pointer (&self->data, catd_throughput_free);

  G_OBJECT_CLASS (catd_throughput_chart_parent_class)->finalize (object);
}

static void
catd_throughput_chart_class_init (CatdThroughputChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = catd_throughput_chart_finalize;
  widget_class->snapshot = catd_throughput_chart_snapshot;
  widget_class->measure = catd_throughput_chart_measure;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
  gtk_widget_class_set_css_name (widget_class, "throughputchart");
}

static void
update_description (CatdThroughputChart *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (self->data == NULL)
    g_string_append (text, _("No data yet"));
  else
    {
      /* TRANSLATORS: the start of the chart's description for screen readers */
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "Actas in the last %u hour: ",
                                                 "Actas in the last %u hours: ",
                                                 self->data->n_buckets / 4),
                              self->data->n_buckets / 4);
      for (CatdStage s = 0; s < CATD_N_STAGES; s++)
        /* TRANSLATORS: a stage and its count, in the chart's description */
        g_string_append_printf (text, _("%s %u%s"), catd_throughput_chart_stage_label (s),
                                self->data->totals[s], s + 1 < CATD_N_STAGES ? ", " : ".");
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text->str, -1);
}

static void
catd_throughput_chart_init (CatdThroughputChart *self)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Throughput chart: actas per 15 minutes per stage"), -1);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  update_description (self);
}

GtkWidget *
catd_throughput_chart_new (void)
{
  return g_object_new (CATD_TYPE_THROUGHPUT_CHART, NULL);
}

static CatdThroughput *
throughput_copy (const CatdThroughput *t)
{
  CatdThroughput *copy = g_memdup2 (t, sizeof *t);

  for (guint s = 0; s < CATD_N_STAGES; s++)
    copy->counts[s] = g_memdup2 (t->counts[s], sizeof (guint) * t->n_buckets);
  return copy;
}

/**
 * catd_throughput_chart_set_data:
 * @throughput: (nullable): what to draw; copied
 *
 * Shows @throughput, or "No data yet" for %NULL.
 */
void
catd_throughput_chart_set_data (CatdThroughputChart  *self,
                                const CatdThroughput *throughput)
{
  g_return_if_fail (CATD_IS_THROUGHPUT_CHART (self));

  g_clear_pointer (&self->data, catd_throughput_free);
  if (throughput != NULL)
    self->data = throughput_copy (throughput);
  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* What the chart shows, or %NULL. */
const CatdThroughput *
catd_throughput_chart_get_data (CatdThroughputChart *self)
{
  g_return_val_if_fail (CATD_IS_THROUGHPUT_CHART (self), NULL);

  return self->data;
}
