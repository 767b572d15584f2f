/* catd-scan-page.c - the Digitalización screen: scanners, scanning, preview, binding
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

/* Before catd-scan-page.h: see there why. */
#include "catd-scan-engine.h"

#include "catd-demo.h"
#include "catd-scan-page.h"

/* The screen drives the engine as `catdctl scan` does, and adds nothing to
 * its rules: a CatdScanBatch takes every page through its checks into a
 * stored, bound image, and pauses at a page that fails them; the screen
 * shows the page and asks the operator (bind by hand, scan again, set
 * aside, cancel). What runs where:
 *
 *   main thread    the widgets; the batch's and the scanner's signals
 *                  (they arrive on the main context); nothing that blocks
 *   scanner thread SANE, through the catd-scand helper (CatdScanner)
 *   batch threads  checks, TIFF encoding, storing and the commit
 *   session pool   everything else that reads or writes the station:
 *                  making a batch (it checks the acta named), the checks of
 *                  an acta typed to bind a page to, importing a file, the
 *                  demo's synthetic pages
 *   decode pool    the preview's pixels into a texture (CatdImageView)
 *
 * A page just scanned is shown from its pixels in memory (never read back
 * from its TIFF), with the stored file's path as the cache key, so the
 * capture screen's viewer reuses that texture. */

#define RESOLUTIONS 7
static const guint resolutions[RESOLUTIONS] = { 75, 100, 150, 200, 300, 400, 600 };

static const CatdScanSource sources[] = {
  CATD_SCAN_SOURCE_FLATBED,
  CATD_SCAN_SOURCE_ADF,
  CATD_SCAN_SOURCE_DUPLEX,
};

static const CatdScanMode modes[] = {
  CATD_SCAN_MODE_GRAY,
  CATD_SCAN_MODE_COLOR,
};

/* A refusal already put in the operator's words (translated): shown as it is. */
#define SCAN_PAGE_ERROR (scan_page_error_quark ())
static GQuark scan_page_error_quark (void);
G_DEFINE_QUARK (catd-scan-page-error-quark, scan_page_error)

typedef enum
{
  SCAN_PAGE_ERROR_REFUSED,
} ScanPageError;

/* What the pages list remembers of each page, for showing it again. */
typedef struct
{
  guint           number;       /* in its batch; 0 for an imported file */
  char           *clave_acta;   /* bound to, or NULL */
  char           *path;         /* the stored file, or NULL when set aside */
  gboolean        checked;      /* whether the flags below are known */
  CatdPageVerdict verdict;
  char           *qr;
  double          ink;
  char           *binding;      /* "qr", "hand", "import", or NULL */
} PageRecord;

struct _CatdScanPage
{
  GtkWidget         parent_instance;

  CatdSession      *session;
  CatdScanner      *scanner;
  GPtrArray        *devices;           /* CatdScanDevice, as listed */
  GStrv             backend_options;
  GCancellable     *list_cancellable;
  GCancellable     *cancellable;       /* session work of the current user */
  gboolean          listed;
  gboolean          loading_settings;

  /* The scan in progress. */
  CatdScanBatch    *batch;
  gboolean          preparing;         /* the batch is being made */
  gboolean          feeder;
  gboolean          operator_cancelled;
  gboolean          deciding;          /* a hand binding is being checked */
  guint             n_started;         /* pages the scanner began */
  guint             n_stored;
  guint             n_set_aside;
  guint             problem_number;    /* the page waiting for a decision, or 0 */
  char             *run_acta;          /* the acta named for a flatbed scan */
  gboolean          run_replace;

  char             *import_clave;      /* the key typed when the chooser opened */
  char             *import_reason;     /* and the replacement's reason, if it is one */
  GtkNativeDialog  *chooser;
  PageRecord       *shown;             /* the page in the preview (owned by its row) */

  GtkWidget        *content;
  GtkDropDown      *scanner_dropdown;
  GtkWidget        *refresh_button;
  GtkLabel         *scanner_status;
  GtkDropDown      *source_dropdown;
  GtkDropDown      *resolution_dropdown;
  GtkDropDown      *mode_dropdown;
  GtkLabel         *clave_hint;
  GtkEntry         *clave_entry;
  GtkCheckButton   *replace_check;
  GtkEntry         *reason_entry;
  GtkWidget        *scan_button;
  GtkToggleButton  *hold_button;
  GtkWidget        *stop_button;
  GtkProgressBar   *progress_bar;
  GtkWidget        *import_button;
  GtkWidget        *feedback_box;
  GtkLabel         *feedback_title;
  GtkLabel         *feedback_detail;
  GtkWidget        *decision_box;
  GtkLabel         *decision_title;
  GtkLabel         *decision_reason;
  GtkEntry         *decision_entry;
  GtkLabel         *decision_error;
  GtkWidget        *bind_button;
  GtkWidget        *rescan_button;
  GtkWidget        *skip_button;
  GtkWidget        *cancel_button;
  GtkListBox       *pages_list;
  GtkLabel         *preview_title;
  GtkWidget        *replace_image_button;
  GtkWidget        *flags_box;
  GtkLabel         *flag_blank;
  GtkLabel         *flag_qr;
  GtkLabel         *flag_ink;
  GtkLabel         *flag_match;
  CatdImageView    *image_view;
  GtkLabel         *zoom_label;
};

G_DEFINE_FINAL_TYPE (CatdScanPage, catd_scan_page, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
page_record_free (gpointer data)
{
  PageRecord *record = data;

  g_free (record->clave_acta);
  g_free (record->path);
  g_free (record->qr);
  g_free (record->binding);
  g_free (record);
}

static const char *
source_label (CatdScanSource source)
{
  switch (source)
    {
    case CATD_SCAN_SOURCE_FLATBED:
      return _("Flatbed (one acta)");
    case CATD_SCAN_SOURCE_ADF:
      return _("Document feeder (batch)");
    case CATD_SCAN_SOURCE_DUPLEX:
      return _("Document feeder, both sides (batch)");
    default:
      return "";
    }
}

static const char *
mode_label (CatdScanMode mode)
{
  switch (mode)
    {
    case CATD_SCAN_MODE_GRAY:
      return _("Grey");
    case CATD_SCAN_MODE_COLOR:
      return _("Colour");
    default:
      return "";
    }
}

/* ---- small views ----------------------------------------------------------- */

static void
set_feedback (CatdScanPage *self,
              const char   *kind,
              const char   *title,
              const char   *detail)
{
  static const char *kinds[] = { "success", "error", "warning" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    gtk_widget_remove_css_class (self->feedback_box, kinds[i]);
  gtk_widget_set_visible (self->feedback_box, title != NULL);
  if (title == NULL)
    return;
  if (kind != NULL)
    gtk_widget_add_css_class (self->feedback_box, kind);
  gtk_label_set_label (self->feedback_title, title);
  gtk_label_set_label (self->feedback_detail, detail ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (self->feedback_detail), detail != NULL);
  /* Screen readers announce the answer without a focus change. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->feedback_title),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, title, -1);
}

static void
show_error (CatdScanPage *self,
            const char   *title,
            const GError *error)
{
  g_autofree char *sentence = NULL;

  if (error->domain == SCAN_PAGE_ERROR)
    sentence = g_strdup (error->message);
  else
    sentence = catd_session_describe_error (error);
  g_debug ("scan page: %s: %s", title, error->message);
  gtk_widget_error_bell (GTK_WIDGET (self));
  set_feedback (self, "error", title, sentence);
}

static void
set_progress (CatdScanPage *self,
              double        fraction,
              const char   *text)
{
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), TRUE);
  if (fraction < 0)
    gtk_progress_bar_pulse (self->progress_bar);
  else
    gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0, 1));
  if (text != NULL)
    gtk_progress_bar_set_text (self->progress_bar, text);
}

static CatdScanSource
selected_source (CatdScanPage *self)
{
  guint i = gtk_drop_down_get_selected (self->source_dropdown);

  return i < G_N_ELEMENTS (sources) ? sources[i] : CATD_SCAN_SOURCE_FLATBED;
}

static gboolean
is_busy (CatdScanPage *self)
{
  return self->preparing || self->batch != NULL;
}

/* Moves the keyboard focus out of @widget before it is made insensitive or
 * hidden: GTK 4.8 does not tell an entry that loses the focus that way,
 * and its cursor would go on blinking (and warning). */
static void
move_focus_from (CatdScanPage *self,
                 GtkWidget    *widget,
                 GtkWidget    *to)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

  if (focus == NULL || (focus != widget && !gtk_widget_is_ancestor (focus, widget)))
    return;
  if (to == NULL || !gtk_widget_is_sensitive (to) || !gtk_widget_get_mapped (to) ||
      !gtk_widget_grab_focus (to))
    gtk_root_set_focus (root, NULL);
}

/* Which controls make sense now: settings only between scans, the acta key
 * only for the flatbed (a feeder identifies every page by its label). */
static void
update_sensitivity (CatdScanPage *self)
{
  gboolean busy = is_busy (self);
  gboolean flatbed = selected_source (self) == CATD_SCAN_SOURCE_FLATBED;
  gboolean replace = gtk_check_button_get_active (self->replace_check);
  gboolean user = self->session != NULL && catd_session_get_user (self->session) != NULL;

  gtk_widget_set_sensitive (self->stop_button, busy && !self->operator_cancelled);
  if (busy || !flatbed)
    {
      move_focus_from (self, GTK_WIDGET (self->clave_entry), self->stop_button);
      move_focus_from (self, GTK_WIDGET (self->reason_entry), self->stop_button);
    }

  gtk_widget_set_sensitive (GTK_WIDGET (self->scanner_dropdown), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->source_dropdown), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->resolution_dropdown), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->mode_dropdown), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->clave_entry), !busy && flatbed);
  gtk_widget_set_sensitive (GTK_WIDGET (self->replace_check), !busy && flatbed);
  gtk_widget_set_visible (GTK_WIDGET (self->reason_entry), replace && flatbed);
  gtk_widget_set_sensitive (GTK_WIDGET (self->reason_entry), !busy);
  gtk_widget_set_sensitive (self->scan_button, !busy && user);
  gtk_widget_set_visible (GTK_WIDGET (self->hold_button), self->batch != NULL && self->feeder);
  gtk_widget_set_sensitive (self->import_button, !busy && user);
  gtk_widget_set_sensitive (self->bind_button, !self->deciding);
  gtk_widget_set_sensitive (self->rescan_button, !self->deciding);
  gtk_widget_set_sensitive (self->skip_button, !self->deciding);
  gtk_widget_set_sensitive (self->cancel_button, !self->deciding);

  gtk_label_set_label (self->clave_hint,
                       flatbed ? _("Type the acta's key to bind the page to it, or leave it "
                                   "empty to bind it by its QR label.")
                               : _("The feeder binds each page to the acta its QR label names; "
                                   "a page without a readable label stops the batch."));
}

