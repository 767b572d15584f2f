/* catd-capture-form.c - the keyboard-only form that keys one step of one acta
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "catd-capture-form.h"
#include "catd-counting.h"

/* One form for every step of capture (a CatdTask from the engine):
 *
 *   capture      every field of the acta, in acta order, empty
 *   rekey        every field; the ones to key again empty and highlighted,
 *                the others showing the user's own pass 2, read-only
 *   arbitration  the disputed fields only, empty: blind
 *   resolution   the unsettled fields only, each with every value keyed for
 *                it and who keyed it, and a mandatory note
 *
 * Keys (the legend in the form and the shortcuts window say the same):
 * digits 0-9; Tab, Enter or Down to the next field, Shift+Tab or Up to the
 * previous; I or * for ilegible, S or / for sin dato (shown as a badge in
 * the field); Backspace clears; Ctrl+Enter saves. Anything else typed into a
 * field is refused with the error bell, and so is a fifth digit: values go
 * from 0 to 9999.
 *
 * Every change is saved as the user's draft (catd_station_save_draft ()) on
 * a worker thread, one save at a time, the last state winning: a crash costs
 * at most the keystroke in flight. The engine refuses a draft the user may
 * no longer keep (the step was saved, someone else took the acta), so a
 * late save can never bring a finished step back. The form holds nothing of
 * anyone else: a task carries the user's own values and draft only, or, for
 * the coordinador's resolution, the keyings they rule on. */

typedef enum
{
  VALUE_EMPTY,
  VALUE_NUMBER,
  VALUE_ILEGIBLE,
  VALUE_SIN_DATO,
} ValueState;

typedef struct
{
  CatdCaptureForm *form;
  const CatdField *field;      /* owned by the task */
  GtkWidget       *label;
  GtkWidget       *overlay;
  GtkWidget       *entry;
  GtkWidget       *badge;
  GtkWidget       *keyed;      /* resolution: what everyone keyed */
  ValueState       state;
  int              number;
  guint            editable : 1;
} Row;

struct _CatdCaptureForm
{
  GtkWidget     parent_instance;

  CatdSession  *session;
  CatdTask     *task;
  GPtrArray    *rows;          /* Row*, in acta order */
  GHashTable   *by_code;       /* code -> Row* */
  gint64        total;         /* -1: not shown for this step */
  guint         generation;    /* bumped with every task: late answers are dropped */
  guint         draft_busy : 1;
  guint         draft_dirty : 1;
  guint         busy : 1;
  guint         setting : 1;   /* values set by the form itself, not typed */

  GtkWidget    *box;
  GtkLabel     *legend_label;
  GtkWidget    *prompt_box;
  GtkLabel     *prompt_label;
  GtkWidget    *restored_box;
  GtkLabel     *restored_label;
  GtkGrid      *grid;
  GtkWidget    *note_box;
  GtkEditable  *note_entry;
  GtkLabel     *total_label;
  GtkLabel     *draft_label;
  GtkWidget    *save_button;
  GtkWidget    *message_box;
  GtkLabel     *message_label;
};

G_DEFINE_FINAL_TYPE (CatdCaptureForm, catd_capture_form, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_TOTAL,
  PROP_DRAFT_SAVED,
  N_PROPS
};

enum {
  SUBMIT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

#define MAX_DIGITS 4   /* CATD_VALUE_MAX is 9999 */

static void save_draft (CatdCaptureForm *self);

/* ---- values ---------------------------------------------------------------- */

static const char *
state_badge (ValueState state)
{
  switch (state)
    {
    case VALUE_ILEGIBLE:
      return _("ILLEGIBLE");
    case VALUE_SIN_DATO:
      return _("NO DATA");
    case VALUE_EMPTY:
    case VALUE_NUMBER:
    default:
      return NULL;
    }
}

/* A stored value text ("12", "ilegible", "sin_dato") as the form shows it. */
static gboolean
parse_text (const char *text,
            ValueState *state,
            int        *number)
{
  CatdValue value;

  if (!catd_value_from_string (text, &value))
    return FALSE;
  switch (value.kind)
    {
    case CATD_VALUE_ILEGIBLE:
      *state = VALUE_ILEGIBLE;
      *number = 0;
      break;
    case CATD_VALUE_SIN_DATO:
      *state = VALUE_SIN_DATO;
      *number = 0;
      break;
    case CATD_VALUE_NUMBER:
    default:
      *state = VALUE_NUMBER;
      *number = value.number;
      break;
    }
  return TRUE;
}

static char *
display_text (const char *stored)
{
  ValueState state;
  int number;

  if (!parse_text (stored, &state, &number))
    return g_strdup ("?");
  if (state == VALUE_NUMBER)
    return g_strdup_printf ("%d", number);
  return g_strdup (state_badge (state));
}

static void
update_total (CatdCaptureForm *self)
{
  gint64 total = 0;

  if (self->task == NULL || (self->task->kind != CATD_TASK_CAPTURE &&
                             self->task->kind != CATD_TASK_REKEY))
    total = -1;
  else
    for (guint i = 0; i < self->rows->len; i++)
      {
        Row *row = g_ptr_array_index (self->rows, i);

        /* Rule 1 of DESIGN §5: the vote fields, ilegible and sin dato as 0. */
        if (catd_field_kind_is_vote (row->field->kind) && row->state == VALUE_NUMBER)
          total += row->number;
      }

  if (total >= 0)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, total);
      g_autofree char *text = g_strdup_printf (_("Computed total: %s"), number);

