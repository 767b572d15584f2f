/* catd-coordination-page.c - the Coordinación screen: progress, queue, throughput, users, audit, export
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-coordination-page.h"
#include "catd-export.h"
#include "catd-sync.h"
#include "catd-sync-service.h"
#include "catd-throughput-chart.h"
#include "catd-time.h"

/* What the coordinador watches. Every query runs on a worker thread
 * (catd_session_run_async ()); while the page is mapped, the summary
 * (status, progress, throughput, inconsistencies: a few milliseconds on a
 * state's election, see catd-station-query.c) is read again every few
 * seconds, and nothing is read while it is not. The acta search, an
 * acta's history and the audit log are read when asked. Each kind of
 * query carries a generation number: an answer to a question that has
 * been replaced (a search typed further, a user switch) is dropped.
 *
 * The upload thread's state (whether the central site answers, the last
 * error, the clock offset, the last upload) comes from CatdSyncService as
 * property notifications; the queue's counts come from the engine. */

#define REFRESH_SECONDS   5
#define AUDIT_PAGE_ROWS   100
#define SEARCH_LIMIT      200

/* ---- rows of the column views ------------------------------------------------------ */

/* One row of text cells, and the acta it is about (if any). */
#define CATD_TYPE_COORD_ROW (catd_coord_row_get_type ())
G_DECLARE_FINAL_TYPE (CatdCoordRow, catd_coord_row, CATD, COORD_ROW, GObject)

struct _CatdCoordRow
{
  GObject  parent_instance;

  GStrv    cells;
  char    *clave_acta;
};

G_DEFINE_FINAL_TYPE (CatdCoordRow, catd_coord_row, G_TYPE_OBJECT)

static void
catd_coord_row_finalize (GObject *object)
{
  CatdCoordRow *self = (CatdCoordRow *)object;

  g_strfreev (self->cells);
  g_free (self->clave_acta);
  G_OBJECT_CLASS (catd_coord_row_parent_class)->finalize (object);
}

static void
catd_coord_row_class_init (CatdCoordRowClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = catd_coord_row_finalize;
}

static void
catd_coord_row_init (CatdCoordRow *self)
{
}

/* A row of @n cells (NULL cells shown empty), about @clave_acta. */
static CatdCoordRow *
row_new (const char  *clave_acta,
         guint        n,
         const char **cells)
{
  CatdCoordRow *row = g_object_new (CATD_TYPE_COORD_ROW, NULL);

  row->cells = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    row->cells[i] = g_strdup (cells[i] ? cells[i] : "");
  row->clave_acta = g_strdup (clave_acta);
  return row;
}

/* ---- the page ---------------------------------------------------------------------- */

struct _CatdCoordinationPage
{
  GtkWidget             parent_instance;

  CatdSession          *session;
  CatdSyncService      *sync;

  GtkWidget            *content;
  GtkLabel             *updated_label;
  GtkDropDown          *export_election_dropdown;
  GtkWidget            *export_button;
  GtkLabel             *export_feedback;
  GtkStack             *sections;
  GtkGrid              *progress_grid;
  GtkGrid              *states_grid;
  GtkLabel             *pending_images_label;
  GtkLabel             *pending_records_label;
  GtkLabel             *sent_label;
  GtkLabel             *dead_label;
  GtkLabel             *site_label;
  GtkLabel             *upload_label;
  GtkLabel             *error_label;
  GtkLabel             *clock_label;
  GtkDropDown          *hours_dropdown;
  CatdThroughputChart  *chart;
  GtkColumnView        *users_view;
  GtkLabel             *inconsistencies_label;
  GtkColumnView        *inconsistencies_view;
  GtkSearchEntry       *search_entry;
  GtkLabel             *search_status_label;
  GtkColumnView        *matches_view;
  GtkLabel             *acta_title_label;
  GtkLabel             *acta_summary_label;
  GtkColumnView        *history_view;
  GtkDropDown          *audit_user_dropdown;
  GtkDropDown          *audit_action_dropdown;
  GtkLabel             *audit_position_label;
  GtkWidget            *audit_newer_button;
  GtkWidget            *audit_older_button;
  GtkColumnView        *audit_view;

  GListStore           *users_store;
  GListStore           *inconsistencies_store;
  GListStore           *matches_store;
  GListStore           *history_store;
  GListStore           *audit_store;
  char                 *users_signature;
  char                 *inconsistencies_signature;
  GStrv                 elections;        /* ids, for items 1… of the export dropdown */
  GStrv                 audit_logins;     /* logins, for items 1… of the user filter */
  GArray               *audit_pages;      /* gint64: before_seq of each page, newest first */
  gint64                audit_oldest;     /* the last row's seq on the page shown */
  gboolean              audit_more;
  gboolean              audit_loaded;
  gint64                status_clock_offset_ms;
  gint64                shown_error_time;   /* of the sync error the label shows */
  gboolean              status_clock_known;

  GCancellable         *cancellable;
  guint                 timer_id;
  guint                 summary_generation;
  guint                 search_generation;
  guint                 detail_generation;
  guint                 audit_generation;
  guint                 action_generation;  /* export, sending refused uploads again */
  gboolean              summary_busy;
  gboolean              exporting;
  GtkFileChooserNative *chooser;
  char                 *chooser_election;
};