static void
set_flag (GtkLabel   *label,
          const char *kind,
          const char *text)
{
  static const char *kinds[] = { "success", "error", "warning" };

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    gtk_widget_remove_css_class (GTK_WIDGET (label), kinds[i]);
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
  if (text == NULL)
    return;
  if (kind != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (label), kind);
  gtk_label_set_label (label, text);
}

/* The quality flags of a page and how it was matched to its acta. */
static void
show_flags (CatdScanPage     *self,
            const PageRecord *record,
            const char       *problem)
{
  g_autofree char *qr = NULL;
  g_autofree char *ink = NULL;
  g_autofree char *match = NULL;

  gtk_widget_set_visible (self->flags_box, record != NULL);
  if (record == NULL)
    return;

  if (record->checked)
    {
      gboolean blank = record->verdict == CATD_PAGE_BLANK;
      gboolean foreign = record->verdict == CATD_PAGE_NOT_IN_CATALOG;

      set_flag (self->flag_blank, blank ? "error" : "success",
                blank ? _("✗ Blank page") : _("✓ Not blank"));
      if (record->qr != NULL)
        /* TRANSLATORS: the key read from the page's QR label */
        qr = g_strdup_printf (_("%s QR label: %s"), foreign ? "✗" : "✓", record->qr);
      else
        qr = g_strdup (_("✗ No QR label found"));
      set_flag (self->flag_qr, record->qr && !foreign ? "success" : "warning", qr);
      /* TRANSLATORS: the share of dark pixels on the page */
      ink = g_strdup_printf (_("Ink %.1f %%"), record->ink * 100);
      set_flag (self->flag_ink, NULL, ink);
    }
  else
    {
      set_flag (self->flag_blank, NULL, NULL);
      set_flag (self->flag_qr, NULL, NULL);
      set_flag (self->flag_ink, NULL, NULL);
    }

  if (problem != NULL)
    set_flag (self->flag_match, "warning", problem);
  else if (record->path == NULL)
    set_flag (self->flag_match, "warning", _("Set aside: not stored"));
  else
    {
      if (g_strcmp0 (record->binding, "qr") == 0)
        match = g_strdup_printf (_("Stored for acta %s, matched by its QR label"),
                                 record->clave_acta);
      else if (g_strcmp0 (record->binding, "import") == 0)
        match = g_strdup_printf (_("Stored for acta %s, imported from a file"),
                                 record->clave_acta);
      else
        match = g_strdup_printf (_("Stored for acta %s, bound by hand"), record->clave_acta);
      set_flag (self->flag_match, "success", match);
    }
}

static char *
record_title (const PageRecord *record)
{
  if (record->number == 0)
    /* TRANSLATORS: an imported file, then the acta it is the image of */
    return g_strdup_printf (_("Imported file · acta %s"), record->clave_acta);
  if (record->path == NULL)
    return g_strdup_printf (_("Page %u · set aside"), record->number);
  return g_strdup_printf (_("Page %u · acta %s"), record->number, record->clave_acta);
}

static void
show_record (CatdScanPage *self,
             PageRecord   *record)
{
  g_autofree char *title = record_title (record);

  self->shown = record;
  gtk_label_set_label (self->preview_title, title);
  show_flags (self, record, NULL);
  gtk_widget_set_visible (self->replace_image_button, record->path != NULL &&
                          record->clave_acta != NULL);
}

static void
clear_preview (CatdScanPage *self)
{
  self->shown = NULL;
  catd_image_view_clear (self->image_view);
  gtk_label_set_label (self->preview_title, _("No page shown"));
  gtk_widget_set_visible (self->replace_image_button, FALSE);
  show_flags (self, NULL, NULL);
}

static void
add_record (CatdScanPage *self,
            PageRecord   *record)
{
  g_autofree char *title = record_title (record);
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *label = gtk_label_new (title);
  const char *status;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *state;
  g_autofree char *accessible = NULL;

  if (record->path == NULL)
    status = _("Set aside");
  else if (g_strcmp0 (record->binding, "qr") == 0)
    status = _("Stored, by its QR label");
  else if (g_strcmp0 (record->binding, "import") == 0)
    status = _("Stored, imported");
  else
    status = _("Stored, bound by hand");
  state = gtk_label_new (status);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (state, "dim-label");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), state);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), record->path != NULL);
  g_object_set_data_full (G_OBJECT (row), "catd-page-record", record, page_record_free);
  accessible = g_strdup_printf ("%s, %s", title, status);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  /* The newest page first: it is the one the operator looks at. */
  gtk_list_box_prepend (self->pages_list, row);
}

static PageRecord *
record_from_result (const CatdScanResult *result)
{
  PageRecord *record = g_new0 (PageRecord, 1);

  record->number = result->number;
  record->clave_acta = g_strdup (result->stored ? result->clave_acta : NULL);
  record->path = g_strdup (result->stored ? result->path : NULL);
  record->binding = g_strdup (result->stored ? result->binding : NULL);
  if (result->check != NULL)
    {
      record->checked = TRUE;
      record->verdict = result->check->verdict;
      record->qr = g_strdup (result->check->clave_acta);
      record->ink = result->check->ink;
    }
  return record;
}

static void
clear_pages (CatdScanPage *self)
{
  GtkListBoxRow *row;

  clear_preview (self);
  /* Rows only: the list's placeholder stays. */
  while ((row = gtk_list_box_get_row_at_index (self->pages_list, 0)))
    gtk_list_box_remove (self->pages_list, GTK_WIDGET (row));
}

/* ---- refusals in the operator's words ----------------------------------------- */

/* Worker thread: after the engine refused to bind an image to @clave, says
 * why in words the operator can act on (the engine's own message is kept
 * in the log by the caller). Looks the acta up, which the engine's error
 * code alone cannot tell. */