      gtk_label_set_label (self->total_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->total_label), total >= 0);
  if (total != self->total)
    {
      self->total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }
}

static void
row_update_accessible (Row *row)
{
  const char *description = state_badge (row->state);

  if (description == NULL && row->editable && gtk_widget_has_css_class (row->entry, "catd-rekey"))
    description = _("Key this field again");
  if (description != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (row->entry),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (row->entry),
                                   GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
}

/* Shows @state in the row: the number in the field, or the field empty
 * with the badge over it. */
static void
row_set (Row        *row,
         ValueState  state,
         int         number)
{
  CatdCaptureForm *self = row->form;
  const char *badge = state_badge (state);

  row->state = state;
  row->number = state == VALUE_NUMBER ? number : 0;

  self->setting = TRUE;
  if (state == VALUE_NUMBER)
    {
      g_autofree char *text = g_strdup_printf ("%d", number);

      if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (row->entry)), text) != 0)
        gtk_editable_set_text (GTK_EDITABLE (row->entry), text);
    }
  else
    gtk_editable_set_text (GTK_EDITABLE (row->entry), "");
  self->setting = FALSE;

  gtk_widget_set_visible (row->badge, badge != NULL);
  if (badge != NULL)
    {
      gtk_label_set_label (GTK_LABEL (row->badge), badge);
      gtk_widget_remove_css_class (row->badge, "ilegible");
      gtk_widget_remove_css_class (row->badge, "sin-dato");
      gtk_widget_add_css_class (row->badge, state == VALUE_ILEGIBLE ? "ilegible" : "sin-dato");
    }
  if (state != VALUE_EMPTY)
    gtk_widget_remove_css_class (row->entry, "catd-missing");
  row_update_accessible (row);
}

/* A value the user gave (typed, a flag key, cleared): shown, totalled and
 * kept as a draft. */
static void
row_changed_by_user (Row *row)
{
  CatdCaptureForm *self = row->form;

  gtk_widget_remove_css_class (row->entry, "catd-missing");
  gtk_widget_set_visible (self->message_box, FALSE);
  update_total (self);
  save_draft (self);
}

static void
entry_changed_cb (GtkEditable *editable,
                  Row         *row)
{
  const char *text = gtk_editable_get_text (editable);

  if (row->form->setting)
    return;
  if (*text == '\0')
    {
      row->state = VALUE_EMPTY;
      row->number = 0;
    }
  else
    {
      row->state = VALUE_NUMBER;
      row->number = (int)g_ascii_strtoll (text, NULL, 10);
    }
  row_changed_by_user (row);
}

/* Only digits go in, at most four of them; a flagged field loses its flag
 * to the first digit typed. */
static void
insert_text_cb (GtkEditable *editable,
                const char  *text,
                int          length,
                int         *position,
                Row         *row)
{
  int len = length < 0 ? (int)strlen (text) : length;
  int now = (int)strlen (gtk_editable_get_text (editable));
  int start, end;

  if (row->form->setting)
    return;
  if (row->form->busy)
    goto refuse;
  for (int i = 0; i < len; i++)
    if (!g_ascii_isdigit (text[i]))
      goto refuse;
  if (gtk_editable_get_selection_bounds (editable, &start, &end))
    now -= end - start;
  if (now + len > MAX_DIGITS)
    goto refuse;
  if (row->state == VALUE_ILEGIBLE || row->state == VALUE_SIN_DATO)
    {
      row->state = VALUE_EMPTY;
      gtk_widget_set_visible (row->badge, FALSE);
      row_update_accessible (row);
    }
  return;

refuse:
  gtk_widget_error_bell (row->entry);
  g_signal_stop_emission_by_name (editable, "insert-text");
}