G_DEFINE_FINAL_TYPE (CatdCoordinationPage, catd_coordination_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void load_audit (CatdCoordinationPage *self);

/* The audit viewer's families of actions: prefixes of the action codes. */
static const char *audit_families[] = {
  NULL, "acopio.", "digitalizacion.", "captura.", "transmision.", "user.", "auth.", "station.",
};

static const char *
audit_family_label (guint i)
{
  switch (i)
    {
    case 0: return _("Every action");
    case 1: return _("Reception");
    case 2: return _("Digitization");
    case 3: return _("Capture and arbitration");
    case 4: return _("Upload");
    case 5: return _("Users");
    case 6: return _("Sign-in failures");
    case 7: return _("Station");
    default: g_return_val_if_reached (NULL);
    }
}

/* A stored time as the screens show it (dd/mm/yyyy hh:mm:ss, central
 * Mexico time), or a dash. */
static char *
local_time (const char *iso)
{
  char *text = catd_time_to_mexico (iso);

  return text ? text : g_strdup ("—");
}

static char *
local_time_usec (gint64 usec)
{
  g_autofree char *iso = NULL;

  if (usec <= 0)
    return g_strdup (_("never"));
  iso = catd_time_to_iso (usec);
  return local_time (iso);
}

static char *
format_count (gint64 n)
{
  return g_strdup_printf ("%'" G_GINT64_FORMAT, n);
}

static const char *
action_label (const char *action)
{
  static const struct { const char *code; const char *label; } labels[] = {
    { "station.init", N_("Station created") },
    { "user.add", N_("User added") },
    { "auth.failed", N_("Wrong PIN") },
    { "acopio.register", N_("Registered") },
    { "acopio.sin_acta", N_("Recorded without acta") },
    { "acopio.fuera_de_catalogo", N_("Registered outside the catalog") },
    { "digitalizacion.scan", N_("Scanned") },
    { "digitalizacion.import", N_("Image imported") },
    { "digitalizacion.replace", N_("Image replaced") },
    { "digitalizacion.page_set_aside", N_("Scanned page set aside") },
    { "captura.pass1", N_("First capture") },
    { "captura.pass2", N_("Second capture") },
    { "captura.rekey", N_("Re-keyed") },
    { "captura.arbitration", N_("Arbitration") },
    { "captura.resolution", N_("Coordinator's resolution") },
    { "transmision.requeue", N_("Refused uploads queued again") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (action, labels[i].code) == 0)
      return _(labels[i].label);
  return action;
}

static const char *
reason_label (CatdInconsistencyReason reason)
{
  switch (reason)
    {
    case CATD_INCONSISTENCY_ARBITRATION:
      return _("Waiting for arbitration");
    case CATD_INCONSISTENCY_COORDINATOR:
      return _("Waiting for the coordinator");
    case CATD_INCONSISTENCY_EXCEDE_LISTA_NOMINAL:
      return _("Not counted: exceeds the nominal list");
    case CATD_INCONSISTENCY_TODOS_ILEGIBLES:
      return _("Not counted: every vote field illegible");
    case CATD_INCONSISTENCY_TODOS_VACIOS:
      return _("Not counted: every vote field empty");
    case CATD_INCONSISTENCY_FUERA_DE_CATALOGO:
      return _("Outside the catalog");
    case CATD_INCONSISTENCY_SIN_ACTA:
      return _("Without acta");
    case CATD_INCONSISTENCY_DEAD_IMAGE:
      return _("Image refused by the central site");
    case CATD_INCONSISTENCY_DEAD_RECORD:
      return _("Record refused by the central site");
    case CATD_INCONSISTENCY_PAGE_SET_ASIDE:
      return _("Scanned page not stored");
    default:
      return catd_inconsistency_reason_to_string (reason);
    }
}

/* The particulars of an inconsistency, in the user's language where the
 * engine gave a code; the central site's answers stay as they came. */
static const char *
inconsistency_detail (const CatdInconsistency *item)
{
  static const struct { const char *code; const char *label; } codes[] = {
    { "paquete-no-entregado", N_("Package not delivered") },
    { "casilla-no-instalada", N_("Polling station not installed") },
    { "sin-sobre", N_("No envelope") },
    { "ok", N_("The page passed its checks") },
    { "unchecked", N_("The page was not checked") },
    { "blank", N_("Blank page") },
    { "no_qr", N_("No QR label found") },
    { "not_in_catalog", N_("The QR label names an acta outside the catalog") },
    { "not_registered", N_("The QR label names an acta not registered") },
    { "already_digitized", N_("The acta already had an image") },
    { "not_digitizable", N_("The acta takes no image") },
    { "wrong_acta", N_("A different acta was expected") },
  };

  if (item->detail == NULL)
    return "";
  if (item->reason == CATD_INCONSISTENCY_SIN_ACTA ||
      item->reason == CATD_INCONSISTENCY_PAGE_SET_ASIDE)
    for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
      if (g_str_equal (item->detail, codes[i].code))
        return _(codes[i].label);
  return item->detail;
}

/* An audit row's detail as one line: "key: value; …", keyed values as
 * "CODE=value". The keys are the engine's own words: this is the record
 * an auditor reads. */
static char *
format_detail (const char *json,
               gboolean    withheld)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GString) text = g_string_new (NULL);
  JsonNode *root;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL) ||
      !(root = json_parser_get_root (parser)) || !JSON_NODE_HOLDS_OBJECT (root))
    return g_strdup (json ? json : "");

  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &member))
    {
      if (text->len > 0)
        g_string_append (text, "; ");
      if (g_str_equal (name, "values") && JSON_NODE_HOLDS_OBJECT (member))
        {
          JsonObjectIter values;
          const char *code;
          JsonNode *value;
          gboolean first = TRUE;

          json_object_iter_init (&values, json_node_get_object (member));
          while (json_object_iter_next (&values, &code, &value))
            {
              g_string_append_printf (text, "%s%s=", first ? "" : ", ", code);
              if (JSON_NODE_HOLDS_VALUE (value) &&
                  json_node_get_value_type (value) == G_TYPE_STRING)
                g_string_append (text, json_node_get_string (value));
              else
                {
                  g_autofree char *v = json_to_string (value, FALSE);

                  g_string_append (text, v);
                }
              first = FALSE;
            }
          continue;
        }
      g_string_append_printf (text, "%s: ", name);
      if (JSON_NODE_HOLDS_NULL (member))
        g_string_append (text, "—");
      else if (JSON_NODE_HOLDS_VALUE (member) &&
               json_node_get_value_type (member) == G_TYPE_STRING)
        g_string_append (text, json_node_get_string (member));
      else
        {
          g_autofree char *v = json_to_string (member, FALSE);

          g_string_append (text, v);
        }
    }
  if (withheld)
    {
      if (text->len > 0)
        g_string_append (text, "; ");
      g_string_append (text, _("keyed values withheld until the acta leaves arbitration"));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ---- column views ------------------------------------------------------------------ */

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 80);
  gtk_list_item_set_child (item, label);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  data)
{
  CatdCoordRow *row = gtk_list_item_get_item (item);
  GtkWidget *label = gtk_list_item_get_child (item);
  guint column = GPOINTER_TO_UINT (data);
  const char *text = row->cells[column];

  gtk_label_set_text (GTK_LABEL (label), text);
  /* Long cells (the central site's answers, audit details) are read whole
   * in the tooltip. */
  gtk_widget_set_tooltip_text (label, g_utf8_strlen (text, -1) > 40 ? text : NULL);
}

/* Gives @view a column per title, each showing that cell of the rows of
 * @store; the column @expand takes the spare width. */
static void
setup_view (GtkColumnView  *view,
            GListStore     *store,
            const char    **titles,
            guint           n,
            guint           expand,
            gboolean        selectable)
{
  GtkSelectionModel *selection;

  if (selectable)
    {
      GtkSingleSelection *single = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (store)));

      gtk_single_selection_set_autoselect (single, FALSE);
      gtk_single_selection_set_can_unselect (single, TRUE);
      selection = GTK_SELECTION_MODEL (single);
    }
  else
    selection = GTK_SELECTION_MODEL (gtk_no_selection_new (g_object_ref (G_LIST_MODEL (store))));
  gtk_column_view_set_model (view, selection);
  g_object_unref (selection);

  for (guint i = 0; i < n; i++)
    {
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkColumnViewColumn *column;

      g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (cell_bind_cb), GUINT_TO_POINTER (i));
      column = gtk_column_view_column_new (titles[i], factory);
      gtk_column_view_column_set_expand (column, i == expand);
      gtk_column_view_column_set_resizable (column, TRUE);
      gtk_column_view_append_column (view, column);
      g_object_unref (column);
    }
}

/* Replaces the rows of @store, unless they are the same as before (a
 * refresh that changed nothing keeps the scroll position and selection). */
static void
store_replace (GListStore  *store,
               char       **signature,
               GPtrArray   *rows)
{
  g_autoptr(GString) sig = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      CatdCoordRow *row = g_ptr_array_index (rows, i);
      g_autofree char *joined = g_strjoinv ("\x1f", row->cells);

      g_string_append (sig, joined);
      g_string_append_c (sig, '\x1e');
    }
  if (signature != NULL && g_strcmp0 (*signature, sig->str) == 0)
    return;
  if (signature != NULL)
    catd_set_str (signature, sig->str);
  g_list_store_splice (store, 0, g_list_model_get_n_items (G_LIST_MODEL (store)), rows->pdata,
                       rows->len);
}

static void
store_clear (GListStore  *store,
             char       **signature)
{
  g_list_store_remove_all (store);
  if (signature != NULL)
    g_clear_pointer (signature, g_free);
}

/* ---- worker threads ---------------------------------------------------------------- */

/* Which answer a callback is for. */
typedef struct
{
  CatdCoordinationPage *self;
  guint                 generation;
} Call;

static Call *
call_new (CatdCoordinationPage *self,
          guint                 generation)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->generation = generation;
  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->self);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

typedef struct
{
  JsonNode       *status;
  GPtrArray      *progress;
  CatdThroughput *throughput;
  GPtrArray      *inconsistencies;
} Summary;

static void
summary_free (gpointer data)
{
  Summary *summary = data;

  g_clear_pointer (&summary->status, json_node_unref);
  g_clear_pointer (&summary->progress, g_ptr_array_unref);
  g_clear_pointer (&summary->throughput, catd_throughput_free);
  g_clear_pointer (&summary->inconsistencies, g_ptr_array_unref);
  g_free (summary);
}

static gpointer
summary_func (CatdStation  *station,
              CatdUser     *user,
              gpointer      data,
              GError      **error)
{
  Summary *summary = g_new0 (Summary, 1);
  guint hours = GPOINTER_TO_UINT (data);

  if (!(summary->status = catd_station_status (station, error)) ||
      !(summary->progress = catd_station_progress (station, error)) ||
      !(summary->throughput = catd_station_throughput (station, hours, error)) ||
      !(summary->inconsistencies = catd_station_inconsistencies (station, error)))
    {
      summary_free (summary);
      return NULL;
    }
  return summary;
}

typedef struct
{
  char         *clave_acta;
  JsonNode     *show;       /* NULL: not registered */
  GPtrArray    *history;
} Detail;

static void
detail_free (gpointer data)
{
  Detail *detail = data;

  g_free (detail->clave_acta);
  g_clear_pointer (&detail->show, json_node_unref);
  g_clear_pointer (&detail->history, g_ptr_array_unref);
  g_free (detail);
}