static void
explain_refusal (CatdStation  *station,
                 const char   *clave,
                 gboolean      replace,
                 GError      **error)
{
  g_autoptr(CatdRegistration) reg = NULL;
  g_autofree char *normal = NULL;
  char *sentence = NULL;

  if (error == NULL || *error == NULL || clave == NULL || (*error)->domain != CATD_STATION_ERROR)
    return;
  normal = catd_normalize_clave (clave);
  if (normal == NULL)
    return;

  switch ((*error)->code)
    {
    case CATD_STATION_ERROR_UNKNOWN_ACTA:
      sentence = g_strdup_printf (_("%s is not in the catalog. Check the key printed on the "
                                    "acta and type it again."), normal);
      break;

    case CATD_STATION_ERROR_WRONG_STATE:
      reg = catd_station_find_registration (station, normal, NULL);
      if (reg == NULL)
        sentence = g_strdup_printf (_("Acta %s has not been registered at reception. Take it "
                                      "to reception first, then scan it."), normal);
      else if (reg->state == CATD_ACTA_SIN_ACTA)
        sentence = g_strdup_printf (_("Acta %s was recorded without acta: it takes no image."),
                                    normal);
      else if (replace)
        sentence = g_strdup_printf (_("Acta %s has no image yet. Untick “Replace the acta's "
                                      "current image” and scan it."), normal);
      else
        sentence = g_strdup_printf (_("Acta %s already has an image. To replace it, tick "
                                      "“Replace the acta's current image” and say why."),
                                    normal);
      break;

    case CATD_STATION_ERROR_DUPLICATE:
      sentence = g_strdup_printf (_("This image is already stored for another acta, or is the "
                                    "same as the image of acta %s. Check that the paper is "
                                    "acta %s."), normal, normal);
      break;

    default:
      return;
    }

  g_debug ("scan page: %s", (*error)->message);
  g_clear_error (error);
  g_set_error_literal (error, SCAN_PAGE_ERROR, SCAN_PAGE_ERROR_REFUSED, sentence);
  g_free (sentence);
}

/* The operator's sentence for a page that stopped the batch. */
static char *
describe_problem (const CatdScanResult *result,
                  const char           *acta)
{
  const char *qr = result->check ? result->check->clave_acta : NULL;

  switch (result->check ? result->check->verdict : CATD_PAGE_OK)
    {
    case CATD_PAGE_BLANK:
      return g_strdup (_("The page is blank. Check that the sheet was fed face down and the "
                         "right way round, then scan it again."));
    case CATD_PAGE_NO_QR:
      return g_strdup (_("No readable QR label was found on the page. Type the acta key "
                         "printed on the paper to bind it by hand, or scan it again."));
    case CATD_PAGE_NOT_IN_CATALOG:
      return g_strdup_printf (_("The QR label says %s, which is not in the catalog. Check the "
                                "paper: type its right key to bind it by hand, or set the "
                                "page aside."), qr);
    case CATD_PAGE_NOT_REGISTERED:
      return g_strdup_printf (_("Acta %s has not been registered at reception. Set the page "
                                "aside, take the acta to reception, then scan it again."), qr);
    case CATD_PAGE_ALREADY_DIGITIZED:
      return g_strdup_printf (_("Acta %s already has an image. Set the page aside; if it must "
                                "replace that image, scan it on the flatbed with “Replace the "
                                "acta's current image” and a reason."), qr);
    case CATD_PAGE_NOT_DIGITIZABLE:
      return g_strdup_printf (_("Acta %s was recorded without acta: it takes no image. Set "
                                "the page aside."), qr);
    case CATD_PAGE_WRONG_ACTA:
      return g_strdup_printf (_("The QR label says %s, not %s as typed. Check which acta is on "
                                "the glass."), qr, acta ? acta : "");
    case CATD_PAGE_OK:
    default:
      /* The checks passed but the store refused the page (the engine's
       * reason is in the log): a binding by hand to a key that was then
       * refused, or the same page stored twice. */
      return g_strdup (_("The page could not be stored for that acta. Check the key printed on "
                         "the paper and bind it again, or set the page aside."));
    }
}

/* ---- scanners ---------------------------------------------------------------- */

static void scanner_page_started_cb (CatdScanner *scanner,
                                     guint        job,
                                     guint        number,
                                     CatdScanPage *self);
static void scanner_progress_cb     (CatdScanner *scanner,
                                     guint        job,
                                     double       fraction,
                                     CatdScanPage *self);

static CatdScanner *
ensure_scanner (CatdScanPage *self)
{
  if (self->scanner == NULL)
    catd_scan_page_set_scanner (self, NULL);
  return self->scanner;
}

/* The device to scan with: the one chosen, or before the list came the one
 * saved; %NULL (the first one found) when there is neither. */
static char *
dup_selected_device (CatdScanPage *self)
{
  guint i = gtk_drop_down_get_selected (self->scanner_dropdown);
  g_autofree char *saved = NULL;

  if (self->devices != NULL && i < self->devices->len)
    return g_strdup (((CatdScanDevice *)g_ptr_array_index (self->devices, i))->name);
  if (self->session != NULL)
    saved = g_settings_get_string (catd_session_get_settings (self->session), "scan-device");
  return saved && *saved ? g_steal_pointer (&saved) : NULL;
}

static void
devices_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CatdScanPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) devices = NULL;
  g_autoptr(GtkStringList) labels = gtk_string_list_new (NULL);
  g_autofree char *wanted = NULL;
  guint selected = GTK_INVALID_LIST_POSITION;

  devices = catd_scanner_list_devices_finish (CATD_SCANNER (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&self->list_cancellable);
  gtk_widget_set_sensitive (self->refresh_button, TRUE);
  self->listed = TRUE;

  if (devices == NULL)
    {
      g_autofree char *sentence = catd_session_describe_error (error);

      g_debug ("scan page: listing scanners: %s", error->message);
      gtk_label_set_label (self->scanner_status, sentence);
      gtk_widget_set_visible (GTK_WIDGET (self->scanner_status), TRUE);
      return;
    }

  if (self->session != NULL)
    wanted = g_settings_get_string (catd_session_get_settings (self->session), "scan-device");
  for (guint i = 0; i < devices->len; i++)
    {
      CatdScanDevice *device = g_ptr_array_index (devices, i);
      g_autofree char *label = g_strdup_printf ("%s %s (%s)", device->vendor, device->model,
                                                device->name);

      gtk_string_list_append (labels, label);
      if (wanted && g_str_equal (wanted, device->name))
        selected = i;
    }
  /* The demo's scanner is the one that reads synthetic actas. */
  if (selected == GTK_INVALID_LIST_POSITION && (wanted == NULL || *wanted == '\0') &&
      self->session != NULL && catd_session_get_demo (self->session))
    for (guint i = 0; i < devices->len && selected == GTK_INVALID_LIST_POSITION; i++)
      if (g_str_has_prefix (((CatdScanDevice *)g_ptr_array_index (devices, i))->name, "pnm"))
        {
          selected = i;
          gtk_drop_down_set_selected (self->source_dropdown, 0);
        }

  g_clear_pointer (&self->devices, g_ptr_array_unref);
  self->devices = g_steal_pointer (&devices);
  self->loading_settings = TRUE;
  gtk_drop_down_set_model (self->scanner_dropdown, G_LIST_MODEL (labels));
  gtk_drop_down_set_selected (self->scanner_dropdown,
                              selected != GTK_INVALID_LIST_POSITION ? selected : 0);
  self->loading_settings = FALSE;

  if (self->devices->len == 0)
    {
      gtk_label_set_label (self->scanner_status,
                           _("No scanner was found. Check that it is plugged in and switched "
                             "on, then press the refresh button."));
      gtk_widget_set_visible (GTK_WIDGET (self->scanner_status), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->scanner_status), FALSE);
}

/**
 * catd_scan_page_refresh_devices:
 *
 * Looks for scanners again, on the scanner's worker thread (a network
 * backend can take seconds); the list changes when the answer comes.
 */
void
catd_scan_page_refresh_devices (CatdScanPage *self)
{
  CatdScanner *scanner;

  g_return_if_fail (CATD_IS_SCAN_PAGE (self));

  scanner = ensure_scanner (self);
  g_cancellable_cancel (self->list_cancellable);
  g_clear_object (&self->list_cancellable);
  self->list_cancellable = g_cancellable_new ();
  gtk_widget_set_sensitive (self->refresh_button, FALSE);
  gtk_label_set_label (self->scanner_status, _("Looking for scanners…"));
  gtk_widget_set_visible (GTK_WIDGET (self->scanner_status), TRUE);
  catd_scanner_list_devices_async (scanner, self->list_cancellable, devices_cb,
                                   g_object_ref (self));
}