/* ---- rows -------------------------------------------------------------------- */

static const char *
step_label (const char *step)
{
  if (g_strcmp0 (step, "pass1") == 0)
    return _("1st capture");
  if (g_strcmp0 (step, "pass2") == 0)
    return _("2nd capture");
  if (g_strcmp0 (step, "rekey") == 0)
    return _("re-key");
  if (g_strcmp0 (step, "arbitration") == 0)
    return _("arbitration");
  if (g_strcmp0 (step, "resolution") == 0)
    return _("resolution");
  return step;
}

/* Resolution: every value keyed for @code, with who keyed it and when. */
static char *
keyed_text (CatdTask   *task,
            const char *code)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; task->keyings != NULL && i < task->keyings->len; i++)
    {
      const CatdKeying *k = g_ptr_array_index (task->keyings, i);
      const char *value = g_hash_table_lookup (k->values, code);
      g_autofree char *shown = NULL;

      if (value == NULL)
        continue;
      shown = display_text (value);
      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* TRANSLATORS: who keyed (name and login), the step, the value keyed */
      g_string_append_printf (text, _("%s (%s), %s: %s"), k->name, k->login,
                              step_label (k->step), shown);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static gboolean
in_codes (CatdTask   *task,
          const char *code)
{
  return g_strv_contains ((const char * const *)task->codes, code);
}

static Row *
add_row (CatdCaptureForm *self,
         const CatdField *field,
         gboolean         editable,
         int              line)
{
  Row *row = g_new0 (Row, 1);
  GtkEditable *delegate;

  row->form = self;
  row->field = field;
  row->editable = editable;

  row->label = gtk_label_new (field->label);
  gtk_label_set_xalign (GTK_LABEL (row->label), 0);
  gtk_label_set_wrap (GTK_LABEL (row->label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (row->label), 40);
  gtk_widget_set_hexpand (row->label, TRUE);
  gtk_widget_add_css_class (row->label, "catd-capture-label");
  gtk_widget_set_tooltip_text (row->label, field->code);

  row->entry = gtk_entry_new ();
  gtk_entry_set_alignment (GTK_ENTRY (row->entry), 1.0);
  gtk_entry_set_max_length (GTK_ENTRY (row->entry), MAX_DIGITS);
  gtk_entry_set_input_purpose (GTK_ENTRY (row->entry), GTK_INPUT_PURPOSE_DIGITS);
  gtk_editable_set_width_chars (GTK_EDITABLE (row->entry), MAX_DIGITS + 1);
  gtk_editable_set_max_width_chars (GTK_EDITABLE (row->entry), MAX_DIGITS + 1);
  gtk_widget_add_css_class (row->entry, "catd-capture-entry");
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, field->label, -1);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (row->entry),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, row->label, NULL, -1);
  if (!editable)
    {
      gtk_editable_set_editable (GTK_EDITABLE (row->entry), FALSE);
      gtk_widget_set_can_focus (row->entry, FALSE);
      gtk_widget_set_focusable (row->entry, FALSE);
      gtk_widget_add_css_class (row->entry, "catd-readonly");
    }
  delegate = gtk_editable_get_delegate (GTK_EDITABLE (row->entry));
  g_signal_connect (delegate, "insert-text", G_CALLBACK (insert_text_cb), row);
  g_signal_connect (row->entry, "changed", G_CALLBACK (entry_changed_cb), row);

  row->badge = gtk_label_new (NULL);
  gtk_widget_set_halign (row->badge, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (row->badge, GTK_ALIGN_CENTER);
  gtk_widget_set_can_target (row->badge, FALSE);
  gtk_widget_set_visible (row->badge, FALSE);
  gtk_widget_add_css_class (row->badge, "catd-capture-badge");

  row->overlay = gtk_overlay_new ();
  gtk_overlay_set_child (GTK_OVERLAY (row->overlay), row->entry);
  gtk_overlay_add_overlay (GTK_OVERLAY (row->overlay), row->badge);

  gtk_grid_attach (self->grid, row->label, 0, line, 1, 1);
  gtk_grid_attach (self->grid, row->overlay, 1, line, 1, 1);

  if (self->task->kind == CATD_TASK_RESOLUTION)
    {
      g_autofree char *text = keyed_text (self->task, field->code);

      row->keyed = gtk_label_new (text);
      gtk_label_set_xalign (GTK_LABEL (row->keyed), 0);
      gtk_label_set_selectable (GTK_LABEL (row->keyed), FALSE);
      gtk_widget_add_css_class (row->keyed, "catd-capture-keyed");
      gtk_grid_attach (self->grid, row->keyed, 2, line, 1, 1);
      gtk_accessible_update_relation (GTK_ACCESSIBLE (row->entry),
                                      GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, row->keyed, NULL, -1);
    }

  g_ptr_array_add (self->rows, row);
  g_hash_table_insert (self->by_code, field->code, row);
  return row;
}

static void
remove_rows (CatdCaptureForm *self)
{
  GtkWidget *child;

  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

  /* A field that goes away with the focus in it must lose the focus first,
   * or its text never hears of it. */
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->grid)))
    gtk_root_set_focus (root, NULL);

  g_hash_table_remove_all (self->by_code);
  /* The rows' signal handlers point at the rows: the widgets go first. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))))
    {
      GtkEditable *delegate = NULL;

      if (GTK_IS_OVERLAY (child))
        {
          GtkWidget *entry = gtk_overlay_get_child (GTK_OVERLAY (child));

          delegate = gtk_editable_get_delegate (GTK_EDITABLE (entry));
          g_signal_handlers_disconnect_matched (delegate, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                                insert_text_cb, NULL);
          g_signal_handlers_disconnect_matched (entry, G_SIGNAL_MATCH_FUNC, 0, 0, NULL,
                                                entry_changed_cb, NULL);
          /* Nothing typed survives in the text buffer either. */
          gtk_editable_set_text (GTK_EDITABLE (entry), "");
        }
      gtk_grid_remove (self->grid, child);
    }
  g_ptr_array_set_size (self->rows, 0);
}