static gpointer
detail_func (CatdStation  *station,
             CatdUser     *user,
             gpointer      data,
             GError      **error)
{
  Detail *detail = g_new0 (Detail, 1);
  g_autoptr(GError) show_error = NULL;

  detail->clave_acta = g_strdup (data);
  detail->show = catd_station_show (station, user, data, &show_error);
  /* An acta of the catalog not registered yet is WRONG_STATE, a key the
   * catalog does not know UNKNOWN_ACTA: either way, nothing to show. */
  if (detail->show == NULL &&
      !g_error_matches (show_error, CATD_STATION_ERROR, CATD_STATION_ERROR_UNKNOWN_ACTA) &&
      !g_error_matches (show_error, CATD_STATION_ERROR, CATD_STATION_ERROR_WRONG_STATE))
    {
      g_propagate_error (error, g_steal_pointer (&show_error));
      detail_free (detail);
      return NULL;
    }
  if (!(detail->history = catd_station_acta_history (station, user, data, error)))
    {
      detail_free (detail);
      return NULL;
    }
  return detail;
}

static gpointer
search_func (CatdStation  *station,
             CatdUser     *user,
             gpointer      data,
             GError      **error)
{
  return catd_station_search_actas (station, data, SEARCH_LIMIT, error);
}

typedef struct
{
  char   *login;
  char   *action;
  gint64  before_seq;
} AuditRequest;

static void
audit_request_free (gpointer data)
{
  AuditRequest *request = data;

  g_free (request->login);
  g_free (request->action);
  g_free (request);
}

typedef struct
{
  GPtrArray *entries;
  gboolean   more;
} AuditPage;

static void
audit_page_free (gpointer data)
{
  AuditPage *page = data;

  g_clear_pointer (&page->entries, g_ptr_array_unref);
  g_free (page);
}

static gpointer
audit_func (CatdStation  *station,
            CatdUser     *user,
            gpointer      data,
            GError      **error)
{
  AuditRequest *request = data;
  CatdAuditQuery query = { request->login, request->action, request->before_seq,
                           AUDIT_PAGE_ROWS };
  AuditPage *page = g_new0 (AuditPage, 1);

  if (!(page->entries = catd_station_audit_page (station, user, &query, &page->more, error)))
    {
      audit_page_free (page);
      return NULL;
    }
  return page;
}

typedef struct
{
  CatdStation *station;
  CatdUser    *user;
} ExportContext;

static char *
export_csv_cb (gpointer     data,
               const char  *election,
               char         delimiter,
               GError     **error)
{
  ExportContext *context = data;

  return catd_station_export_prep_csv (context->station, context->user, election, delimiter,
                                       error);
}

static GStrv
export_elections_cb (gpointer   data,
                     GError   **error)
{
  ExportContext *context = data;

  return catd_station_list_elections (context->station, error);
}

typedef struct
{
  char *election;   /* NULL: every election, one file each in @path */
  char *path;
} ExportRequest;

static void
export_request_free (gpointer data)
{
  ExportRequest *request = data;

  g_free (request->election);
  g_free (request->path);
  g_free (request);
}

/* The same writer as `catdctl export` (catd_export_write ()): the same
 * bytes, each file written atomically and durably. */
static gpointer
export_func (CatdStation  *station,
             CatdUser     *user,
             gpointer      data,
             GError      **error)
{
  ExportRequest *request = data;
  ExportContext context = { station, user };
  CatdExportSource source = { export_csv_cb, export_elections_cb, &context };
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func (g_free);

  if (!catd_export_write (&source, request->election, request->path, '|', written, error))
    return NULL;
  return g_steal_pointer (&written);
}

static gpointer
retry_dead_func (CatdStation  *station,
                 CatdUser     *user,
                 gpointer      data,
                 GError      **error)
{
  guint n = 0;

  /* The coordinador's decision, audited (transmision.requeue), as with
   * catdctl requeue. */
  if (!catd_station_requeue_dead (station, user, NULL, &n, error))
    return NULL;
  return g_memdup2 (&n, sizeof n);
}

/* ---- the summary: progress, stages, queue, chart, users, inconsistencies ---------- */

static void
grid_clear (GtkGrid *grid)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (grid))))
    gtk_grid_remove (grid, child);
}

static GtkWidget *
grid_label (GtkGrid    *grid,
            const char *text,
            int         column,
            int         row,
            float       xalign,
            const char *name)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), xalign);
  if (name != NULL)
    gtk_widget_set_name (label, name);
  gtk_grid_attach (grid, label, column, row, 1, 1);
  return label;
}