static void
refresh_cb (CatdScanPage *self)
{
  catd_scan_page_refresh_devices (self);
}

/* ---- settings ------------------------------------------------------------------ */

static void
load_settings (CatdScanPage *self)
{
  GSettings *settings;
  guint dpi;
  int source, mode;
  guint best = 0;

  if (self->session == NULL)
    return;
  settings = catd_session_get_settings (self->session);
  source = g_settings_get_enum (settings, "scan-source");
  mode = g_settings_get_enum (settings, "scan-mode");
  dpi = g_settings_get_uint (settings, "scan-resolution");
  for (guint i = 0; i < RESOLUTIONS; i++)
    if (ABS ((int)resolutions[i] - (int)dpi) < ABS ((int)resolutions[best] - (int)dpi))
      best = i;

  self->loading_settings = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    if ((int)sources[i] == source)
      gtk_drop_down_set_selected (self->source_dropdown, i);
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    if ((int)modes[i] == mode)
      gtk_drop_down_set_selected (self->mode_dropdown, i);
  gtk_drop_down_set_selected (self->resolution_dropdown, best);
  self->loading_settings = FALSE;
  update_sensitivity (self);
}

static void
setting_changed_cb (CatdScanPage *self)
{
  GSettings *settings;
  guint i;

  update_sensitivity (self);
  if (self->loading_settings || self->session == NULL)
    return;
  settings = catd_session_get_settings (self->session);
  i = gtk_drop_down_get_selected (self->source_dropdown);
  if (i < G_N_ELEMENTS (sources))
    g_settings_set_enum (settings, "scan-source", sources[i]);
  i = gtk_drop_down_get_selected (self->mode_dropdown);
  if (i < G_N_ELEMENTS (modes))
    g_settings_set_enum (settings, "scan-mode", modes[i]);
  i = gtk_drop_down_get_selected (self->resolution_dropdown);
  if (i < RESOLUTIONS)
    g_settings_set_uint (settings, "scan-resolution", resolutions[i]);
  i = gtk_drop_down_get_selected (self->scanner_dropdown);
  if (self->devices != NULL && i < self->devices->len)
    g_settings_set_string (settings, "scan-device",
                           ((CatdScanDevice *)g_ptr_array_index (self->devices, i))->name);
}

/* ---- a scan ---------------------------------------------------------------------- */

static void batch_page_stored_cb  (CatdScanBatch  *batch,
                                   CatdScanResult *result,
                                   CatdScanPage   *self);
static void batch_page_problem_cb (CatdScanBatch  *batch,
                                   CatdScanResult *result,
                                   CatdScanPage   *self);
static void batch_finished_cb     (CatdScanBatch  *batch,
                                   const GError   *error,
                                   CatdScanPage   *self);

static void
notify_busy (CatdScanPage *self)
{
  update_sensitivity (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
hide_decision (CatdScanPage *self)
{
  move_focus_from (self, self->decision_box, self->stop_button);
  self->problem_number = 0;
  self->deciding = FALSE;
  gtk_widget_set_visible (self->decision_box, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->decision_error), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->decision_entry), "");
}

/* Drops the batch (its last signal came, or the user changed). */
static void
drop_batch (CatdScanPage *self)
{
  if (self->batch == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->batch, self);
  g_clear_object (&self->batch);
  hide_decision (self);
  gtk_toggle_button_set_active (self->hold_button, FALSE);
}

typedef struct
{
  CatdScanner          *scanner;
  CatdScanSettings     *settings;
  char                 *acta;
  gboolean              replace;
  char                 *reason;
  gboolean              demo_page;   /* point the pnm device at a synthetic page */
  char                 *demo_dir;
} Prepare;

static void
prepare_free (gpointer data)
{
  Prepare *prepare = data;

  g_clear_object (&prepare->scanner);
  g_clear_pointer (&prepare->settings, catd_scan_settings_free);
  g_free (prepare->acta);
  g_free (prepare->reason);
  g_free (prepare->demo_dir);
  g_free (prepare);
}

/* Worker thread: the oldest acta registered here that still has no image,
 * for the demo's scanner to "find" on the glass. */
static char *
demo_next_acta (CatdStation  *station,
                GError      **error)
{
  g_autoptr(GPtrArray) regs = catd_station_recent_registrations (station, 100000, error);

  if (regs == NULL)
    return NULL;
  for (guint i = regs->len; i > 0; i--)
    {
      const CatdRegistration *reg = g_ptr_array_index (regs, i - 1);

      if (reg->state == CATD_ACTA_REGISTERED)
        return g_strdup (reg->clave_acta);
    }
  g_set_error_literal (error, SCAN_PAGE_ERROR, SCAN_PAGE_ERROR_REFUSED,
                       _("Every acta registered so far has its image. Register more actas at "
                         "reception, or type the key of the acta to scan."));
  return NULL;
}

/* Worker thread: makes the batch (which checks the acta named, in SQLite)
 * and, in the demo, the synthetic page the pnm scanner will read. */
static gpointer
prepare_func (CatdStation  *station,
              CatdUser     *user,
              gpointer      data,
              GError      **error)
{
  Prepare *prepare = data;
  CatdScanBatchOptions options = {
    .acta = prepare->acta,
    .replace = prepare->replace,
    .reason = prepare->reason,
    .compression = CATD_TIFF_DEFLATE,
  };
  CatdScanBatch *batch;

  if (user == NULL)
    {
      g_set_error_literal (error, CATD_STATION_ERROR, CATD_STATION_ERROR_ROLE,
                           "nobody is logged in");
      return NULL;
    }

  if (prepare->demo_page)
    {
      g_autofree char *clave = prepare->acta ? g_strdup (prepare->acta)
                                             : demo_next_acta (station, error);
      g_autofree char *normal = clave ? catd_normalize_clave (clave) : NULL;
      g_autofree char *path = NULL;
      g_autofree char *option = NULL;
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_autoptr(GError) local_error = NULL;

      if (clave == NULL)
        return NULL;
      /* A key that is not in the catalog has no page to draw: the batch
       * refuses it below, in the operator's words. */
      if (normal != NULL &&
          !(path = catd_demo_page_for_acta (station, prepare->demo_dir, normal, &local_error)))
        g_debug ("demo page for %s: %s", normal, local_error->message);
      if (path != NULL)
        {
          option = g_strconcat ("filename=", path, NULL);
          if (prepare->settings->options != NULL)
            g_strv_builder_addv (builder, (const char **)prepare->settings->options);
          g_strv_builder_add (builder, option);
          g_strfreev (prepare->settings->options);
          prepare->settings->options = g_strv_builder_end (builder);
        }
    }

  batch = catd_scan_batch_new (station, user, prepare->scanner, prepare->settings, &options,
                               error);
  if (batch == NULL)
    explain_refusal (station, prepare->acta, prepare->replace, error);
  return batch;
}

static void
prepare_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CatdScanPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CatdScanBatch) batch = NULL;

  batch = catd_session_run_finish (CATD_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->preparing = FALSE;

  if (batch == NULL)
    {
      show_error (self, _("The scan did not start"), error);
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
      notify_busy (self);
      return;
    }

  self->batch = g_steal_pointer (&batch);
  g_signal_connect (self->batch, "page-stored", G_CALLBACK (batch_page_stored_cb), self);
  g_signal_connect (self->batch, "page-problem", G_CALLBACK (batch_page_problem_cb), self);
  g_signal_connect (self->batch, "finished", G_CALLBACK (batch_finished_cb), self);
  if (!catd_scan_batch_start (self->batch, &error))
    {
      drop_batch (self);
      show_error (self, _("The scan did not start"), error);
      gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
      notify_busy (self);
      return;
    }
  set_progress (self, 0, self->feeder ? _("Feeding the first sheet…")
                                      : _("Scanning…"));
  notify_busy (self);
}

static char *
entry_text (GtkEntry *entry)
{
  char *text = g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry)));

  return g_strstrip (text);
}

/* Whether the operator asked to replace an acta's image (the box ticked,
 * on the flatbed) and gave what a replacement needs: the acta's key and a
 * reason. FALSE, said on the screen, when something is missing; @reason
 * gets the reason, or NULL for a first image. */