static Row *
row_of_widget (CatdCaptureForm *self,
               GtkWidget       *widget)
{
  for (guint i = 0; widget != NULL && i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (widget == row->entry || gtk_widget_is_ancestor (widget, row->entry))
        return row;
    }
  return NULL;
}

static Row *
focused_row (CatdCaptureForm *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return root ? row_of_widget (self, gtk_root_get_focus (root)) : NULL;
}

static int
row_index (CatdCaptureForm *self,
           Row             *row)
{
  for (guint i = 0; i < self->rows->len; i++)
    if (g_ptr_array_index (self->rows, i) == row)
      return (int)i;
  return -1;
}

static void
focus_row (Row *row)
{
  gtk_widget_grab_focus (row->entry);
  /* What is in the field is selected: typing replaces it. */
  gtk_editable_select_region (GTK_EDITABLE (row->entry), 0, -1);
}

/* Moves to the next (or previous) field the user keys; past the last one,
 * to the note of a resolution or to the save button. */
static void
move_focus (CatdCaptureForm *self,
            Row             *from,
            int              direction)
{
  int i = row_index (self, from);

  for (i += direction; i >= 0 && i < (int)self->rows->len; i += direction)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row->editable)
        {
          focus_row (row);
          return;
        }
    }
  if (direction > 0)
    {
      if (gtk_widget_get_visible (self->note_box))
        gtk_widget_grab_focus (GTK_WIDGET (self->note_entry));
      else
        gtk_widget_grab_focus (self->save_button);
    }
}

static void
set_flag (Row        *row,
          ValueState  state)
{
  row_set (row, state, 0);
  row_changed_by_user (row);
}

static gboolean
key_pressed_cb (GtkEventControllerKey *controller,
                guint                  keyval,
                guint                  keycode,
                GdkModifierType        modifiers,
                CatdCaptureForm       *self)
{
  Row *row;

  /* Ctrl+Enter and the window's shortcuts are not the fields' business. */
  if (modifiers & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK | GDK_META_MASK))
    return FALSE;
  if ((row = focused_row (self)) == NULL || !row->editable)
    return FALSE;
  /* While the step is being saved nothing changes in it. The fields stay
   * sensitive: taking the focus from a field for a few milliseconds only
   * to give it back would make the screen flicker and the reader talk. */
  if (self->busy)
    return TRUE;

  switch (keyval)
    {
    case GDK_KEY_Tab:
    case GDK_KEY_KP_Tab:
    case GDK_KEY_Return:
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      move_focus (self, row, (modifiers & GDK_SHIFT_MASK) && keyval != GDK_KEY_Down &&
                             keyval != GDK_KEY_KP_Down ? -1 : +1);
      return TRUE;

    case GDK_KEY_ISO_Left_Tab:
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      move_focus (self, row, -1);
      return TRUE;

    case GDK_KEY_i:
    case GDK_KEY_I:
    case GDK_KEY_asterisk:
    case GDK_KEY_KP_Multiply:
      set_flag (row, VALUE_ILEGIBLE);
      return TRUE;

    case GDK_KEY_s:
    case GDK_KEY_S:
    case GDK_KEY_slash:
    case GDK_KEY_KP_Divide:
      set_flag (row, VALUE_SIN_DATO);
      return TRUE;

    case GDK_KEY_BackSpace:
    case GDK_KEY_Delete:
    case GDK_KEY_KP_Delete:
      if (row->state == VALUE_ILEGIBLE || row->state == VALUE_SIN_DATO)
        {
          set_flag (row, VALUE_EMPTY);
          return TRUE;
        }
      return FALSE;

    default:
      /* Digits go to the field (and through insert_text_cb); any other
       * character is refused here, before the field sees it. */
      if (gdk_keyval_to_unicode (keyval) != 0 &&
          !g_unichar_isdigit (gdk_keyval_to_unicode (keyval)))
        {
          gtk_widget_error_bell (row->entry);
          return TRUE;
        }
      return FALSE;
    }
}