static void
fill_progress (CatdCoordinationPage *self,
               GPtrArray            *progress)
{
  const char *titles[] = {
    _("Election"), _("Expected"), _("Registered"), _("Digitized"), _("Captured"),
    _("Verified"), _("Counted"), _("Without acta"), _("Outside the catalog"), _("Progress"),
  };
  static const char *keys[] = {
    NULL, "esperadas", "registered", "digitized", "captured", "verified", "contabilizadas",
    "sin_acta", "fuera_de_catalogo",
  };

  grid_clear (self->progress_grid);
  if (progress == NULL)
    return;
  for (guint c = 0; c < G_N_ELEMENTS (titles); c++)
    gtk_widget_add_css_class (grid_label (self->progress_grid, titles[c], c, 0,
                                          c == 0 ? 0 : 1, NULL), "heading");

  for (guint i = 0; i < progress->len; i++)
    {
      const CatdElectionProgress *p = g_ptr_array_index (progress, i);
      gint64 values[] = {
        0, p->esperadas, p->registered, p->digitized, p->captured, p->verified,
        p->contabilizadas, p->sin_acta, p->fuera_de_catalogo,
      };
      /* Settled actas of the catalog: verified or without acta. */
      double fraction = p->esperadas > 0 ? (double)(p->verified + p->sin_acta) / p->esperadas : 0;
      g_autofree char *percent = g_strdup_printf ("%.1f %%", fraction * 100);
      g_autofree char *accessible = NULL;
      GtkWidget *bar;

      grid_label (self->progress_grid, p->nombre, 0, i + 1, 0, NULL);
      for (guint c = 1; c < G_N_ELEMENTS (keys); c++)
        {
          g_autofree char *name = g_strdup_printf ("progress-%s-%s", p->election, keys[c]);
          g_autofree char *text = format_count (values[c]);
          /* TRANSLATORS: column title, election name, the number */
          g_autofree char *label = g_strdup_printf (_("%s, %s: %s"), titles[c], p->nombre, text);
          GtkWidget *cell = grid_label (self->progress_grid, text, c, i + 1, 1, name);

          gtk_widget_add_css_class (cell, "numeric");
          gtk_accessible_update_property (GTK_ACCESSIBLE (cell), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          label, -1);
        }
      bar = gtk_progress_bar_new ();
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (bar), CLAMP (fraction, 0, 1));
      gtk_progress_bar_set_text (GTK_PROGRESS_BAR (bar), percent);
      gtk_progress_bar_set_show_text (GTK_PROGRESS_BAR (bar), TRUE);
      gtk_widget_set_hexpand (bar, TRUE);
      gtk_widget_set_valign (bar, GTK_ALIGN_CENTER);
      {
        g_autofree char *name = g_strdup_printf ("progress-%s-bar", p->election);

        gtk_widget_set_name (bar, name);
      }
      /* TRANSLATORS: election name, then a percentage */
      accessible = g_strdup_printf (_("Actas settled in %s: %s"), p->nombre, percent);
      gtk_accessible_update_property (GTK_ACCESSIBLE (bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
      gtk_grid_attach (self->progress_grid, bar, G_N_ELEMENTS (keys), i + 1, 1, 1);
    }
}

static void
fill_states (CatdCoordinationPage *self,
             JsonObject           *status)
{
  JsonObject *states;
  int row = 0;

  grid_clear (self->states_grid);
  if (status == NULL || !(states = json_object_get_object_member (status, "states")))
    return;
  for (CatdActaState s = CATD_ACTA_REGISTERED; s <= CATD_ACTA_STATE_LAST; s++)
    {
      const char *code = catd_acta_state_to_string (s);
      g_autofree char *name = g_strdup_printf ("state-%s", code);
      g_autofree char *text = format_count (json_object_get_int_member_with_default (states, code,
                                                                                     0));
      /* TRANSLATORS: the stage of an acta, then how many actas are in it */
      g_autofree char *accessible = g_strdup_printf (_("%s: %s"), catd_acta_state_label (s), text);
      int column = (row / 5) * 2;
      GtkWidget *cell;

      grid_label (self->states_grid, catd_acta_state_label (s), column, row % 5, 0, NULL);
      cell = grid_label (self->states_grid, text, column + 1, row % 5, 1, name);
      gtk_widget_add_css_class (cell, "numeric");
      gtk_accessible_update_property (GTK_ACCESSIBLE (cell), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      accessible, -1);
      row++;
    }
  {
    g_autofree char *registered = format_count (json_object_get_int_member_with_default (
                                                  status, "registered", 0));
    g_autofree char *settled = format_count (json_object_get_int_member_with_default (
                                               status, "settled", 0));
    g_autofree char *registered_name = g_strdup_printf (_("%s: %s"), _("Registered in all"),
                                                        registered);
    g_autofree char *settled_name = g_strdup_printf (_("%s: %s"), _("Settled"), settled);
    GtkWidget *cell;

    gtk_widget_add_css_class (grid_label (self->states_grid, _("Registered in all"), 4, 0, 0,
                                          NULL), "heading");
    cell = grid_label (self->states_grid, registered, 5, 0, 1, "state-total");
    /* The number is in the name, as everywhere on this page. */
    gtk_accessible_update_property (GTK_ACCESSIBLE (cell), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    registered_name, -1);
    gtk_widget_add_css_class (grid_label (self->states_grid, _("Settled"), 4, 1, 0, NULL),
                              "heading");
    cell = grid_label (self->states_grid, settled, 5, 1, 1, "state-settled");
    gtk_accessible_update_property (GTK_ACCESSIBLE (cell), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    settled_name, -1);
  }
}

static void update_sync (CatdCoordinationPage *self);

static void
fill_queue (CatdCoordinationPage *self,
            JsonObject           *status)
{
  JsonObject *queue = status ? json_object_get_object_member (status, "queue") : NULL;
  struct { GtkLabel *label; const char *key; const char *caption; } cells[] = {
    { self->pending_images_label, "pending_images", N_("Images waiting") },
    { self->pending_records_label, "pending_records", N_("Records waiting") },
    { self->sent_label, "sent", N_("Sent") },
    { self->dead_label, "dead", N_("Refused by the central site") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cells); i++)
    {
      g_autofree char *text = queue ? format_count (json_object_get_int_member_with_default (
                                                      queue, cells[i].key, 0))
                                    : g_strdup ("");
      /* The number is in the name: GTK 4.8 gives screen readers a label's
       * accessible name, not its text. */
      g_autofree char *accessible = g_strdup_printf (_("%s: %s"), _(cells[i].caption), text);

      gtk_label_set_text (cells[i].label, text);
      gtk_accessible_update_property (GTK_ACCESSIBLE (cells[i].label),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
    }
  self->status_clock_known = queue && json_object_has_member (queue, "clock_offset_ms");
  self->status_clock_offset_ms = self->status_clock_known
                               ? json_object_get_int_member (queue, "clock_offset_ms") : 0;
  update_sync (self);
}

static void
fill_users (CatdCoordinationPage *self,
            JsonObject           *status)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GtkStringList) logins = gtk_string_list_new (NULL);
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_auto(GStrv) new_logins = NULL;
  JsonArray *users = status ? json_object_get_array_member (status, "users") : NULL;

  gtk_string_list_append (logins, _("Everyone"));
  for (guint i = 0; users && i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      const char *login = json_object_get_string_member_with_default (user, "login", "");
      const char *name = json_object_get_string_member_with_default (user, "name", "");
      CatdRole role = 0;
      g_autofree char *actas = format_count (json_object_get_int_member_with_default (
                                               user, "actas_keyed", 0));
      g_autofree char *fields = format_count (json_object_get_int_member_with_default (
                                                user, "fields_keyed", 0));
      g_autofree char *errors = format_count (json_object_get_int_member_with_default (
                                                user, "errors", 0));
      g_autofree char *rate = g_strdup_printf ("%.1f", json_object_get_double_member_with_default (
                                                         user, "errors_per_1000_fields", 0));
      g_autofree char *per_hour = g_strdup_printf ("%.1f",
                                                   json_object_get_double_member_with_default (
                                                     user, "actas_per_hour", 0));
      g_autofree char *who = g_strdup_printf ("%s — %s", login, name);
      const char *cells[8];

      catd_role_from_string (json_object_get_string_member_with_default (user, "role", ""),
                             &role);
      cells[0] = login;
      cells[1] = name;
      cells[2] = role ? catd_role_label (role) : "";
      cells[3] = actas;
      cells[4] = fields;
      cells[5] = errors;
      cells[6] = rate;
      cells[7] = per_hour;
      g_ptr_array_add (rows, row_new (NULL, G_N_ELEMENTS (cells), cells));
      gtk_string_list_append (logins, who);
      g_strv_builder_add (ids, login);
    }
  store_replace (self->users_store, &self->users_signature, rows);

  /* The audit viewer's user filter follows the users, keeping its choice. */
  new_logins = g_strv_builder_end (ids);
  if (users != NULL && (self->audit_logins == NULL ||
                        !g_strv_equal ((const char * const *)self->audit_logins,
                                       (const char * const *)new_logins)))
    {
      guint selected = gtk_drop_down_get_selected (self->audit_user_dropdown);
      const char *chosen = selected > 0 && self->audit_logins &&
                           selected - 1 < g_strv_length (self->audit_logins)
                         ? self->audit_logins[selected - 1] : NULL;
      guint keep = 0;

      for (guint i = 0; chosen && new_logins[i]; i++)
        if (g_str_equal (new_logins[i], chosen))
          keep = i + 1;
      g_strfreev (self->audit_logins);
      self->audit_logins = g_steal_pointer (&new_logins);
      g_signal_handlers_block_matched (self->audit_user_dropdown, G_SIGNAL_MATCH_DATA, 0, 0,
                                       NULL, NULL, self);
      gtk_drop_down_set_model (self->audit_user_dropdown, G_LIST_MODEL (logins));
      gtk_drop_down_set_selected (self->audit_user_dropdown, keep);
      g_signal_handlers_unblock_matched (self->audit_user_dropdown, G_SIGNAL_MATCH_DATA, 0, 0,
                                         NULL, NULL, self);
    }
}

static void
fill_inconsistencies (CatdCoordinationPage *self,
                      GPtrArray            *items)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *count = NULL;

  if (items == NULL)
    {
      store_clear (self->inconsistencies_store, &self->inconsistencies_signature);
      gtk_label_set_text (self->inconsistencies_label, "");
      return;
    }
  for (guint i = 0; i < items->len; i++)
    {
      const CatdInconsistency *item = g_ptr_array_index (items, i);
      g_autofree char *since = local_time (item->at);
      const char *cells[] = {
        reason_label (item->reason), item->clave_acta ? item->clave_acta : _("(no acta)"),
        item->election ? item->election : "—", since, inconsistency_detail (item),
      };

      g_ptr_array_add (rows, row_new (item->clave_acta, G_N_ELEMENTS (cells), cells));
    }
  store_replace (self->inconsistencies_store, &self->inconsistencies_signature, rows);
  if (items->len == 0)
    count = g_strdup (_("Nothing needs your attention."));
  else
    count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                          "%u item needs your attention. Activate a row to see "
                                          "the acta's history.",
                                          "%u items need your attention. Activate a row to see "
                                          "the acta's history.", items->len), items->len);
  gtk_label_set_text (self->inconsistencies_label, count);
}

static void
fill_elections (CatdCoordinationPage *self,
                GPtrArray            *progress)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  g_auto(GStrv) new_ids = NULL;
  guint selected;

  for (guint i = 0; i < progress->len; i++)
    g_strv_builder_add (ids, ((CatdElectionProgress *)g_ptr_array_index (progress, i))->election);
  new_ids = g_strv_builder_end (ids);
  if (self->elections && g_strv_equal ((const char * const *)self->elections,
                                       (const char * const *)new_ids))
    return;

  gtk_string_list_append (labels, _("Every election, one file each"));
  for (guint i = 0; i < progress->len; i++)
    {
      const CatdElectionProgress *p = g_ptr_array_index (progress, i);
      g_autofree char *label = g_strdup_printf ("%s — %s", p->election, p->nombre);

      gtk_string_list_append (labels, label);
    }
  selected = gtk_drop_down_get_selected (self->export_election_dropdown);
  g_strfreev (self->elections);
  self->elections = g_steal_pointer (&new_ids);
  gtk_drop_down_set_model (self->export_election_dropdown, G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (self->export_election_dropdown,
                              selected < g_list_model_get_n_items (G_LIST_MODEL (labels))
                              ? selected : 0);
}