static gboolean
take_replacement (CatdScanPage  *self,
                  const char    *acta,
                  gboolean      *replace,
                  char         **reason)
{
  g_autofree char *text = NULL;

  *reason = NULL;
  *replace = selected_source (self) == CATD_SCAN_SOURCE_FLATBED &&
             gtk_check_button_get_active (self->replace_check);
  if (!*replace)
    return TRUE;
  if (acta == NULL || *acta == '\0')
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      set_feedback (self, "error", _("Type the key of the acta whose image is replaced."),
                    NULL);
      gtk_widget_grab_focus (GTK_WIDGET (self->clave_entry));
      return FALSE;
    }
  text = entry_text (self->reason_entry);
  if (*text == '\0')
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      set_feedback (self, "error", _("Say why the image is replaced."),
                    _("A replacement keeps the old image and records who replaced it and "
                      "why. The reason is required."));
      gtk_widget_grab_focus (GTK_WIDGET (self->reason_entry));
      return FALSE;
    }
  *reason = g_steal_pointer (&text);
  return TRUE;
}

static void
scan_cb (CatdScanPage *self)
{
  g_autofree char *acta = NULL;
  g_autofree char *reason = NULL;
  CatdScanSource source = selected_source (self);
  gboolean replace;
  Prepare *prepare;
  g_autofree char *device = NULL;
  guint i;

  if (is_busy (self) || self->session == NULL || catd_session_get_user (self->session) == NULL)
    return;

  if (source == CATD_SCAN_SOURCE_FLATBED)
    acta = entry_text (self->clave_entry);
  if (acta != NULL && *acta == '\0')
    g_clear_pointer (&acta, g_free);
  if (!take_replacement (self, acta, &replace, &reason))
    return;

  prepare = g_new0 (Prepare, 1);
  prepare->scanner = g_object_ref (ensure_scanner (self));
  prepare->settings = catd_scan_settings_new ();
  device = dup_selected_device (self);
  prepare->settings->device = g_strdup (device);
  prepare->settings->source = source;
  i = gtk_drop_down_get_selected (self->mode_dropdown);
  prepare->settings->mode = i < G_N_ELEMENTS (modes) ? modes[i] : CATD_SCAN_MODE_GRAY;
  i = gtk_drop_down_get_selected (self->resolution_dropdown);
  prepare->settings->dpi = i < RESOLUTIONS ? resolutions[i] : 200;
  prepare->settings->options = g_strdupv (self->backend_options);
  prepare->acta = g_strdup (acta);
  prepare->replace = replace;
  prepare->reason = g_steal_pointer (&reason);
  prepare->demo_page = catd_session_get_demo (self->session) &&
                       catd_session_get_demo_dir (self->session) != NULL &&
                       device != NULL && g_str_has_prefix (device, "pnm");
  prepare->demo_dir = g_strdup (catd_session_get_demo_dir (self->session));

  self->preparing = TRUE;
  self->feeder = source != CATD_SCAN_SOURCE_FLATBED;
  self->operator_cancelled = FALSE;
  self->n_started = 0;
  self->n_stored = 0;
  self->n_set_aside = 0;
  catd_set_str (&self->run_acta, acta);
  self->run_replace = replace;
  hide_decision (self);
  set_feedback (self, NULL, NULL, NULL);
  set_progress (self, 0, _("Getting the scanner ready…"));
  notify_busy (self);
  catd_session_run_async (self->session, prepare_func, prepare, prepare_free,
                          g_object_unref, self->cancellable, prepare_cb, g_object_ref (self));
}

static void
scanner_page_started_cb (CatdScanner  *scanner,
                         guint         job,
                         guint         number,
                         CatdScanPage *self)
{
  g_autofree char *text = NULL;

  if (self->batch == NULL)
    return;
  self->n_started++;
  text = g_strdup_printf (_("Scanning page %u…"), self->n_started);
  set_progress (self, 0, text);
}

static void
scanner_progress_cb (CatdScanner  *scanner,
                     guint         job,
                     double        fraction,
                     CatdScanPage *self)
{
  g_autofree char *text = NULL;

  if (self->batch == NULL || self->n_started == 0)
    return;
  if (fraction >= 0)
    /* TRANSLATORS: page number, then how much of it was read */
    text = g_strdup_printf (_("Scanning page %u: %.0f %%"), self->n_started, fraction * 100);
  set_progress (self, fraction, text);
}

static void
batch_page_stored_cb (CatdScanBatch  *batch,
                      CatdScanResult *result,
                      CatdScanPage   *self)
{
  PageRecord *record = record_from_result (result);
  CatdAcquiredPage *page = result->page;
  g_autofree char *title = NULL;
  g_autofree char *progress = NULL;
  g_autofree char *detail = NULL;

  self->n_stored++;
  hide_decision (self);
  add_record (self, record);
  show_record (self, record);
  catd_image_view_set_pixels (self->image_view, page->pixels, page->width, page->height,
                              page->channels, page->stride, result->path);

  title = g_strdup_printf (_("Acta %s stored"), result->clave_acta);
  /* TRANSLATORS: page number, resolution in dots per inch, how it was matched */
  detail = g_strdup_printf (_("Page %u, %.0f dpi, %s."), result->number, page->dpi,
                            g_strcmp0 (result->binding, "qr") == 0
                              ? _("matched by its QR label") : _("bound by hand"));
  set_feedback (self, "success", title, detail);
  progress = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u page stored",
                                           "%u pages stored", self->n_stored),
                              self->n_stored);
  set_progress (self, 1, progress);

  /* The next acta on the glass is another one. */
  if (!self->feeder)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->clave_entry), "");
      gtk_editable_set_text (GTK_EDITABLE (self->reason_entry), "");
      gtk_check_button_set_active (self->replace_check, FALSE);
    }
}

static void
batch_page_problem_cb (CatdScanBatch  *batch,
                       CatdScanResult *result,
                       CatdScanPage   *self)
{
  PageRecord *record = record_from_result (result);
  CatdAcquiredPage *page = result->page;
  g_autofree char *title = NULL;
  g_autofree char *reason = describe_problem (result, self->run_acta);
  g_autofree char *progress = NULL;

  g_debug ("scan page: page %u stopped the batch: %s", result->number, result->problem);
  self->problem_number = result->number;
  self->deciding = FALSE;

  /* The page in question, with its flags, beside the question. */
  catd_image_view_set_pixels (self->image_view, page->pixels, page->width, page->height,
                              page->channels, page->stride, NULL);
  self->shown = NULL;
  title = g_strdup_printf (_("Page %u · waiting for your decision"), result->number);
  gtk_label_set_label (self->preview_title, title);
  gtk_widget_set_visible (self->replace_image_button, FALSE);
  show_flags (self, record, _("Not stored: waiting for your decision"));
  page_record_free (record);

  g_clear_pointer (&title, g_free);
  title = self->feeder ? g_strdup_printf (_("The batch stopped at page %u"), result->number)
                       : g_strdup (_("The page needs your decision"));
  gtk_label_set_label (self->decision_title, title);
  gtk_label_set_label (self->decision_reason, reason);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->decision_reason),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, reason, -1);
  gtk_widget_set_visible (GTK_WIDGET (self->decision_error), FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->decision_entry), "");
  gtk_widget_set_visible (self->decision_box, TRUE);
  gtk_button_set_label (GTK_BUTTON (self->skip_button),
                        self->feeder ? _("Set _Aside") : _("Set _Aside and Stop"));
  gtk_widget_set_visible (self->cancel_button, self->feeder);
  set_feedback (self, NULL, NULL, NULL);
  gtk_widget_error_bell (GTK_WIDGET (self));

  progress = g_strdup_printf (_("Page %u: waiting for your decision"), result->number);
  set_progress (self, 1, progress);
  update_sensitivity (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->decision_entry));
}