/* ---- drafts ---------------------------------------------------------------- */

typedef struct
{
  char         *login;
  char         *clave_acta;
  CatdTaskKind  kind;
  JsonNode     *values;
} Draft;

static void
draft_free (gpointer data)
{
  Draft *draft = data;

  g_free (draft->login);
  g_free (draft->clave_acta);
  g_clear_pointer (&draft->values, json_node_unref);
  g_free (draft);
}

/* Worker thread. The session's user is fixed when the work is queued; a
 * draft is only ever saved for the user who typed it. */
static gpointer
draft_func (CatdStation  *station,
            CatdUser     *user,
            gpointer      data,
            GError      **error)
{
  Draft *draft = data;

  if (user == NULL || g_strcmp0 (catd_user_get_login (user), draft->login) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the user changed");
      return NULL;
    }
  catd_station_save_draft (station, user, draft->clave_acta, draft->kind, draft->values, error);
  return NULL;
}

static JsonNode *
values_node (CatdCaptureForm *self,
             gboolean         complete)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (!row->editable || (row->state == VALUE_EMPTY && !complete))
        continue;
      json_builder_set_member_name (builder, row->field->code);
      switch (row->state)
        {
        case VALUE_NUMBER:
          json_builder_add_int_value (builder, row->number);
          break;
        case VALUE_ILEGIBLE:
          json_builder_add_string_value (builder, "ilegible");
          break;
        case VALUE_SIN_DATO:
          json_builder_add_string_value (builder, "sin_dato");
          break;
        case VALUE_EMPTY:
        default:
          g_assert_not_reached ();
        }
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

static void
set_draft_label (CatdCaptureForm *self,
                 const char      *text)
{
  gtk_label_set_label (self->draft_label, text ? text : "");
}

typedef struct
{
  CatdCaptureForm *form;
  guint            generation;
} DraftReply;

static void
draft_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  DraftReply *reply = user_data;
  g_autoptr(CatdCaptureForm) self = reply->form;
  g_autoptr(GError) error = NULL;
  gboolean current = self->task != NULL && self->generation == reply->generation;

  g_free (reply);
  catd_session_run_finish (CATD_SESSION (object), result, &error);
  self->draft_busy = FALSE;

  /* An answer about an acta the form no longer shows says nothing now. */
  if (current && error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *sentence = catd_session_describe_error (error);
      g_autofree char *text = g_strdup_printf (_("Progress not saved: %s"), sentence);

      set_draft_label (self, text);
    }
  else if (current && error == NULL && !self->draft_dirty)
    set_draft_label (self, _("Progress saved"));

  if (self->draft_dirty && self->task != NULL)
    save_draft (self);
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAFT_SAVED]);
}

/* Saves the form as the user's draft, one save at a time: a change made
 * while a save runs is saved when it returns, the last state winning. */
static void
save_draft (CatdCaptureForm *self)
{
  DraftReply *reply;
  CatdUser *user;
  Draft *draft;

  if (self->task == NULL || self->session == NULL)
    return;
  user = catd_session_get_user (self->session);
  if (user == NULL || g_strcmp0 (catd_user_get_login (user), self->task->login) != 0)
    return;

  self->draft_dirty = TRUE;
  if (self->draft_busy)
    return;
  self->draft_dirty = FALSE;
  self->draft_busy = TRUE;

  draft = g_new0 (Draft, 1);
  draft->login = g_strdup (self->task->login);
  draft->clave_acta = g_strdup (self->task->clave_acta);
  draft->kind = self->task->kind;
  draft->values = values_node (self, FALSE);
  reply = g_new0 (DraftReply, 1);
  reply->form = g_object_ref (self);
  reply->generation = self->generation;
  catd_session_run_async (self->session, draft_func, draft, draft_free, NULL, NULL,
                          draft_cb, reply);
}