static guint
chart_hours (CatdCoordinationPage *self)
{
  static const guint hours[] = { 3, 6, 12, 24 };
  guint selected = gtk_drop_down_get_selected (self->hours_dropdown);

  return hours[selected < G_N_ELEMENTS (hours) ? selected : 1];
}

static void
summary_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  CatdCoordinationPage *self = call->self;
  g_autoptr(GError) error = NULL;
  Summary *summary = catd_session_run_finish (CATD_SESSION (object), result, &error);
  JsonObject *status;
  g_autofree char *now = NULL;
  g_autofree char *updated = NULL;

  if (call->generation != self->summary_generation)
    {
      g_clear_pointer (&summary, summary_free);
      return;
    }
  self->summary_busy = FALSE;
  if (summary == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = catd_session_describe_error (error);
      gtk_label_set_text (self->updated_label, message);
      return;
    }

  status = json_node_get_object (summary->status);
  fill_progress (self, summary->progress);
  fill_elections (self, summary->progress);
  fill_states (self, status);
  fill_queue (self, status);
  fill_users (self, status);
  fill_inconsistencies (self, summary->inconsistencies);
  catd_throughput_chart_set_data (self->chart, summary->throughput);
  now = local_time_usec (g_get_real_time ());
  /* TRANSLATORS: the time of the last refresh */
  updated = g_strdup_printf (_("Updated %s"), now);
  gtk_label_set_text (self->updated_label, updated);
  summary_free (summary);

  if (!self->audit_loaded && catd_session_get_user (self->session) != NULL)
    load_audit (self);
}

static void
refresh_summary (CatdCoordinationPage *self)
{
  if (self->session == NULL || catd_session_get_user (self->session) == NULL ||
      self->summary_busy)
    return;
  self->summary_busy = TRUE;
  catd_session_run_async (self->session, summary_func, GUINT_TO_POINTER (chart_hours (self)),
                          NULL, summary_free, self->cancellable, summary_cb,
                          call_new (self, self->summary_generation));
}

static gboolean
timer_cb (gpointer data)
{
  refresh_summary (CATD_COORDINATION_PAGE (data));
  return G_SOURCE_CONTINUE;
}

static void
refresh_clicked_cb (CatdCoordinationPage *self)
{
  refresh_summary (self);
  if (self->audit_loaded)
    load_audit (self);
}

static void
hours_changed_cb (CatdCoordinationPage *self)
{
  /* A new window for the chart: whatever answer is on its way is for the old one. */
  self->summary_generation++;
  self->summary_busy = FALSE;
  refresh_summary (self);
}

/* ---- the upload thread ---------------------------------------------------------------- */

static void
update_sync (CatdCoordinationPage *self)
{
  CatdSyncService *sync = self->sync;
  g_autoptr(GError) error = NULL;
  const char *site;
  gint64 offset_ms = 0;
  gboolean offset_known;

  if (sync == NULL || !catd_sync_service_get_running (sync))
    site = _("The upload service is stopped.");
  else
    switch (catd_sync_service_get_reachability (sync))
      {
      case CATD_SYNC_REACHABILITY_REACHABLE:
        site = _("Reachable");
        break;
      case CATD_SYNC_REACHABILITY_UNREACHABLE:
        site = _("Unreachable: uploads wait in the queue and are retried");
        break;
      case CATD_SYNC_REACHABILITY_NOT_CONFIGURED:
        site = _("No central site is configured");
        break;
      case CATD_SYNC_REACHABILITY_REFUSED:
        site = _("Refused: check the token file and the CA file in Preferences");
        break;
      case CATD_SYNC_REACHABILITY_UNKNOWN:
      default:
        site = _("Not contacted yet");
        break;
      }
  if (sync != NULL && catd_sync_service_get_last_contact (sync) > 0)
    {
      g_autofree char *when = local_time_usec (catd_sync_service_get_last_contact (sync));
      /* TRANSLATORS: whether the central site answers, then when it last did */
      g_autofree char *text = g_strdup_printf (_("%s (last answer %s)"), site, when);

      gtk_label_set_text (self->site_label, text);
    }
  else
    gtk_label_set_text (self->site_label, site);

  {
    g_autofree char *when = local_time_usec (sync ? catd_sync_service_get_last_upload (sync) : 0);

    gtk_label_set_text (self->upload_label, when);
  }

  /* The sentence is made again only for a new error. */
  error = sync ? catd_sync_service_dup_error (sync) : NULL;
  if (error == NULL)
    {
      self->shown_error_time = 0;
      gtk_label_set_text (self->error_label, _("none"));
    }
  else if (catd_sync_service_get_last_error_time (sync) != self->shown_error_time)
    {
      g_autofree char *sentence = catd_session_describe_error (error);
      g_autofree char *when = local_time_usec (catd_sync_service_get_last_error_time (sync));
      /* TRANSLATORS: the time, what to do, then the technical detail */
      g_autofree char *text = g_strdup_printf (_("%s: %s (%s)"), when, sentence, error->message);

      self->shown_error_time = catd_sync_service_get_last_error_time (sync);
      gtk_label_set_text (self->error_label, text);
    }

  /* The thread's own measure when it has one, else the last one kept. */
  offset_known = sync != NULL && catd_sync_service_get_clock_checked (sync);
  if (offset_known)
    offset_ms = catd_sync_service_get_clock_offset_ms (sync);
  else if (self->status_clock_known)
    {
      offset_known = TRUE;
      offset_ms = self->status_clock_offset_ms;
    }
  if (offset_known && ABS (offset_ms) > CATD_SYNC_CLOCK_WARNING_MS)
    {
      g_autofree char *text = NULL;

      /* TRANSLATORS: %+.1f is the central site's clock minus this station's, in seconds */
      text = g_strdup_printf (_("This station's clock differs from the central site's by "
                                "%+.1f s. Set the clock right: registration times are taken "
                                "from it."), offset_ms / 1000.0);
      gtk_label_set_text (self->clock_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->clock_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->clock_label), FALSE);
}

static void
set_sync (CatdCoordinationPage *self,
          CatdSyncService      *sync)
{
  if (self->sync == sync)
    return;
  if (self->sync != NULL)
    g_signal_handlers_disconnect_by_data (self->sync, self);
  g_set_object (&self->sync, sync);
  if (sync != NULL)
    g_signal_connect_object (sync, "notify", G_CALLBACK (update_sync), self, G_CONNECT_SWAPPED);
  update_sync (self);
}

static void
session_sync_changed_cb (CatdCoordinationPage *self)
{
  set_sync (self, self->session ? catd_session_get_sync (self->session) : NULL);
}

static void
sync_now_cb (CatdCoordinationPage *self)
{
  if (self->sync != NULL)
    catd_sync_service_sync_now (self->sync);
}

static void
retry_dead_done_cb (GObject      *object,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  CatdCoordinationPage *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autofree guint *n = catd_session_run_finish (CATD_SESSION (object), result, &error);
  g_autofree char *text = NULL;

  if (call->generation != self->action_generation ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (n == NULL)
    text = catd_session_describe_error (error);
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u refused upload is queued again.",
                                         "%u refused uploads are queued again.", *n), *n);
  gtk_label_set_text (self->error_label, text);
  self->shown_error_time = -1;
  if (n != NULL && self->sync != NULL)
    catd_sync_service_sync_now (self->sync);
  refresh_summary (self);
}

static void
retry_dead_cb (CatdCoordinationPage *self)
{
  if (self->session == NULL || catd_session_get_user (self->session) == NULL)
    return;
  catd_session_run_async (self->session, retry_dead_func, NULL, NULL, g_free, self->cancellable,
                          retry_dead_done_cb, call_new (self, self->action_generation));
}

/* ---- acta search and history ---------------------------------------------------------- */

static void
show_detail_text (CatdCoordinationPage *self,
                  const char           *title,
                  const char           *summary)
{
  gtk_label_set_text (self->acta_title_label, title ? title : "");
  gtk_label_set_text (self->acta_summary_label, summary ? summary : "");
}