static void
batch_finished_cb (CatdScanBatch *batch,
                   const GError  *error,
                   CatdScanPage  *self)
{
  g_autofree char *summary = NULL;
  gboolean cancelled = g_error_matches (error, CATD_SCAN_ERROR, CATD_SCAN_ERROR_CANCELLED);
  guint n_stored = self->n_stored;

  drop_batch (self);
  notify_busy (self);
  summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u page stored in this scan.",
                                          "%u pages stored in this scan.", n_stored),
                             n_stored);
  set_progress (self, 1, summary);

  if (error != NULL && !(cancelled && self->operator_cancelled))
    {
      g_autofree char *detail = NULL;
      g_autofree char *sentence = catd_session_describe_error (error);

      g_debug ("scan page: the scan ended with: %s", error->message);
      /* The pages stored before the failure are kept: say so. */
      detail = n_stored > 0 ? g_strconcat (sentence, " ", summary, NULL) : g_strdup (sentence);
      gtk_widget_error_bell (GTK_WIDGET (self));
      set_feedback (self, "error", _("The scan stopped"), detail);
    }
  else if (cancelled)
    set_feedback (self, "warning", _("Scan cancelled"), summary);
  else if (self->feeder)
    set_feedback (self, "success", _("Batch finished"), summary);
  else if (n_stored == 0)
    set_feedback (self, "warning", _("Nothing was stored"),
                  _("The page was set aside. Put the acta on the glass and scan again."));
  /* A flatbed page stored keeps its own message. */

  if (!self->feeder)
    gtk_widget_grab_focus (GTK_WIDGET (self->clave_entry));
}

static void record_set_aside (CatdScanPage *self);

static void
stop_cb (CatdScanPage *self)
{
  if (self->batch == NULL)
    return;
  self->operator_cancelled = TRUE;
  /* A page waiting for a decision is set aside with the batch. */
  if (self->problem_number != 0)
    {
      record_set_aside (self);
      hide_decision (self);
      clear_preview (self);
    }
  set_progress (self, -1, _("Stopping…"));
  update_sensitivity (self);
  catd_scan_batch_cancel (self->batch);
}

static void
hold_toggled_cb (CatdScanPage *self)
{
  gboolean held = gtk_toggle_button_get_active (self->hold_button);

  gtk_button_set_label (GTK_BUTTON (self->hold_button),
                        held ? _("_Resume Feed") : _("_Pause Feed"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->hold_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  held ? _("Resume the feed") : _("Pause the feed"), -1);
  if (self->batch == NULL)
    return;
  if (held)
    {
      catd_scan_batch_hold (self->batch);
      set_feedback (self, "warning", _("Feed paused"),
                    _("The page being read is finished and stored; no other sheet is pulled "
                      "until you resume."));
    }
  else
    {
      catd_scan_batch_release (self->batch);
      set_feedback (self, NULL, NULL, NULL);
    }
}

/* ---- the decision at a page that failed its checks --------------------------------- */

static void
record_set_aside (CatdScanPage *self)
{
  PageRecord *record = g_new0 (PageRecord, 1);

  record->number = self->problem_number;
  self->n_set_aside++;
  add_record (self, record);
}

static void
decide (CatdScanPage     *self,
        CatdScanDecision  decision,
        const char       *clave)
{
  g_autoptr(GError) error = NULL;
  guint number = self->problem_number;
  g_autofree char *progress = NULL;

  if (self->batch == NULL || number == 0)
    return;
  if (!catd_scan_batch_decide (self->batch, decision, clave, &error))
    {
      g_autofree char *sentence = catd_session_describe_error (error);

      g_debug ("scan page: deciding page %u: %s", number, error->message);
      gtk_label_set_label (self->decision_error, sentence);
      gtk_widget_set_visible (GTK_WIDGET (self->decision_error), TRUE);
      gtk_widget_error_bell (GTK_WIDGET (self));
      return;
    }

  if (decision != CATD_SCAN_DECISION_BIND)
    record_set_aside (self);
  switch (decision)
    {
    case CATD_SCAN_DECISION_BIND:
      progress = g_strdup_printf (_("Page %u: storing it for acta %s…"), number, clave);
      break;
    case CATD_SCAN_DECISION_RESCAN:
      progress = g_strdup_printf (_("Page %u set aside: scanning it again…"), number);
      break;
    case CATD_SCAN_DECISION_SKIP:
      progress = g_strdup_printf (_("Page %u set aside"), number);
      break;
    case CATD_SCAN_DECISION_CANCEL:
    default:
      self->operator_cancelled = TRUE;
      progress = g_strdup (_("Stopping…"));
      break;
    }
  hide_decision (self);
  /* A page bound by hand stays shown until it is stored (its texture is
   * then the stored file's); one set aside goes. */
  if (decision != CATD_SCAN_DECISION_BIND)
    clear_preview (self);
  set_progress (self, decision == CATD_SCAN_DECISION_CANCEL ? -1 : 0, progress);
  update_sensitivity (self);
}

typedef struct
{
  char     *clave;
  gboolean  replace;
} BindCheck;

static void
bind_check_free (gpointer data)
{
  BindCheck *check = data;

  g_free (check->clave);
  g_free (check);
}

/* Worker thread: whether the page may be bound to the acta typed, with the
 * reason in the operator's words when not. */
static gpointer
bind_check_func (CatdStation  *station,
                 CatdUser     *user,
                 gpointer      data,
                 GError      **error)
{
  BindCheck *check = data;

  if (!catd_station_check_image_target (station, user, check->clave, check->replace, error))
    {
      explain_refusal (station, check->clave, check->replace, error);
      return NULL;
    }
  return catd_normalize_clave (check->clave);
}

static void
bind_check_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CatdScanPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *clave = NULL;

  clave = catd_session_run_finish (CATD_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->deciding = FALSE;
  update_sensitivity (self);
  if (self->batch == NULL || self->problem_number == 0)
    return;

  if (clave == NULL)
    {
      g_autofree char *sentence = error->domain == SCAN_PAGE_ERROR
                                ? g_strdup (error->message)
                                : catd_session_describe_error (error);

      g_debug ("scan page: binding by hand: %s", error->message);
      gtk_label_set_label (self->decision_error, sentence);
      gtk_widget_set_visible (GTK_WIDGET (self->decision_error), TRUE);
      gtk_widget_error_bell (GTK_WIDGET (self));
      gtk_widget_grab_focus (GTK_WIDGET (self->decision_entry));
      return;
    }
  decide (self, CATD_SCAN_DECISION_BIND, clave);
}

static void
bind_cb (CatdScanPage *self)
{
  g_autofree char *clave = entry_text (self->decision_entry);
  BindCheck *check;

  if (self->batch == NULL || self->problem_number == 0 || self->deciding)
    return;
  if (*clave == '\0')
    {
      gtk_label_set_label (self->decision_error,
                           _("Type the acta key printed on the paper, then bind the page."));
      gtk_widget_set_visible (GTK_WIDGET (self->decision_error), TRUE);
      gtk_widget_error_bell (GTK_WIDGET (self));
      gtk_widget_grab_focus (GTK_WIDGET (self->decision_entry));
      return;
    }

  check = g_new0 (BindCheck, 1);
  check->clave = g_steal_pointer (&clave);
  check->replace = self->run_replace;
  self->deciding = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->decision_error), FALSE);
  update_sensitivity (self);
  catd_session_run_async (self->session, bind_check_func, check, bind_check_free, g_free,
                          self->cancellable, bind_check_cb, g_object_ref (self));
}

static void
rescan_cb (CatdScanPage *self)
{
  if (!self->deciding)
    decide (self, CATD_SCAN_DECISION_RESCAN, NULL);
}

static void
skip_cb (CatdScanPage *self)
{
  if (!self->deciding)
    decide (self, CATD_SCAN_DECISION_SKIP, NULL);
}

static void
cancel_batch_cb (CatdScanPage *self)
{
  if (!self->deciding)
    decide (self, CATD_SCAN_DECISION_CANCEL, NULL);
}

/* ---- import ------------------------------------------------------------------------- */

typedef struct
{
  char          *clave;
  char          *path;
  char          *reason;   /* a replacement's; NULL for a first image */
  CatdImageInfo  info;
  char          *stored;
} Import;

static void
import_free (gpointer data)
{
  Import *import = data;

  g_free (import->clave);
  g_free (import->path);
  g_free (import->reason);
  g_free (import->stored);
  g_free (import);
}