/* ---- GObject ----------------------------------------------------------- */

static void
submit_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CatdCaptureForm *self = CATD_CAPTURE_FORM (widget);

  if (self->task != NULL && !self->busy)
    g_signal_emit (self, signals[SUBMIT], 0);
}

static void
note_changed_cb (CatdCaptureForm *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->note_entry), "catd-missing");
  gtk_widget_set_visible (self->message_box, FALSE);
}

static void
catd_capture_form_dispose (GObject *object)
{
  CatdCaptureForm *self = (CatdCaptureForm *)object;

  if (self->rows != NULL && self->grid != NULL)
    remove_rows (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_CAPTURE_FORM);
  g_clear_pointer (&self->task, catd_task_free);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (catd_capture_form_parent_class)->dispose (object);
}

static void
catd_capture_form_finalize (GObject *object)
{
  CatdCaptureForm *self = (CatdCaptureForm *)object;

  g_clear_pointer (&self->by_code, g_hash_table_unref);
  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (catd_capture_form_parent_class)->finalize (object);
}

static void
catd_capture_form_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CatdCaptureForm *self = CATD_CAPTURE_FORM (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;

    case PROP_TOTAL:
      g_value_set_int64 (value, self->total);
      break;

    case PROP_DRAFT_SAVED:
      g_value_set_boolean (value, catd_capture_form_get_draft_saved (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_capture_form_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  CatdCaptureForm *self = CATD_CAPTURE_FORM (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      catd_capture_form_set_session (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
catd_capture_form_class_init (CatdCaptureFormClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = catd_capture_form_dispose;
  object_class->finalize = catd_capture_form_finalize;
  object_class->get_property = catd_capture_form_get_property;
  object_class->set_property = catd_capture_form_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL,
                         CATD_TYPE_SESSION,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* The computed total (DESIGN §5, rule 1) of what is keyed so far, or -1
   * when the step does not show every field. */
  properties[PROP_TOTAL] =
    g_param_spec_int64 ("total", NULL, NULL,
                        -1, G_MAXINT64, -1,
                        (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  /* Whether every change is saved as the user's draft. */
  properties[PROP_DRAFT_SAVED] =
    g_param_spec_boolean ("draft-saved", NULL, NULL,
                          TRUE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CatdCaptureForm::submit:
   *
   * The user asked to save (Ctrl+Enter, or the save button). The form
   * checks nothing yet: call catd_capture_form_collect ().
   */
  signals[SUBMIT] =
    g_signal_new ("submit",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/mx/catd/Station/catd-capture-form.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, box);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, legend_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, prompt_box);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, prompt_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, restored_box);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, restored_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, grid);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, note_box);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, note_entry);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, total_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, draft_label);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, save_button);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, message_box);
  gtk_widget_class_bind_template_child (widget_class, CatdCaptureForm, message_label);
  gtk_widget_class_bind_template_callback (widget_class, note_changed_cb);

  gtk_widget_class_install_action (widget_class, "form.submit", NULL, submit_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "form.submit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "form.submit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_ISO_Enter, GDK_CONTROL_MASK,
                                       "form.submit", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "catd-capture-form");
}

static void
catd_capture_form_init (CatdCaptureForm *self)
{
  GtkEventController *keys;

  self->rows = g_ptr_array_new_with_free_func (g_free);
  self->by_code = g_hash_table_new (g_str_hash, g_str_equal);
  self->total = -1;

  gtk_widget_init_template (GTK_WIDGET (self));

  /* Before the fields see a key: the flags, the moves and the refusals. */
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.submit", FALSE);
  update_total (self);
}

GtkWidget *
catd_capture_form_new (void)
{
  return g_object_new (CATD_TYPE_CAPTURE_FORM, NULL);
}

CatdSession *
catd_capture_form_get_session (CatdCaptureForm *self)
{
  g_return_val_if_fail (CATD_IS_CAPTURE_FORM (self), NULL);

  return self->session;
}