static void
append_line (GString    *text,
             const char *label,
             const char *value)
{
  if (value == NULL || *value == '\0')
    return;
  if (text->len > 0)
    g_string_append_c (text, '\n');
  /* TRANSLATORS: a field of the acta's summary, then its value */
  g_string_append_printf (text, _("%s: %s"), label, value);
}

static const char *
member (JsonObject *object,
        const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static void
detail_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  CatdCoordinationPage *self = call->self;
  g_autoptr(GError) error = NULL;
  Detail *detail = catd_session_run_finish (CATD_SESSION (object), result, &error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GString) text = g_string_new (NULL);

  if (call->generation != self->detail_generation)
    {
      g_clear_pointer (&detail, detail_free);
      return;
    }
  if (detail == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = catd_session_describe_error (error);
      show_detail_text (self, NULL, message);
      return;
    }

  if (detail->show != NULL)
    {
      JsonObject *show = json_node_get_object (detail->show);
      CatdActaState state = 0;
      g_autofree char *state_text = NULL;

      catd_acta_state_from_string (member (show, "state"), &state);
      state_text = g_strdup (state ? catd_acta_state_label (state) : member (show, "state"));
      append_line (text, _("Stage"), state_text);
      append_line (text, _("Polling station"), member (show, "clave_casilla"));
      append_line (text, _("Election"), member (show, "election"));
      append_line (text, _("Received"), member (show, "fecha_hora_acopio"));
      append_line (text, _("First capture"), member (show, "fecha_hora_captura"));
      append_line (text, _("Verified"), member (show, "fecha_hora_verificacion"));
      append_line (text, _("Image (SHA-256)"), member (show, "image_sha256"));
      append_line (text, _("Reason without acta"), member (show, "sin_acta_reason"));
      if (json_object_has_member (show, "contabilizada"))
        {
          g_autofree char *total = g_strdup_printf ("%" G_GINT64_FORMAT,
                                                    json_object_get_int_member (show,
                                                                                "total_votos_calculado"));

          append_line (text, _("Counted"), json_object_get_int_member (show, "contabilizada")
                                           ? _("yes") : _("no"));
          append_line (text, _("Computed total"), total);
          append_line (text, _("Remarks"), member (show, "observaciones"));
        }
    }
  else
    g_string_append (text, _("This acta of the catalog has not been received yet."));

  for (guint i = 0; i < detail->history->len; i++)
    {
      const CatdAuditEntry *entry = g_ptr_array_index (detail->history, i);
      g_autofree char *when = local_time (entry->at);
      g_autofree char *who = entry->login ? g_strdup_printf ("%s — %s", entry->login,
                                                             entry->user_name ? entry->user_name
                                                                              : "")
                                          : g_strdup (_("the station"));
      g_autofree char *what = format_detail (entry->detail, entry->withheld);
      const char *cells[] = { when, who, action_label (entry->action), what };

      g_ptr_array_add (rows, row_new (entry->clave_acta, G_N_ELEMENTS (cells), cells));
    }
  store_replace (self->history_store, NULL, rows);
  show_detail_text (self, detail->clave_acta, text->str);
  detail_free (detail);
}

static void
show_acta (CatdCoordinationPage *self,
           const char           *clave_acta)
{
  if (self->session == NULL || catd_session_get_user (self->session) == NULL ||
      clave_acta == NULL)
    return;
  self->detail_generation++;
  store_clear (self->history_store, NULL);
  show_detail_text (self, clave_acta, _("Loading…"));
  catd_session_run_async (self->session, detail_func, g_strdup (clave_acta), g_free,
                          detail_free, self->cancellable, detail_cb,
                          call_new (self, self->detail_generation));
}

static void
search_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  CatdCoordinationPage *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) matches = catd_session_run_finish (CATD_SESSION (object), result, &error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *status = NULL;

  if (call->generation != self->search_generation)
    return;
  if (matches == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      status = catd_session_describe_error (error);
      gtk_label_set_text (self->search_status_label, status);
      store_clear (self->matches_store, NULL);
      return;
    }
  for (guint i = 0; i < matches->len; i++)
    {
      const CatdActaMatch *m = g_ptr_array_index (matches, i);
      g_autofree char *received = m->acopio_at ? local_time (m->acopio_at) : g_strdup ("—");
      const char *cells[] = {
        m->clave_acta, m->clave_casilla, m->election,
        m->state ? catd_acta_state_label (m->state) : _("Not received"), received,
      };

      g_ptr_array_add (rows, row_new (m->clave_acta, G_N_ELEMENTS (cells), cells));
    }
  store_replace (self->matches_store, NULL, rows);
  if (matches->len == 0)
    status = g_strdup (_("No acta matches."));
  else if (matches->len >= SEARCH_LIMIT)
    status = g_strdup_printf (_("The first %u actas; type more of the key to narrow."),
                              matches->len);
  else
    status = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u acta found.",
                                           "%u actas found.", matches->len), matches->len);
  gtk_label_set_text (self->search_status_label, status);
  /* One answer is shown at once. */
  if (matches->len == 1)
    show_acta (self, ((CatdActaMatch *)g_ptr_array_index (matches, 0))->clave_acta);
}

static void
search_cb (CatdCoordinationPage *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (
                                                                        self->search_entry))));

  self->search_generation++;
  if (*text == '\0' || self->session == NULL || catd_session_get_user (self->session) == NULL)
    {
      store_clear (self->matches_store, NULL);
      gtk_label_set_text (self->search_status_label, "");
      return;
    }
  gtk_label_set_text (self->search_status_label, _("Searching…"));
  catd_session_run_async (self->session, search_func, g_steal_pointer (&text), g_free,
                          (GDestroyNotify)g_ptr_array_unref, self->cancellable, search_done_cb,
                          call_new (self, self->search_generation));
}

static CatdCoordRow *
view_row (GtkColumnView *view,
          guint          position)
{
  GListModel *model = G_LIST_MODEL (gtk_column_view_get_model (view));

  return position < g_list_model_get_n_items (model) ? g_list_model_get_item (model, position)
                                                      : NULL;
}

static void
match_activated_cb (CatdCoordinationPage *self,
                    guint                 position)
{
  g_autoptr(CatdCoordRow) row = view_row (self->matches_view, position);

  if (row != NULL)
    show_acta (self, row->clave_acta);
}

static void
match_selected_cb (CatdCoordinationPage *self)
{
  GtkSingleSelection *selection = GTK_SINGLE_SELECTION (gtk_column_view_get_model (
                                                          self->matches_view));
  CatdCoordRow *row = gtk_single_selection_get_selected_item (selection);

  if (row != NULL && g_strcmp0 (row->clave_acta,
                                gtk_label_get_text (self->acta_title_label)) != 0)
    show_acta (self, row->clave_acta);
}

/**
 * catd_coordination_page_show_acta:
 *
 * Brings up the acta search with @clave_acta and its history: what the
 * inconsistencies list does when a row is activated.
 */
void
catd_coordination_page_show_acta (CatdCoordinationPage *self,
                                  const char           *clave_acta)
{
  g_return_if_fail (CATD_IS_COORDINATION_PAGE (self));
  g_return_if_fail (clave_acta != NULL);

  gtk_stack_set_visible_child_name (self->sections, "actas");
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), clave_acta);
  search_cb (self);
  show_acta (self, clave_acta);
}

static void
inconsistency_activated_cb (CatdCoordinationPage *self,
                            guint                 position)
{
  g_autoptr(CatdCoordRow) row = view_row (self->inconsistencies_view, position);

  if (row != NULL && row->clave_acta != NULL)
    catd_coordination_page_show_acta (self, row->clave_acta);
}

/* ---- the audit log -------------------------------------------------------------------- */