/* Worker thread: reads, checks, stores and binds the file. */
static gpointer
import_func (CatdStation  *station,
             CatdUser     *user,
             gpointer      data,
             GError      **error)
{
  Import *import = data;
  Import *done;
  CatdImageInfo info = { 0 };

  if (!catd_station_import_image (station, user, import->clave, import->path, import->reason,
                                  &info, error))
    {
      explain_refusal (station, import->clave, import->reason != NULL, error);
      return NULL;
    }
  done = g_new0 (Import, 1);
  done->clave = catd_normalize_clave (import->clave);
  done->path = g_strdup (import->path);
  done->reason = g_strdup (import->reason);
  done->info = info;
  done->stored = catd_image_path (catd_store_get_images_dir (catd_station_get_store (station)),
                                  info.sha256);
  return done;
}

static void
import_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(CatdScanPage) self = user_data;
  g_autoptr(GError) error = NULL;
  Import *import;
  PageRecord *record;
  g_autofree char *title = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *name = NULL;

  import = catd_session_run_finish (CATD_SESSION (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->preparing = FALSE;
  notify_busy (self);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  if (import == NULL)
    {
      show_error (self, _("The file was not imported"), error);
      return;
    }

  record = g_new0 (PageRecord, 1);
  record->clave_acta = g_strdup (import->clave);
  record->path = g_strdup (import->stored);
  record->binding = g_strdup ("import");
  add_record (self, record);
  show_record (self, record);
  catd_image_view_load_file (self->image_view, import->stored);

  name = g_path_get_basename (import->path);
  if (import->reason != NULL)
    title = g_strdup_printf (_("Acta %s: image replaced by the imported file"), import->clave);
  else
    title = g_strdup_printf (_("Acta %s: image imported"), import->clave);
  /* TRANSLATORS: file name, width × height in pixels */
  detail = g_strdup_printf (_("%s, %u × %u pixels."), name, import->info.width,
                            import->info.height);
  set_feedback (self, "success", title, detail);
  gtk_editable_set_text (GTK_EDITABLE (self->clave_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->reason_entry), "");
  gtk_check_button_set_active (self->replace_check, FALSE);
  import_free (import);
}

/**
 * catd_scan_page_import_file:
 * @clave_acta: the acta the file is the image of
 * @path: a TIFF file
 * @reason: (nullable): why the file replaces the acta's image; %NULL for
 *   an acta that has none yet
 *
 * Imports @path as the image of @clave_acta (DIGITALIZACION "IMPORTADA"):
 * the file is read, checked, stored and bound on a worker thread, and the
 * screen shows the outcome. The "Import" button calls this with the key
 * (and, with "Replace the image" ticked, the reason) typed on the screen
 * once the operator chose the file.
 */
void
catd_scan_page_import_file (CatdScanPage *self,
                            const char   *clave_acta,
                            const char   *path,
                            const char   *reason)
{
  Import *import;

  g_return_if_fail (CATD_IS_SCAN_PAGE (self));
  g_return_if_fail (clave_acta != NULL && path != NULL);

  if (is_busy (self) || self->session == NULL || catd_session_get_user (self->session) == NULL)
    return;
  import = g_new0 (Import, 1);
  import->clave = g_strdup (clave_acta);
  import->path = g_strdup (path);
  import->reason = g_strdup (reason);
  self->preparing = TRUE;
  set_feedback (self, NULL, NULL, NULL);
  set_progress (self, -1, _("Importing the file…"));
  notify_busy (self);
  catd_session_run_async (self->session, import_func, import, import_free, import_free,
                          self->cancellable, import_done_cb, g_object_ref (self));
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     CatdScanPage    *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autofree char *clave = g_steal_pointer (&self->import_clave);
  g_autofree char *reason = g_steal_pointer (&self->import_reason);

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  gtk_native_dialog_destroy (chooser);
  g_clear_object (&self->chooser);
  if (file == NULL || clave == NULL)
    return;
  if (!(path = g_file_get_path (file)))
    {
      set_feedback (self, "error", _("The file was not imported"),
                    _("Choose a file on this computer's disks."));
      return;
    }
  catd_scan_page_import_file (self, clave, path, reason);
}

static void
import_cb (CatdScanPage *self)
{
  g_autofree char *clave = entry_text (self->clave_entry);
  g_autofree char *reason = NULL;
  g_autoptr(GtkFileFilter) tiff = gtk_file_filter_new ();
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;
  gboolean replace;

  if (is_busy (self) || self->chooser != NULL)
    return;
  if (!take_replacement (self, clave, &replace, &reason))
    return;
  if (*clave == '\0')
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      set_feedback (self, "error", _("Type the acta key first"),
                    _("Type the key of the acta the file belongs to, then choose the file."));
      gtk_drop_down_set_selected (self->source_dropdown, 0);
      gtk_widget_grab_focus (GTK_WIDGET (self->clave_entry));
      return;
    }

  catd_set_str (&self->import_clave, clave);
  catd_set_str (&self->import_reason, reason);
  chooser = gtk_file_chooser_native_new (replace ? _("Replace the Image of an Acta")
                                                 : _("Import the Image of an Acta"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"),
                                         _("_Cancel"));
  gtk_file_filter_set_name (tiff, _("TIFF images"));
  gtk_file_filter_add_mime_type (tiff, "image/tiff");
  gtk_file_filter_add_suffix (tiff, "tif");
  gtk_file_filter_add_suffix (tiff, "tiff");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), tiff);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (chooser_response_cb), self);
  self->chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->chooser);
}

/* ---- preview ------------------------------------------------------------------------ */

static void
page_row_activated_cb (CatdScanPage  *self,
                       GtkListBoxRow *row)
{
  PageRecord *record = g_object_get_data (G_OBJECT (row), "catd-page-record");

  if (record == NULL || record->path == NULL || self->problem_number != 0)
    return;
  show_record (self, record);
  catd_image_view_load_file (self->image_view, record->path);
}

static void
replace_image_cb (CatdScanPage *self)
{
  if (self->shown == NULL || self->shown->clave_acta == NULL || is_busy (self))
    return;
  gtk_drop_down_set_selected (self->source_dropdown, 0);
  gtk_editable_set_text (GTK_EDITABLE (self->clave_entry), self->shown->clave_acta);
  gtk_check_button_set_active (self->replace_check, TRUE);
  update_sensitivity (self);
  set_feedback (self, NULL, _("Put the acta on the glass, say why its image is replaced, and "
                              "press Scan."), NULL);
  gtk_widget_grab_focus (GTK_WIDGET (self->reason_entry));
}

static void
replace_toggled_cb (CatdScanPage *self)
{
  update_sensitivity (self);
  if (gtk_check_button_get_active (self->replace_check))
    gtk_widget_grab_focus (GTK_WIDGET (self->reason_entry));
}

static void
zoom_changed_cb (CatdScanPage *self)
{
  g_autofree char *text = NULL;

  if (catd_image_view_get_texture (self->image_view) != NULL)
    text = g_strdup_printf ("%.0f %%", catd_image_view_get_zoom (self->image_view) * 100);
  gtk_label_set_label (self->zoom_label, text ? text : "");
}

static void
zoom_in_cb (CatdScanPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self->image_view), "view.zoom-in", NULL);
}

static void
zoom_out_cb (CatdScanPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self->image_view), "view.zoom-out", NULL);
}

static void
fit_width_cb (CatdScanPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self->image_view), "view.fit-width", NULL);
}

static void
rotate_cb (CatdScanPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self->image_view), "view.rotate", NULL);
}

/* ---- the page contract ------------------------------------------------------------ */