void
catd_capture_form_set_session (CatdCaptureForm *self,
                               CatdSession     *session)
{
  g_return_if_fail (CATD_IS_CAPTURE_FORM (self));
  g_return_if_fail (!session || CATD_IS_SESSION (session));

  if (g_set_object (&self->session, session))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/**
 * catd_capture_form_clear:
 *
 * Forgets the task and everything typed: no field, value, note or message
 * of it stays in the form. A draft save already running still ends, for
 * the user who typed it.
 */
void
catd_capture_form_clear (CatdCaptureForm *self)
{
  g_return_if_fail (CATD_IS_CAPTURE_FORM (self));

  self->generation++;
  self->draft_dirty = FALSE;
  remove_rows (self);
  g_clear_pointer (&self->task, catd_task_free);
  gtk_editable_set_text (self->note_entry, "");
  gtk_widget_set_visible (self->note_box, FALSE);
  gtk_widget_set_visible (self->prompt_box, FALSE);
  gtk_label_set_label (self->prompt_label, "");
  gtk_widget_set_visible (self->restored_box, FALSE);
  gtk_widget_set_visible (self->message_box, FALSE);
  gtk_label_set_label (self->message_label, "");
  set_draft_label (self, NULL);
  self->busy = FALSE;
  gtk_editable_set_editable (self->note_entry, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.submit", FALSE);
  update_total (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DRAFT_SAVED]);
}

static char *
labels_of_codes (CatdTask *task)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < task->fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (task->fields, i);

      if (!in_codes (task, field->code))
        continue;
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, field->label);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/**
 * catd_capture_form_set_task:
 * @task: (transfer full): what to key
 *
 * Builds the form for @task (see the top of this file for what each step
 * shows), restores the user's draft of it when there is one, and puts the
 * focus in the first field to key.
 */
void
catd_capture_form_set_task (CatdCaptureForm *self,
                            CatdTask        *task)
{
  g_autofree char *labels = NULL;
  guint restored = 0;
  int line = 0;

  g_return_if_fail (CATD_IS_CAPTURE_FORM (self));
  g_return_if_fail (task != NULL);

  catd_capture_form_clear (self);
  self->task = task;
  labels = labels_of_codes (task);

  for (guint i = 0; i < task->fields->len; i++)
    {
      const CatdField *field = g_ptr_array_index (task->fields, i);
      gboolean editable = in_codes (task, field->code);
      ValueState state;
      int number;
      Row *row;

      /* Arbitration and resolution show the disputed fields only. */
      if (!editable && task->kind != CATD_TASK_CAPTURE && task->kind != CATD_TASK_REKEY)
        continue;
      row = add_row (self, field, editable, line++);

      if (!editable)
        {
          /* A re-key shows the user's own pass 2 around the fields asked
           * again: their own values, never the other capturista's. */
          if (parse_text (g_hash_table_lookup (task->own_values, field->code), &state, &number))
            row_set (row, state, number);
        }
      else
        {
          if (task->kind == CATD_TASK_REKEY)
            gtk_widget_add_css_class (row->entry, "catd-rekey");
          if (task->draft != NULL &&
              parse_text (g_hash_table_lookup (task->draft, field->code), &state, &number))
            {
              row_set (row, state, number);
              restored++;
            }
          else
            row_set (row, VALUE_EMPTY, 0);
        }
    }

  switch (task->kind)
    {
    case CATD_TASK_REKEY:
      {
        g_autofree char *text =
          g_strdup_printf (_("The second capture does not match the first in: %s. Key only "
                             "these fields again, reading them from the image."), labels);
        gtk_label_set_label (self->prompt_label, text);
        gtk_widget_set_visible (self->prompt_box, TRUE);
      }
      break;

    case CATD_TASK_ARBITRATION:
      {
        g_autofree char *text =
          g_strdup_printf (_("The captures disagree in: %s. Key these fields from the image; "
                             "what others keyed is not shown."), labels);
        gtk_label_set_label (self->prompt_label, text);
        gtk_widget_set_visible (self->prompt_box, TRUE);
      }
      break;

    case CATD_TASK_RESOLUTION:
      {
        g_autofree char *text =
          g_strdup_printf (_("Arbitration did not settle: %s. Compare the image with every "
                             "value keyed, set the final value and say why in the note."),
                           labels);
        gtk_label_set_label (self->prompt_label, text);
        gtk_widget_set_visible (self->prompt_box, TRUE);
        gtk_widget_set_visible (self->note_box, TRUE);
      }
      break;

    case CATD_TASK_CAPTURE:
    default:
      break;
    }

  if (restored > 0)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "Your unfinished capture of this acta was restored "
                                      "(%u field).",
                                      "Your unfinished capture of this acta was restored "
                                      "(%u fields).", restored), restored);
      gtk_label_set_label (self->restored_label, text);
      gtk_widget_set_visible (self->restored_box, TRUE);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.submit", TRUE);
  update_total (self);
  catd_capture_form_focus_first (self);
}

const CatdTask *
catd_capture_form_get_task (CatdCaptureForm *self)
{
  g_return_val_if_fail (CATD_IS_CAPTURE_FORM (self), NULL);

  return self->task;
}

