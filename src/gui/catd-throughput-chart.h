/* catd-throughput-chart.h - actas per 15 minutes per stage, as a line chart
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "catd-station.h"

G_BEGIN_DECLS

#define CATD_TYPE_THROUGHPUT_CHART (catd_throughput_chart_get_type ())
G_DECLARE_FINAL_TYPE (CatdThroughputChart, catd_throughput_chart, CATD, THROUGHPUT_CHART, GtkWidget)

GtkWidget            *catd_throughput_chart_new         (void);
void                  catd_throughput_chart_set_data    (CatdThroughputChart  *self,
                                                         const CatdThroughput *throughput);
const CatdThroughput *catd_throughput_chart_get_data    (CatdThroughputChart  *self);
const char           *catd_throughput_chart_stage_label (CatdStage             stage);

G_END_DECLS