static void
user_changed_cb (CatdScanPage *self)
{
  /* Nothing the previous user saw may survive a change of user, and no
   * scan of theirs goes on for the next: the page being stored is
   * finished, the others are not fed. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->batch != NULL)
    {
      CatdScanBatch *batch = g_object_ref (self->batch);

      drop_batch (self);
      catd_scan_batch_cancel (batch);
      g_object_unref (batch);
    }
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  g_clear_pointer (&self->import_clave, g_free);
  g_clear_pointer (&self->import_reason, g_free);
  g_clear_pointer (&self->run_acta, g_free);
  self->preparing = FALSE;
  self->operator_cancelled = FALSE;
  hide_decision (self);
  clear_pages (self);
  gtk_editable_set_text (GTK_EDITABLE (self->clave_entry), "");
  gtk_editable_set_text (GTK_EDITABLE (self->reason_entry), "");
  gtk_check_button_set_active (self->replace_check, FALSE);
  set_feedback (self, NULL, NULL, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), FALSE);
  notify_busy (self);
}

static void
catd_scan_page_map (GtkWidget *widget)
{
  CatdScanPage *self = CATD_SCAN_PAGE (widget);

  GTK_WIDGET_CLASS (catd_scan_page_parent_class)->map (widget);
  if (!self->listed && self->list_cancellable == NULL)
    catd_scan_page_refresh_devices (self);
}

static gboolean
catd_scan_page_grab_focus (GtkWidget *widget)
{
  CatdScanPage *self = CATD_SCAN_PAGE (widget);

  if (gtk_widget_get_visible (self->decision_box))
    return gtk_widget_grab_focus (GTK_WIDGET (self->decision_entry));
  if (gtk_widget_is_sensitive (GTK_WIDGET (self->clave_entry)))
    return gtk_widget_grab_focus (GTK_WIDGET (self->clave_entry));
  return gtk_widget_grab_focus (self->scan_button);
}

static void
catd_scan_page_dispose (GObject *object)
{
  CatdScanPage *self = (CatdScanPage *)object;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->list_cancellable);
  g_clear_object (&self->list_cancellable);
  if (self->batch != NULL)
    {
      CatdScanBatch *batch = g_object_ref (self->batch);

      drop_batch (self);
      catd_scan_batch_cancel (batch);
      g_object_unref (batch);
    }
  if (self->chooser != NULL)
    {
      gtk_native_dialog_destroy (self->chooser);
      g_clear_object (&self->chooser);
    }
  if (self->scanner != NULL)
    g_signal_handlers_disconnect_by_data (self->scanner, self);
  g_clear_object (&self->scanner);
  g_clear_pointer (&self->devices, g_ptr_array_unref);
  g_clear_pointer (&self->backend_options, g_strfreev);
  g_clear_pointer (&self->import_clave, g_free);
  g_clear_pointer (&self->import_reason, g_free);
  g_clear_pointer (&self->run_acta, g_free);
  self->shown = NULL;
  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_SCAN_PAGE);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (catd_scan_page_parent_class)->dispose (object);
}

static void
catd_scan_page_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CatdScanPage *self = CATD_SCAN_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_BUSY:
      g_value_set_boolean (value, is_busy (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_scan_page_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CatdScanPage *self = CATD_SCAN_PAGE (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      catd_scan_page_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_scan_page_class_init (CatdScanPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_scan_page_dispose;
  object_class->get_property = catd_scan_page_get_property;
  object_class->set_property = catd_scan_page_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         CATD_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CATD_TYPE_IMAGE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/mx/catd/Station/catd-scan-page.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, content);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, scanner_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, refresh_button);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, scanner_status);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, source_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, resolution_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, mode_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, clave_hint);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, clave_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, replace_check);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, reason_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, scan_button);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, hold_button);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, stop_button);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, import_button);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, feedback_box);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, feedback_title);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, feedback_detail);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, decision_box);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, decision_title);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, decision_reason);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, decision_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, decision_error);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, bind_button);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, rescan_button);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, skip_button);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, pages_list);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, preview_title);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, replace_image_button);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, flags_box);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, flag_blank);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, flag_qr);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, flag_ink);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, flag_match);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, image_view);
  gtk_widget_class_bind_template_child (widget_class, CatdScanPage, zoom_label);
  gtk_widget_class_bind_template_callback (widget_class, refresh_cb);
  gtk_widget_class_bind_template_callback (widget_class, scan_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, hold_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, import_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_cb);
  gtk_widget_class_bind_template_callback (widget_class, rescan_cb);
  gtk_widget_class_bind_template_callback (widget_class, skip_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_batch_cb);
  gtk_widget_class_bind_template_callback (widget_class, page_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, replace_image_cb);
  gtk_widget_class_bind_template_callback (widget_class, replace_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_in_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_out_cb);
  gtk_widget_class_bind_template_callback (widget_class, fit_width_cb);
  gtk_widget_class_bind_template_callback (widget_class, rotate_cb);
  widget_class->map = catd_scan_page_map;
  widget_class->grab_focus = catd_scan_page_grab_focus;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
catd_scan_page_init (CatdScanPage *self)
{
  g_autoptr(GtkStringList) source_labels = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) mode_labels = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) dpi_labels = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    gtk_string_list_append (source_labels, source_label (sources[i]));
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    gtk_string_list_append (mode_labels, mode_label (modes[i]));
  for (guint i = 0; i < RESOLUTIONS; i++)
    {
      /* TRANSLATORS: a scan resolution, in dots per inch */
      g_autofree char *label = g_strdup_printf (_("%u dpi"), resolutions[i]);

      gtk_string_list_append (dpi_labels, label);
    }
  gtk_drop_down_set_model (self->source_dropdown, G_LIST_MODEL (source_labels));
  gtk_drop_down_set_model (self->mode_dropdown, G_LIST_MODEL (mode_labels));
  gtk_drop_down_set_model (self->resolution_dropdown, G_LIST_MODEL (dpi_labels));
  gtk_drop_down_set_selected (self->resolution_dropdown, 3);

  g_signal_connect_swapped (self->source_dropdown, "notify::selected",
                            G_CALLBACK (setting_changed_cb), self);
  g_signal_connect_swapped (self->mode_dropdown, "notify::selected",
                            G_CALLBACK (setting_changed_cb), self);
  g_signal_connect_swapped (self->resolution_dropdown, "notify::selected",
                            G_CALLBACK (setting_changed_cb), self);
  g_signal_connect_swapped (self->scanner_dropdown, "notify::selected",
                            G_CALLBACK (setting_changed_cb), self);
  zoom_changed_cb (self);
  update_sensitivity (self);
}

CatdSession *
catd_scan_page_get_session (CatdScanPage *self)
{
  g_return_val_if_fail (CATD_IS_SCAN_PAGE (self), NULL);

  return self->session;
}

void
catd_scan_page_set_session (CatdScanPage *self,
                            CatdSession  *session)
{
  g_return_if_fail (CATD_IS_SCAN_PAGE (self));
  if (!catd_session_attach (&self->session, session, self, G_CALLBACK (user_changed_cb)))
    return;
  load_settings (self);
  user_changed_cb (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/**
 * catd_scan_page_set_scanner:
 * @scanner: (nullable): the scanner to drive; %NULL: SANE's devices
 *   (catd_scanner_new ()), which is what the screen makes on first use
 *
 * Lets a test or a benchmark put a scanner of its own (a stand-in device
 * behind CatdScanner) under the screen. Not while a scan runs.
 */
void
catd_scan_page_set_scanner (CatdScanPage *self,
                            CatdScanner  *scanner)
{
  g_return_if_fail (CATD_IS_SCAN_PAGE (self));
  g_return_if_fail (!scanner || CATD_IS_SCANNER (scanner));
  g_return_if_fail (!is_busy (self));

  if (self->scanner != NULL)
    g_signal_handlers_disconnect_by_data (self->scanner, self);
  g_cancellable_cancel (self->list_cancellable);
  g_clear_object (&self->list_cancellable);
  gtk_widget_set_sensitive (self->refresh_button, TRUE);
  g_clear_object (&self->scanner);
  self->scanner = scanner ? g_object_ref (scanner) : catd_scanner_new ();
  self->listed = FALSE;
  g_signal_connect (self->scanner, "page-started", G_CALLBACK (scanner_page_started_cb), self);
  g_signal_connect (self->scanner, "progress", G_CALLBACK (scanner_progress_cb), self);
}

/**
 * catd_scan_page_set_backend_options:
 * @options: (nullable) (array zero-terminated=1): backend options, each
 *   "NAME=VALUE", added to every scan (as `catdctl scan --option`)
 *
 * For a device that needs a setting the screen does not show: SANE's test
 * backend's picture or failure, the pnm backend's file.
 */
void
catd_scan_page_set_backend_options (CatdScanPage       *self,
                                    const char * const *options)
{
  g_return_if_fail (CATD_IS_SCAN_PAGE (self));

  g_strfreev (self->backend_options);
  self->backend_options = g_strdupv ((char **)options);
}

/* Whether a scan or an import is under way. */
gboolean
catd_scan_page_get_busy (CatdScanPage *self)
{
  g_return_val_if_fail (CATD_IS_SCAN_PAGE (self), FALSE);

  return is_busy (self);
}

/* The preview (for tests, and for the window's shortcuts). */
CatdImageView *
catd_scan_page_get_image_view (CatdScanPage *self)
{
  g_return_val_if_fail (CATD_IS_SCAN_PAGE (self), NULL);

  return self->image_view;
}