/* Focuses the first field still empty, or the first field to key. */
void
catd_capture_form_focus_first (CatdCaptureForm *self)
{
  Row *first = NULL;

  g_return_if_fail (CATD_IS_CAPTURE_FORM (self));

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (!row->editable)
        continue;
      if (first == NULL)
        first = row;
      if (row->state == VALUE_EMPTY)
        {
          focus_row (row);
          return;
        }
    }
  if (first != NULL)
    focus_row (first);
}

/* While a save runs nothing can be typed, and Ctrl+Enter does nothing. */
void
catd_capture_form_set_busy (CatdCaptureForm *self,
                            gboolean         busy)
{
  g_return_if_fail (CATD_IS_CAPTURE_FORM (self));

  self->busy = !!busy;
  gtk_editable_set_editable (self->note_entry, !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "form.submit", !busy && self->task != NULL);
}

/* Shows @message (a sentence for the user) under the form, or hides it. */
void
catd_capture_form_show_message (CatdCaptureForm *self,
                                const char      *message)
{
  g_return_if_fail (CATD_IS_CAPTURE_FORM (self));

  gtk_label_set_label (self->message_label, message ? message : "");
  gtk_widget_set_visible (self->message_box, message != NULL);
  if (message != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->message_label),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
}

/**
 * catd_capture_form_collect:
 *
 * The values to save (a JSON object of every field of the step: a number,
 * "ilegible" or "sin_dato"), or %NULL when something is missing: then the
 * form has said what, marked the missing fields and focused the first.
 */
JsonNode *
catd_capture_form_collect (CatdCaptureForm *self)
{
  Row *first = NULL;
  guint missing = 0;

  g_return_val_if_fail (CATD_IS_CAPTURE_FORM (self), NULL);

  if (self->task == NULL)
    return NULL;
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (!row->editable || row->state != VALUE_EMPTY)
        continue;
      gtk_widget_add_css_class (row->entry, "catd-missing");
      if (first == NULL)
        first = row;
      missing++;
    }
  if (first != NULL)
    {
      g_autofree char *text =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%u field is not keyed yet: %s. Key it, or press I "
                                      "(illegible) or S (no data).",
                                      "%u fields are not keyed yet, the first: %s. Key them, "
                                      "or press I (illegible) or S (no data).", missing),
                         missing, first->field->label);
      catd_capture_form_show_message (self, text);
      gtk_widget_error_bell (GTK_WIDGET (self));
      focus_row (first);
      return NULL;
    }

  if (self->task->kind == CATD_TASK_RESOLUTION)
    {
      g_autofree char *note = g_strstrip (g_strdup (gtk_editable_get_text (self->note_entry)));

      if (*note == '\0')
        {
          gtk_widget_add_css_class (GTK_WIDGET (self->note_entry), "catd-missing");
          catd_capture_form_show_message (self, _("A resolution needs a note saying why. "
                                                  "Write it, then save."));
          gtk_widget_error_bell (GTK_WIDGET (self));
          gtk_widget_grab_focus (GTK_WIDGET (self->note_entry));
          return NULL;
        }
    }
  return values_node (self, TRUE);
}

const char *
catd_capture_form_get_note (CatdCaptureForm *self)
{
  g_return_val_if_fail (CATD_IS_CAPTURE_FORM (self), NULL);

  return gtk_editable_get_text (self->note_entry);
}

gint64
catd_capture_form_get_total (CatdCaptureForm *self)
{
  g_return_val_if_fail (CATD_IS_CAPTURE_FORM (self), -1);

  return self->total;
}

/* Whether the last change is saved as a draft (or there is nothing to save). */
gboolean
catd_capture_form_get_draft_saved (CatdCaptureForm *self)
{
  g_return_val_if_fail (CATD_IS_CAPTURE_FORM (self), FALSE);

  return !self->draft_busy && !self->draft_dirty;
}

/* The field of @code, for tests and for the page's focus. */
GtkWidget *
catd_capture_form_get_entry (CatdCaptureForm *self,
                             const char      *code)
{
  Row *row;

  g_return_val_if_fail (CATD_IS_CAPTURE_FORM (self), NULL);

  row = g_hash_table_lookup (self->by_code, code);
  return row ? row->entry : NULL;
}

/* The ilegible / sin dato badge shown over the field of @code. */
GtkWidget *
catd_capture_form_get_badge (CatdCaptureForm *self,
                             const char      *code)
{
  Row *row;

  g_return_val_if_fail (CATD_IS_CAPTURE_FORM (self), NULL);

  row = g_hash_table_lookup (self->by_code, code);
  return row ? row->badge : NULL;
}