static void
audit_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  CatdCoordinationPage *self = call->self;
  g_autoptr(GError) error = NULL;
  AuditPage *page = catd_session_run_finish (CATD_SESSION (object), result, &error);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);

  if (call->generation != self->audit_generation)
    {
      g_clear_pointer (&page, audit_page_free);
      return;
    }
  if (page == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = catd_session_describe_error (error);
      gtk_label_set_text (self->audit_position_label, message);
      return;
    }

  self->audit_loaded = TRUE;
  for (guint i = 0; i < page->entries->len; i++)
    {
      const CatdAuditEntry *entry = g_ptr_array_index (page->entries, i);
      g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, entry->seq);
      g_autofree char *when = local_time (entry->at);
      g_autofree char *what = format_detail (entry->detail, entry->withheld);
      const char *cells[] = {
        seq, when, entry->login ? entry->login : _("the station"), action_label (entry->action),
        entry->clave_acta, what,
      };

      g_ptr_array_add (rows, row_new (entry->clave_acta, G_N_ELEMENTS (cells), cells));
    }
  store_replace (self->audit_store, NULL, rows);
  self->audit_more = page->more;
  if (page->entries->len > 0)
    {
      const CatdAuditEntry *first = g_ptr_array_index (page->entries, 0);
      const CatdAuditEntry *last = g_ptr_array_index (page->entries, page->entries->len - 1);
      /* TRANSLATORS: the numbers of the newest and oldest log entries shown.
       * (%lld, not G_GINT64_FORMAT: xgettext cannot see through the macro.) */
      g_autofree char *text = g_strdup_printf (_("Entries %lld to %lld"),
                                               (long long)first->seq, (long long)last->seq);

      self->audit_oldest = last->seq;
      gtk_label_set_text (self->audit_position_label, text);
    }
  else
    gtk_label_set_text (self->audit_position_label, _("No entry matches."));
  gtk_widget_set_sensitive (self->audit_older_button, self->audit_more);
  gtk_widget_set_sensitive (self->audit_newer_button, self->audit_pages->len > 1);
  audit_page_free (page);
}

static void
load_audit (CatdCoordinationPage *self)
{
  AuditRequest *request;
  guint user, family;

  if (self->session == NULL || catd_session_get_user (self->session) == NULL)
    return;
  if (self->audit_pages->len == 0)
    {
      gint64 newest = 0;

      g_array_append_val (self->audit_pages, newest);
    }
  user = gtk_drop_down_get_selected (self->audit_user_dropdown);
  family = gtk_drop_down_get_selected (self->audit_action_dropdown);
  request = g_new0 (AuditRequest, 1);
  if (user > 0 && self->audit_logins && user - 1 < g_strv_length (self->audit_logins))
    request->login = g_strdup (self->audit_logins[user - 1]);
  if (family < G_N_ELEMENTS (audit_families))
    request->action = g_strdup (audit_families[family]);
  request->before_seq = g_array_index (self->audit_pages, gint64, self->audit_pages->len - 1);
  self->audit_generation++;
  catd_session_run_async (self->session, audit_func, request, audit_request_free,
                          audit_page_free, self->cancellable, audit_done_cb,
                          call_new (self, self->audit_generation));
}

static void
audit_newest_cb (CatdCoordinationPage *self)
{
  g_array_set_size (self->audit_pages, 0);
  load_audit (self);
}

static void
audit_filter_changed_cb (CatdCoordinationPage *self)
{
  audit_newest_cb (self);
}

static void
audit_older_cb (CatdCoordinationPage *self)
{
  if (!self->audit_more)
    return;
  g_array_append_val (self->audit_pages, self->audit_oldest);
  load_audit (self);
}

static void
audit_newer_cb (CatdCoordinationPage *self)
{
  if (self->audit_pages->len <= 1)
    return;
  g_array_set_size (self->audit_pages, self->audit_pages->len - 1);
  load_audit (self);
}

/* ---- export --------------------------------------------------------------------------- */

static void
set_export_feedback (CatdCoordinationPage *self,
                     const char           *kind,
                     const char           *text)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->export_feedback), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->export_feedback), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->export_feedback), text != NULL);
  if (text == NULL)
    return;
  gtk_widget_add_css_class (GTK_WIDGET (self->export_feedback), kind);
  gtk_label_set_text (self->export_feedback, text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->export_feedback),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

static void
export_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  CatdCoordinationPage *self = call->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) written = catd_session_run_finish (CATD_SESSION (object), result, &error);

  if (call->generation != self->action_generation)
    return;
  self->exporting = FALSE;
  gtk_widget_set_sensitive (self->export_button, TRUE);
  if (written == NULL)
    {
      g_autofree char *message = NULL;
      g_autofree char *text = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = catd_session_describe_error (error);
      /* TRANSLATORS: what went wrong, then the technical detail */
      text = g_strdup_printf (_("The export failed. %s (%s)"), message, error->message);
      set_export_feedback (self, "error", text);
      return;
    }
  {
    g_autoptr(GString) files = g_string_new (NULL);
    g_autofree char *text = NULL;

    for (guint i = 0; i < written->len; i++)
      g_string_append_printf (files, "%s%s", i ? ", " : "", (char *)written->pdata[i]);
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "Exported %u file: %s",
                                         "Exported %u files: %s", written->len),
                            written->len, files->str);
    set_export_feedback (self, "success", text);
  }
}

static void
export_to (CatdCoordinationPage *self,
           const char           *election,
           const char           *path)
{
  ExportRequest *request;

  if (self->session == NULL || catd_session_get_user (self->session) == NULL || self->exporting)
    return;
  request = g_new0 (ExportRequest, 1);
  request->election = g_strdup (election);
  request->path = g_strdup (path);
  self->exporting = TRUE;
  gtk_widget_set_sensitive (self->export_button, FALSE);
  set_export_feedback (self, "success", _("Exporting…"));
  catd_session_run_async (self->session, export_func, request, export_request_free,
                          (GDestroyNotify)g_ptr_array_unref, self->cancellable, export_done_cb,
                          call_new (self, self->action_generation));
}

static void
chooser_response_cb (CatdCoordinationPage *self,
                     int                   response,
                     GtkNativeDialog      *chooser)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *election = g_steal_pointer (&self->chooser_election);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      G_GNUC_END_IGNORE_DEPRECATIONS
      path = file ? g_file_get_path (file) : NULL;
    }
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);
  if (path == NULL)
    {
      if (response == GTK_RESPONSE_ACCEPT)
        set_export_feedback (self, "error", _("Choose a folder on this computer."));
      return;
    }
  export_to (self, election, path);
}

static void
export_clicked_cb (CatdCoordinationPage *self)
{
  guint selected = gtk_drop_down_get_selected (self->export_election_dropdown);
  const char *election = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->chooser != NULL || self->exporting)
    return;
  if (selected > 0 && self->elections && selected - 1 < g_strv_length (self->elections))
    election = self->elections[selected - 1];

  /* GtkFileChooserNative: a portal's dialog where there is one, GTK's own
   * elsewhere (GtkFileDialog is GTK 4.10). */
  if (election != NULL)
    {
      g_autofree char *name = g_strconcat (election, ".csv", NULL);

      self->chooser = gtk_file_chooser_native_new (_("Export prep-csv"),
                                                   GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                   GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                                   _("_Cancel"));
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
      G_GNUC_END_IGNORE_DEPRECATIONS
    }
  else
    self->chooser = gtk_file_chooser_native_new (_("Export prep-csv: a folder for one file per "
                                                   "election"),
                                                 GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                                 _("_Export"), _("_Cancel"));
  self->chooser_election = g_strdup (election);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect_swapped (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- the page's life ------------------------------------------------------------------ */

static void
section_changed_cb (CatdCoordinationPage *self)
{
  const char *name = gtk_stack_get_visible_child_name (self->sections);

  if (g_strcmp0 (name, "audit") == 0 && !self->audit_loaded)
    load_audit (self);
}

static void
stop_work (CatdCoordinationPage *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  /* Whatever is on its way is dropped when it arrives. */
  self->summary_generation++;
  self->search_generation++;
  self->detail_generation++;
  self->audit_generation++;
  self->action_generation++;
  self->summary_busy = FALSE;
  self->exporting = FALSE;
  if (self->export_button != NULL)
    gtk_widget_set_sensitive (self->export_button, TRUE);
}

static void
start_work (CatdCoordinationPage *self)
{
  if (self->session == NULL || catd_session_get_user (self->session) == NULL ||
      !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  refresh_summary (self);
  if (self->audit_loaded || g_strcmp0 (gtk_stack_get_visible_child_name (self->sections),
                                       "audit") == 0)
    load_audit (self);
  if (self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (REFRESH_SECONDS, timer_cb, self);
}

static void
user_changed_cb (CatdCoordinationPage *self)
{
  /* Nothing the previous user saw may survive a change of user. */
  stop_work (self);
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  g_clear_pointer (&self->chooser_election, g_free);
  fill_progress (self, NULL);
  fill_states (self, NULL);
  fill_queue (self, NULL);
  store_clear (self->users_store, &self->users_signature);
  fill_inconsistencies (self, NULL);
  catd_throughput_chart_set_data (self->chart, NULL);
  store_clear (self->matches_store, NULL);
  store_clear (self->history_store, NULL);
  store_clear (self->audit_store, NULL);
  g_array_set_size (self->audit_pages, 0);
  self->audit_loaded = FALSE;
  self->audit_more = FALSE;
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  gtk_label_set_text (self->search_status_label, "");
  show_detail_text (self, NULL, NULL);
  gtk_label_set_text (self->audit_position_label, "");
  gtk_label_set_text (self->updated_label, "");
  set_export_feedback (self, NULL, NULL);
  gtk_stack_set_visible_child_name (self->sections, "summary");
  start_work (self);
}

static void
catd_coordination_page_map (GtkWidget *widget)
{
  CatdCoordinationPage *self = CATD_COORDINATION_PAGE (widget);

  GTK_WIDGET_CLASS (catd_coordination_page_parent_class)->map (widget);
  start_work (self);
}

static void
catd_coordination_page_unmap (GtkWidget *widget)
{
  CatdCoordinationPage *self = CATD_COORDINATION_PAGE (widget);

  /* Nothing is read while nobody looks. An export in flight finishes:
   * its worker does not look at the page. */
  g_clear_handle_id (&self->timer_id, g_source_remove);
  GTK_WIDGET_CLASS (catd_coordination_page_parent_class)->unmap (widget);
}

static void
catd_coordination_page_dispose (GObject *object)
{
  CatdCoordinationPage *self = (CatdCoordinationPage *)object;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  set_sync (self, NULL);
  /* Answers still on their way find a page without widgets: dropped. */
  stop_work (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_COORDINATION_PAGE);
  g_clear_object (&self->users_store);
  g_clear_object (&self->inconsistencies_store);
  g_clear_object (&self->matches_store);
  g_clear_object (&self->history_store);
  g_clear_object (&self->audit_store);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (catd_coordination_page_parent_class)->dispose (object);
}

static void
catd_coordination_page_finalize (GObject *object)
{
  CatdCoordinationPage *self = (CatdCoordinationPage *)object;

  g_free (self->users_signature);
  g_free (self->inconsistencies_signature);
  g_free (self->chooser_election);
  g_strfreev (self->elections);
  g_strfreev (self->audit_logins);
  g_array_unref (self->audit_pages);

  G_OBJECT_CLASS (catd_coordination_page_parent_class)->finalize (object);
}

static void
catd_coordination_page_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  CatdCoordinationPage *self = CATD_COORDINATION_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_coordination_page_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  CatdCoordinationPage *self = CATD_COORDINATION_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      catd_coordination_page_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_coordination_page_class_init (CatdCoordinationPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_coordination_page_dispose;
  object_class->finalize = catd_coordination_page_finalize;
  object_class->get_property = catd_coordination_page_get_property;
  object_class->set_property = catd_coordination_page_set_property;
  widget_class->map = catd_coordination_page_map;
  widget_class->unmap = catd_coordination_page_unmap;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         CATD_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CATD_TYPE_THROUGHPUT_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mx/catd/Station/catd-coordination-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, content);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, updated_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage,
                                        export_election_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, export_button);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, export_feedback);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, sections);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, progress_grid);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, states_grid);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, pending_images_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, pending_records_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, sent_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, dead_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, site_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, upload_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, clock_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, hours_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, chart);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, users_view);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, inconsistencies_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, inconsistencies_view);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, search_status_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, matches_view);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, acta_title_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, acta_summary_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, history_view);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, audit_user_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, audit_action_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, audit_position_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, audit_newer_button);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, audit_older_button);
  gtk_widget_class_bind_template_child (widget_class, CatdCoordinationPage, audit_view);
  gtk_widget_class_bind_template_callback (widget_class, refresh_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, export_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, section_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, sync_now_cb);
  gtk_widget_class_bind_template_callback (widget_class, retry_dead_cb);
  gtk_widget_class_bind_template_callback (widget_class, hours_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, inconsistency_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_cb);
  gtk_widget_class_bind_template_callback (widget_class, match_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, audit_filter_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, audit_newest_cb);
  gtk_widget_class_bind_template_callback (widget_class, audit_newer_cb);
  gtk_widget_class_bind_template_callback (widget_class, audit_older_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
catd_coordination_page_init (CatdCoordinationPage *self)
{
  const char *user_titles[] = {
    _("User"), _("Name"), _("Role"), _("Actas keyed"), _("Fields keyed"), _("Errors"),
    _("Errors per 1,000 fields"), _("Actas per hour"),
  };
  const char *inconsistency_titles[] = {
    _("Reason"), _("Acta"), _("Election"), _("Since"), _("Detail"),
  };
  const char *match_titles[] = {
    _("Acta"), _("Polling station"), _("Election"), _("Stage"), _("Received"),
  };
  const char *history_titles[] = { _("Time"), _("User"), _("Action"), _("Detail") };
  const char *audit_titles[] = {
    _("No."), _("Time"), _("User"), _("Action"), _("Acta"), _("Detail"),
  };
  g_autoptr(GtkStringList) families = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) everyone = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->audit_pages = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->users_store = g_list_store_new (CATD_TYPE_COORD_ROW);
  self->inconsistencies_store = g_list_store_new (CATD_TYPE_COORD_ROW);
  self->matches_store = g_list_store_new (CATD_TYPE_COORD_ROW);
  self->history_store = g_list_store_new (CATD_TYPE_COORD_ROW);
  self->audit_store = g_list_store_new (CATD_TYPE_COORD_ROW);

  setup_view (self->users_view, self->users_store, user_titles, G_N_ELEMENTS (user_titles), 1,
              FALSE);
  setup_view (self->inconsistencies_view, self->inconsistencies_store, inconsistency_titles,
              G_N_ELEMENTS (inconsistency_titles), 4, TRUE);
  setup_view (self->matches_view, self->matches_store, match_titles, G_N_ELEMENTS (match_titles),
              0, TRUE);
  setup_view (self->history_view, self->history_store, history_titles,
              G_N_ELEMENTS (history_titles), 3, FALSE);
  setup_view (self->audit_view, self->audit_store, audit_titles, G_N_ELEMENTS (audit_titles), 5,
              FALSE);
  g_signal_connect_object (gtk_column_view_get_model (self->matches_view), "notify::selected",
                           G_CALLBACK (match_selected_cb), self, G_CONNECT_SWAPPED);

  for (guint i = 0; i < G_N_ELEMENTS (audit_families); i++)
    gtk_string_list_append (families, audit_family_label (i));
  g_signal_handlers_block_matched (self->audit_action_dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                   NULL, self);
  gtk_drop_down_set_model (self->audit_action_dropdown, G_LIST_MODEL (families));
  g_signal_handlers_unblock_matched (self->audit_action_dropdown, G_SIGNAL_MATCH_DATA, 0, 0,
                                     NULL, NULL, self);
  gtk_string_list_append (everyone, _("Everyone"));
  g_signal_handlers_block_matched (self->audit_user_dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                   NULL, self);
  gtk_drop_down_set_model (self->audit_user_dropdown, G_LIST_MODEL (everyone));
  g_signal_handlers_unblock_matched (self->audit_user_dropdown, G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                     NULL, self);
  {
    g_autoptr(GtkStringList) every = gtk_string_list_new (NULL);

    gtk_string_list_append (every, _("Every election, one file each"));
    gtk_drop_down_set_model (self->export_election_dropdown, G_LIST_MODEL (every));
  }
  gtk_widget_set_sensitive (self->audit_older_button, FALSE);
  gtk_widget_set_sensitive (self->audit_newer_button, FALSE);
  update_sync (self);
}

CatdSession *
catd_coordination_page_get_session (CatdCoordinationPage *self)
{
  g_return_val_if_fail (CATD_IS_COORDINATION_PAGE (self), NULL);

  return self->session;
}

void
catd_coordination_page_set_session (CatdCoordinationPage *self,
                                    CatdSession          *session)
{
  g_return_if_fail (CATD_IS_COORDINATION_PAGE (self));
  if (!catd_session_attach (&self->session, session, self, G_CALLBACK (user_changed_cb)))
    return;
  if (session != NULL)
    g_signal_connect_object (session, "notify::sync", G_CALLBACK (session_sync_changed_cb),
                             self, G_CONNECT_SWAPPED);
  session_sync_changed_cb (self);
  user_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}
