/* test-capture-form.c - the Captura and Arbitraje screens, driven from the keyboard
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>
#include <gdk/x11/gdkx.h>
#include <gmodule.h>
#include <signal.h>
#include <sys/wait.h>
#include <X11/keysym.h>

#include "catd-capture-form.h"
#include "catd-work-view.h"
#include "catd-gui-test-util.h"
#include "catd-test-util.h"

/* Keys are real key presses: XTest events sent to the Xvfb server the test
 * runs on (tests/gui/run-gui.sh), which reach the form the way a keyboard's
 * do, through GTK's event dispatch, its shortcut controllers and the
 * entries' own handling. */

typedef int (*FakeKeyEvent) (Display *display, unsigned int keycode, int is_press,
                             unsigned long delay);
typedef int (*FakeMotionEvent) (Display *display, int screen, int x, int y,
                                unsigned long delay);

static FakeKeyEvent fake_key;
static FakeMotionEvent fake_motion;

static gboolean
keyboard_init (void)
{
  GModule *xtst;

  if (!GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    return FALSE;
  xtst = g_module_open ("libXtst.so.6", G_MODULE_BIND_LOCAL);
  if (xtst == NULL ||
      !g_module_symbol (xtst, "XTestFakeKeyEvent", (gpointer *)&fake_key) ||
      !g_module_symbol (xtst, "XTestFakeMotionEvent", (gpointer *)&fake_motion))
    return FALSE;
  g_module_make_resident (xtst);
  return TRUE;
}

static Display *
xdisplay (void)
{
  return gdk_x11_display_get_xdisplay (gdk_display_get_default ());
}

static void
key_event (guint    keyval,
           gboolean press)
{
  KeyCode code = XKeysymToKeycode (xdisplay (), keyval);

  g_assert_cmpuint (code, !=, 0);
  fake_key (xdisplay (), code, press, 0);
}

/* Presses and releases @keyval with @mods held, and lets GTK handle it. */
static void
press (guint           keyval,
       GdkModifierType mods)
{
  if (mods & GDK_CONTROL_MASK)
    key_event (XK_Control_L, TRUE);
  if (mods & GDK_SHIFT_MASK)
    key_event (XK_Shift_L, TRUE);
  key_event (keyval, TRUE);
  key_event (keyval, FALSE);
  if (mods & GDK_SHIFT_MASK)
    key_event (XK_Shift_L, FALSE);
  if (mods & GDK_CONTROL_MASK)
    key_event (XK_Control_L, FALSE);
  XSync (xdisplay (), False);
  catd_gui_test_spin (15);
}

/* Types @text (digits and letters) as key presses. */
static void
type (const char *text)
{
  for (const char *c = text; *c; c++)
    press (g_ascii_isdigit (*c) ? XK_0 + (*c - '0') : (guint)*c, 0);
}

/* ---- the station and the screens ------------------------------------------ */

#define N_ACTAS 2

typedef struct
{
  char          *dir;
  CatdTestClock  clock;
  CatdStation   *station;
  CatdUser      *coord;
  CatdUser      *aco;
  CatdUser      *dig;
  CatdUser      *cap_a;
  CatdUser      *cap_b;
  CatdUser      *ver;
  char          *clave[N_ACTAS];  /* digitized in this order: clave[0] comes first */
  GPtrArray     *fields;          /* CatdField* of the GUB actas */
  CatdSession   *session;
  GtkWidget     *page;
  GtkWidget     *window;
  CatdCaptureForm *form;
} Fixture;

static void
open_screen (Fixture        *f,
             CatdWorkScreen  screen,
             CatdUser       *user)
{
  f->session = catd_gui_test_session (f->station);
  f->page = g_object_new (CATD_TYPE_WORK_VIEW, "screen", screen, "session", f->session, NULL);
  f->window = catd_gui_test_window (f->page);
  f->form = CATD_CAPTURE_FORM (catd_gui_test_find (f->page, CATD_TYPE_CAPTURE_FORM, 0));
  g_assert_nonnull (f->form);
  catd_gui_test_spin (200);
  /* The pointer over the window: with no window manager, X gives the
   * keyboard to the window under the pointer. */
  fake_motion (xdisplay (), -1, 640, 400, 0);
  XSync (xdisplay (), False);
  if (user != NULL)
    catd_session_set_user (f->session, user);
}

static void
close_screen (Fixture *f)
{
  if (f->window == NULL)
    return;
  gtk_window_destroy (GTK_WINDOW (f->window));
  catd_gui_test_spin (50);
  f->window = NULL;
  f->page = NULL;
  f->form = NULL;
  g_clear_object (&f->session);
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (!keyboard_init ())
    {
      g_test_skip ("no X11 display with XTest to type on");
      return;
    }
  f->dir = catd_test_make_dir ();
  f->station = catd_test_station_new (f->dir, "data/demo/catalog.json", &f->clock);
  f->coord = catd_test_add_user (f->station, NULL, "coord", CATD_ROLE_COORDINADOR);
  f->aco = catd_test_add_user (f->station, f->coord, "aco", CATD_ROLE_ACOPIADOR);
  f->dig = catd_test_add_user (f->station, f->coord, "dig", CATD_ROLE_DIGITALIZADOR);
  f->cap_a = catd_test_add_user (f->station, f->coord, "capA", CATD_ROLE_CAPTURISTA);
  f->cap_b = catd_test_add_user (f->station, f->coord, "capB", CATD_ROLE_CAPTURISTA);
  f->ver = catd_test_add_user (f->station, f->coord, "ver", CATD_ROLE_VERIFICADOR);
  for (guint i = 0; i < N_ACTAS; i++)
    {
      g_autofree char *where = g_strdup_printf ("ca.election = 'GUB' AND ca.clave_acta > '%s'",
                                                i == 0 ? "" : f->clave[i - 1]);
      g_autoptr(CatdRegistration) reg = NULL;
      g_autofree char *tiff = NULL;

      f->clave[i] = catd_test_catalog_acta (f->station, where);
      reg = catd_station_register (f->station, f->aco, f->clave[i], NULL, &error);
      g_assert_no_error (error);
      tiff = catd_test_write_tiff (f->dir, 30 + i);
      catd_station_import_image (f->station, f->dig, f->clave[i], tiff, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  f->fields = catd_station_get_acta_fields (f->station, f->clave[0], &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  if (f->dir == NULL)
    return;
  close_screen (f);
  g_clear_pointer (&f->fields, g_ptr_array_unref);
  g_clear_object (&f->ver);
  g_clear_object (&f->cap_b);
  g_clear_object (&f->cap_a);
  g_clear_object (&f->dig);
  g_clear_object (&f->aco);
  g_clear_object (&f->coord);
  g_clear_object (&f->station);
  for (guint i = 0; i < N_ACTAS; i++)
    g_free (f->clave[i]);
  catd_test_remove_dir (f->dir);
  g_free (f->dir);
}

/* ---- what the user sees ---------------------------------------------------- */

static const CatdField *
field (Fixture *f,
       guint    i)
{
  return g_ptr_array_index (f->fields, i);
}

static guint
field_index (Fixture    *f,
             const char *code)
{
  for (guint i = 0; i < f->fields->len; i++)
    if (g_str_equal (field (f, i)->code, code))
      return i;
  g_assert_not_reached ();
}

static GtkWidget *
entry (Fixture    *f,
       const char *code)
{
  GtkWidget *widget = catd_capture_form_get_entry (f->form, code);

  g_assert_nonnull (widget);
  return widget;
}

static const char *
text_of (Fixture    *f,
         const char *code)
{
  return gtk_editable_get_text (GTK_EDITABLE (entry (f, code)));
}

static gboolean
has_focus (Fixture    *f,
           const char *code)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

  return focus != NULL && (focus == entry (f, code) ||
                           gtk_widget_is_ancestor (focus, entry (f, code)));
}

/* The badge a user sees over the field, or NULL when there is none. */
static const char *
badge_of (Fixture    *f,
          const char *code)
{
  GtkWidget *badge = catd_capture_form_get_badge (f->form, code);

  g_assert_nonnull (badge);
  return gtk_widget_get_mapped (badge) ? gtk_label_get_text (GTK_LABEL (badge)) : NULL;
}

typedef struct
{
  Fixture    *f;
  const char *clave;
} ShowsActa;

static gboolean
shows_acta (gpointer data)
{
  ShowsActa *s = data;
  const CatdTask *task = s->f->form ? catd_capture_form_get_task (s->f->form) : NULL;

  return task != NULL && g_strcmp0 (task->clave_acta, s->clave) == 0;
}

static void
wait_for_acta (Fixture    *f,
               const char *clave)
{
  ShowsActa s = { f, clave };

  if (!catd_gui_test_wait (shows_acta, &s, 5000))
    g_error ("the screen never showed acta %s", clave);
  /* Its image and the form are drawn, the first field focused. */
  catd_gui_test_spin (100);
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} Shows;

static gboolean
shows (gpointer data)
{
  Shows *s = data;

  return catd_gui_test_contains_text (s->root, s->text);
}

static gboolean
draft_saved (gpointer data)
{
  return catd_capture_form_get_draft_saved (data);
}

static void
wait_for_draft (Fixture *f)
{
  if (!catd_gui_test_wait (draft_saved, f->form, 5000))
    g_error ("the draft was never saved");
}

typedef struct
{
  CatdStation *station;
  const char  *sql;
  const char  *arg;
  gint64       expected;
} Query;

static gboolean
query_is (gpointer data)
{
  Query *q = data;

  return catd_test_query_int (q->station, q->sql, q->arg) == q->expected;
}

static void
wait_for_query (Fixture    *f,
                const char *sql,
                const char *arg,
                gint64      expected)
{
  Query q = { f->station, sql, arg, expected };

  if (!catd_gui_test_wait (query_is, &q, 5000))
    g_error ("%s (%s) never became %" G_GINT64_FORMAT ", it is %" G_GINT64_FORMAT, sql, arg,
             expected, catd_test_query_int (f->station, sql, arg));
}

#define STATE_OF "SELECT count(*) FROM acta WHERE clave_acta = ?1 AND state = "

/* A value for field @i of a full capture: plain numbers, distinct per
 * field, easy to look for on the screen afterwards. */
static guint
value_for (guint i)
{
  return 3000 + i * 37;
}

/* Keys every field from the keyboard, Tab after each, as a capturista. */
static void
key_all (Fixture *f,
         guint    (*value) (guint i))
{
  for (guint i = 0; i < f->fields->len; i++)
    {
      g_autofree char *digits = g_strdup_printf ("%u", value (i));

      g_assert_true (has_focus (f, field (f, i)->code));
      type (digits);
      press (XK_Tab, 0);
    }
}

/* ---- the tests ------------------------------------------------------------- */

/* The whole acta from the keyboard: digits, Tab and Enter to the next
 * field, Shift+Tab back, the total live, Ctrl+Enter saves and the next acta
 * comes up empty. */
static void
test_keyboard_flow (Fixture       *f,
                    gconstpointer  data)
{
  guint64 total = 0;

  if (g_test_failed () || f->dir == NULL)
    return;
  open_screen (f, CATD_WORK_SCREEN_CAPTURE, f->cap_a);
  wait_for_acta (f, f->clave[0]);

  /* The header says how much waits for this capturista. */
  {
    g_autofree char *waiting = g_strdup_printf (_("%u for 1st capture"), 2);
    Shows s = { f->page, waiting };

    g_assert_true (catd_gui_test_wait (shows, &s, 5000));
  }

  /* The fields in acta order, the first focused. */
  g_assert_true (has_focus (f, "TOTAL_BOLETAS_SOBRANTES"));
  g_assert_cmpstr (field (f, 0)->code, ==, "TOTAL_BOLETAS_SOBRANTES");
  g_assert_cmpstr (field (f, f->fields->len - 1)->code, ==, "TOTAL_VOTOS_ASENTADO");

  for (guint i = 0; i < f->fields->len; i++)
    {
      const CatdField *fi = field (f, i);
      g_autofree char *digits = g_strdup_printf ("%u", value_for (i));

      g_assert_true (has_focus (f, fi->code));
      type (digits);
      g_assert_cmpstr (text_of (f, fi->code), ==, digits);
      if (catd_field_kind_is_vote (fi->kind))
        total += value_for (i);
      /* The computed total follows every keystroke. */
      g_assert_cmpint (catd_capture_form_get_total (f->form), ==, total);
      /* Enter and Tab both go on. */
      press (i % 2 ? XK_Return : XK_Tab, 0);
    }
  {
    g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, total);
    g_autofree char *shown = g_strdup_printf (_("Computed total: %s"), number);
    g_assert_true (catd_gui_test_contains_text (f->page, shown));
  }

  /* Shift+Tab back from the save button to the last field, and again. */
  press (XK_Tab, GDK_SHIFT_MASK);
  press (XK_Tab, GDK_SHIFT_MASK);
  g_assert_true (has_focus (f, field (f, f->fields->len - 2)->code));

  /* Ctrl+Enter saves the first capture, and the next acta comes up. */
  press (XK_Return, GDK_CONTROL_MASK);
  wait_for_acta (f, f->clave[1]);
  g_assert_cmpint (catd_test_query_int (f->station, STATE_OF "'captured_1'", f->clave[0]), ==,
                   1);
  {
    g_autofree char *keyed = catd_test_query_text (f->station, "SELECT \"values\" FROM keying k "
                                                   "JOIN acta a ON a.id = k.acta WHERE "
                                                   "a.clave_acta = ? AND k.login = 'capA'",
                                                   f->clave[0]);
    g_autofree char *pan = g_strdup_printf ("\"PAN\":\"%u\"", value_for (field_index (f, "PAN")));

    g_assert_nonnull (strstr (keyed, pan));
  }
  /* The new acta's form is empty; nothing of the last one is on screen. */
  for (guint i = 0; i < f->fields->len; i++)
    g_assert_cmpstr (text_of (f, field (f, i)->code), ==, "");
  g_assert_false (catd_gui_test_contains_text (f->page, "3037"));
  g_assert_true (has_focus (f, "TOTAL_BOLETAS_SOBRANTES"));
  g_assert_cmpint (catd_capture_form_get_total (f->form), ==, 0);
}

/* I and S (and * and /) flag a field with a clear badge; Backspace
 * clears it; a digit replaces it; flags count 0 in the total and are
 * saved as ilegible and sin dato. */
static void
test_flag_keys (Fixture       *f,
                gconstpointer  data)
{
  const char *ilegible = _("ILLEGIBLE");
  const char *sin_dato = _("NO DATA");

  if (g_test_failed () || f->dir == NULL)
    return;
  open_screen (f, CATD_WORK_SCREEN_CAPTURE, f->cap_a);
  wait_for_acta (f, f->clave[0]);

  type ("0");
  press (XK_Tab, 0);   /* TOTAL_PERSONAS_VOTARON */
  type ("i");
  g_assert_cmpstr (badge_of (f, "TOTAL_PERSONAS_VOTARON"), ==, ilegible);
  g_assert_cmpstr (text_of (f, "TOTAL_PERSONAS_VOTARON"), ==, "");
  /* Backspace takes the flag away, a digit replaces it. */
  press (XK_BackSpace, 0);
  g_assert_null (badge_of (f, "TOTAL_PERSONAS_VOTARON"));
  press (XK_KP_Multiply, 0);
  g_assert_cmpstr (badge_of (f, "TOTAL_PERSONAS_VOTARON"), ==, ilegible);
  type ("7");
  g_assert_null (badge_of (f, "TOTAL_PERSONAS_VOTARON"));
  g_assert_cmpstr (text_of (f, "TOTAL_PERSONAS_VOTARON"), ==, "7");
  press (XK_Tab, 0);

  /* Key the rest: PAN sin dato (S), PRI ilegible (I), NULOS sin dato (/). */
  for (guint i = 2; i < f->fields->len; i++)
    {
      const char *code = field (f, i)->code;

      g_assert_true (has_focus (f, code));
      if (g_str_equal (code, "PAN"))
        type ("s");
      else if (g_str_equal (code, "PRI"))
        type ("I");
      else if (g_str_equal (code, "NULOS"))
        press (XK_slash, 0);
      else
        type ("10");
      press (XK_Tab, 0);
    }
  g_assert_cmpstr (badge_of (f, "PAN"), ==, sin_dato);
  g_assert_cmpstr (badge_of (f, "PRI"), ==, ilegible);
  g_assert_cmpstr (badge_of (f, "NULOS"), ==, sin_dato);
  g_assert_null (badge_of (f, "PRD"));
  /* 17 vote fields, 3 flagged: 14 of 10. */
  g_assert_cmpint (catd_capture_form_get_total (f->form), ==, 140);

  press (XK_Return, GDK_CONTROL_MASK);
  wait_for_query (f, STATE_OF "'captured_1'", f->clave[0], 1);
  {
    g_autofree char *keyed = catd_test_query_text (f->station, "SELECT \"values\" FROM keying k "
                                                   "JOIN acta a ON a.id = k.acta "
                                                   "WHERE a.clave_acta = ?", f->clave[0]);

    g_assert_nonnull (strstr (keyed, "\"PAN\":\"sin_dato\""));
    g_assert_nonnull (strstr (keyed, "\"PRI\":\"ilegible\""));
    g_assert_nonnull (strstr (keyed, "\"NULOS\":\"sin_dato\""));
    g_assert_nonnull (strstr (keyed, "\"TOTAL_PERSONAS_VOTARON\":\"7\""));
  }
}

/* Letters and signs never get into a field, nor a fifth digit; an acta with
 * a field left empty is not saved, and the form says which. */
static void
test_refuses_non_digits (Fixture       *f,
                         gconstpointer  data)
{
  if (g_test_failed () || f->dir == NULL)
    return;
  open_screen (f, CATD_WORK_SCREEN_CAPTURE, f->cap_a);
  wait_for_acta (f, f->clave[0]);

  type ("a");
  press (XK_minus, 0);
  press (XK_period, 0);
  press (XK_comma, 0);
  press (XK_space, 0);
  type ("x");
  g_assert_cmpstr (text_of (f, "TOTAL_BOLETAS_SOBRANTES"), ==, "");
  g_assert_null (badge_of (f, "TOTAL_BOLETAS_SOBRANTES"));
  type ("12345");
  g_assert_cmpstr (text_of (f, "TOTAL_BOLETAS_SOBRANTES"), ==, "1234");
  /* Pasted text goes through the same filter. */
  gtk_editable_set_position (GTK_EDITABLE (entry (f, "TOTAL_BOLETAS_SOBRANTES")), -1);
  press (XK_BackSpace, 0);
  press (XK_BackSpace, 0);
  {
    int position = 2;

    gtk_editable_insert_text (GTK_EDITABLE (entry (f, "TOTAL_BOLETAS_SOBRANTES")), "7a", -1,
                              &position);
    g_assert_cmpstr (text_of (f, "TOTAL_BOLETAS_SOBRANTES"), ==, "12");
    gtk_editable_insert_text (GTK_EDITABLE (entry (f, "TOTAL_BOLETAS_SOBRANTES")), "-1", -1,
                              &position);
    g_assert_cmpstr (text_of (f, "TOTAL_BOLETAS_SOBRANTES"), ==, "12");
    gtk_editable_insert_text (GTK_EDITABLE (entry (f, "TOTAL_BOLETAS_SOBRANTES")), "3", -1,
                              &position);
    g_assert_cmpstr (text_of (f, "TOTAL_BOLETAS_SOBRANTES"), ==, "123");
  }
  press (XK_Tab, 0);
  type ("5");
  press (XK_Tab, 0);

  /* Saving now: refused, the third field named and focused. */
  press (XK_Return, GDK_CONTROL_MASK);
  catd_gui_test_spin (300);
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM keying", NULL), ==, 0);
  g_assert_true (has_focus (f, field (f, 2)->code));
  g_assert_true (gtk_widget_has_css_class (entry (f, field (f, 2)->code), "catd-missing"));
  g_assert_true (catd_gui_test_contains_text (f->page, field (f, 2)->label));
}

/* The form survives the death of the program: keyed values are saved as a
 * draft as they are typed; the station opened again gives them back to
 * the same user, and to nobody else. */

#define CRASH_HELPER "CATD_TEST_CAPTURE_CRASH_DIR"

static void
crash_helper (const char *dir)
{
  g_autoptr(GError) error = NULL;
  Fixture fixture = { 0 };
  Fixture *f = &fixture;

  g_assert_true (keyboard_init ());
  f->station = catd_station_open (dir, &error);
  g_assert_no_error (error);
  f->cap_a = catd_station_authenticate (f->station, "capA", CATD_TEST_PIN, &error);
  g_assert_no_error (error);
  f->clave[0] = catd_test_query_text (f->station, "SELECT clave_acta FROM acta ORDER BY "
                                      "clave_acta LIMIT 1", NULL);
  open_screen (f, CATD_WORK_SCREEN_CAPTURE, f->cap_a);
  wait_for_acta (f, f->clave[0]);
  type ("4817");
  press (XK_Tab, 0);
  type ("3907");
  press (XK_Tab, 0);
  type ("s");
  press (XK_Tab, 0);
  wait_for_draft (f);
  /* Power cut. */
  raise (SIGKILL);
}

static void
test_restore_after_crash (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_auto(GStrv) env = g_environ_setenv (g_get_environ (), CRASH_HELPER, f->dir ? f->dir : "",
                                        TRUE);
  char *argv[] = { self_path, NULL };
  int status = 0;

  if (g_test_failed () || f->dir == NULL)
    return;

  /* The station in another process, killed in the middle of an acta. The
   * test's own station is closed first, as a second program would find it. */
  g_clear_object (&f->station);
  g_spawn_sync (NULL, argv, env, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);

  f->station = catd_station_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (catd_test_query_int (f->station, "SELECT count(*) FROM capture_draft "
                                        "WHERE login = 'capA'", NULL), ==, 1);

  /* B gets the same acta (nobody keyed it yet), empty: nothing of A's. */
  open_screen (f, CATD_WORK_SCREEN_CAPTURE, f->cap_b);
  wait_for_acta (f, f->clave[0]);
  g_assert_cmpstr (text_of (f, "TOTAL_BOLETAS_SOBRANTES"), ==, "");
  g_assert_cmpstr (text_of (f, "TOTAL_PERSONAS_VOTARON"), ==, "");
  g_assert_null (badge_of (f, field (f, 2)->code));
  g_assert_false (catd_gui_test_contains_text (f->page, "4817"));
  g_assert_false (catd_gui_test_contains_text (f->page, "3907"));

  /* A logs in: the half-keyed form is back, focus on the first field left. */
  catd_session_set_user (f->session, f->cap_a);
  wait_for_acta (f, f->clave[0]);
  g_assert_cmpstr (text_of (f, "TOTAL_BOLETAS_SOBRANTES"), ==, "4817");
  g_assert_cmpstr (text_of (f, "TOTAL_PERSONAS_VOTARON"), ==, "3907");
  g_assert_cmpstr (badge_of (f, field (f, 2)->code), ==, _("NO DATA"));
  g_assert_true (has_focus (f, field (f, 3)->code));
  {
    g_autofree char *restored = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                   "Your unfinished capture of this acta was restored "
                                   "(%u field).",
                                   "Your unfinished capture of this acta was restored "
                                   "(%u fields).", 3), 3);
    g_assert_true (catd_gui_test_contains_text (f->page, restored));
  }

  /* A finishes the acta; the draft goes with the save. */
  for (guint i = 3; i < f->fields->len; i++)
    {
      type ("1");
      press (XK_Tab, 0);
    }
  press (XK_Return, GDK_CONTROL_MASK);
  wait_for_query (f, STATE_OF "'captured_1'", f->clave[0], 1);
  wait_for_query (f, "SELECT count(*) FROM capture_draft WHERE login = ?", "capA", 0);
}

/* A change of user wipes the form before anything is drawn for the next
 * one; the first user's work comes back to them alone. */
static void
test_switch_user_clears (Fixture       *f,
                         gconstpointer  data)
{
  if (g_test_failed () || f->dir == NULL)
    return;
  open_screen (f, CATD_WORK_SCREEN_CAPTURE, f->cap_a);
  wait_for_acta (f, f->clave[0]);
  type ("4817");
  press (XK_Tab, 0);
  type ("i");
  wait_for_draft (f);

  catd_session_set_user (f->session, NULL);
  g_assert_null (catd_capture_form_get_task (f->form));
  g_assert_null (catd_capture_form_get_entry (f->form, "TOTAL_BOLETAS_SOBRANTES"));
  catd_gui_test_spin (50);
  g_assert_false (catd_gui_test_contains_text (f->page, "4817"));
  g_assert_false (catd_gui_test_contains_text (f->page, _("ILLEGIBLE")));
  g_assert_false (catd_gui_test_contains_text (f->page, f->clave[0]));

  catd_session_set_user (f->session, f->cap_b);
  wait_for_acta (f, f->clave[0]);
  g_assert_cmpstr (text_of (f, "TOTAL_BOLETAS_SOBRANTES"), ==, "");
  g_assert_null (badge_of (f, "TOTAL_PERSONAS_VOTARON"));
  g_assert_false (catd_gui_test_contains_text (f->page, "4817"));

  catd_session_set_user (f->session, f->cap_a);
  wait_for_acta (f, f->clave[0]);
  g_assert_cmpstr (text_of (f, "TOTAL_BOLETAS_SOBRANTES"), ==, "4817");
  g_assert_cmpstr (badge_of (f, "TOTAL_PERSONAS_VOTARON"), ==, _("ILLEGIBLE"));
}

static gboolean
shows_rekey (gpointer data)
{
  const CatdTask *task = catd_capture_form_get_task (data);

  return task != NULL && task->kind == CATD_TASK_REKEY;
}

/* Pass 2 with one field mistyped: the prompt names that field only, by its
 * label; only it is cleared and highlighted; nothing of A's is shown; B
 * keys it again and the acta is verified. */
static void
test_rekey_prompt (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) values_a = NULL;
  g_autoptr(CatdCaptureResult) r1 = NULL;
  guint pan = 0;
  g_autofree char *a_pan = NULL;

  if (g_test_failed () || f->dir == NULL)
    return;

  /* A's pass 1 through the engine: what B must never see is 6012 in PAN. */
  pan = field_index (f, "PAN");
  json_builder_begin_object (builder);
  for (guint i = 0; i < f->fields->len; i++)
    {
      json_builder_set_member_name (builder, field (f, i)->code);
      json_builder_add_int_value (builder, i == pan ? 6012 : value_for (i));
    }
  json_builder_end_object (builder);
  values_a = json_builder_get_root (builder);
  r1 = catd_station_capture (f->station, f->cap_a, f->clave[0], values_a, &error);
  g_assert_no_error (error);
  a_pan = g_strdup ("6012");

  open_screen (f, CATD_WORK_SCREEN_CAPTURE, f->cap_b);
  wait_for_acta (f, f->clave[0]);
  key_all (f, value_for);   /* PAN 3000 + 37 × its index, not 6012 */
  press (XK_Return, GDK_CONTROL_MASK);

  /* The same acta comes back as B's re-key. */
  if (!catd_gui_test_wait (shows_rekey, f->form, 5000))
    g_error ("the re-key never came up");
  catd_gui_test_spin (100);
  {
    g_autofree char *prompt =
      g_strdup_printf (_("The second capture does not match the first in: %s. Key only "
                         "these fields again, reading them from the image."),
                       field (f, pan)->label);
    g_assert_true (catd_gui_test_contains_text (f->page, prompt));
  }
  /* Only PAN is empty, highlighted and focused; the rest show B's own. */
  g_assert_cmpstr (text_of (f, "PAN"), ==, "");
  g_assert_true (gtk_widget_has_css_class (entry (f, "PAN"), "catd-rekey"));
  g_assert_true (has_focus (f, "PAN"));
  for (guint i = 0; i < f->fields->len; i++)
    if (i != pan)
      {
        g_autofree char *own = g_strdup_printf ("%u", value_for (i));

        g_assert_cmpstr (text_of (f, field (f, i)->code), ==, own);
        g_assert_false (gtk_widget_has_css_class (entry (f, field (f, i)->code), "catd-rekey"));
        g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (entry (f, field (f, i)->code))));
      }
  g_assert_false (catd_gui_test_contains_text (f->window, a_pan));

  /* B looks at the image again and keys what the acta says. */
  type (a_pan);
  press (XK_Return, GDK_CONTROL_MASK);
  wait_for_query (f, STATE_OF "'verified'", f->clave[0], 1);
}

/* Arbitration is blind and shows the disputed fields only; the coordinador
 * resolves with every value and who keyed it, and must write a note. */
static void
test_arbitration_and_resolution (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(CatdCaptureResult) r1 = NULL;
  g_autoptr(CatdCaptureResult) r2 = NULL;
  g_autoptr(CatdCaptureResult) r3 = NULL;

  if (g_test_failed () || f->dir == NULL)
    return;
  a = catd_test_values (f->station, f->clave[0], 1);
  catd_test_values_set (a, "PAN", "6012");
  b = catd_test_values_set (catd_test_values_copy (a), "PAN", "6013");
  again = catd_test_values_only ("PAN", "6013", NULL);
  r1 = catd_station_capture (f->station, f->cap_a, f->clave[0], a, &error);
  g_assert_no_error (error);
  r2 = catd_station_capture (f->station, f->cap_b, f->clave[0], b, &error);
  g_assert_no_error (error);
  r3 = catd_station_rekey (f->station, f->cap_b, f->clave[0], again, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r3->status, ==, CATD_CAPTURE_ARBITRATION);

  open_screen (f, CATD_WORK_SCREEN_ARBITRATION, f->ver);
  wait_for_acta (f, f->clave[0]);
  g_assert_nonnull (catd_capture_form_get_entry (f->form, "PAN"));
  g_assert_null (catd_capture_form_get_entry (f->form, "PRI"));
  g_assert_null (catd_capture_form_get_entry (f->form, "TOTAL_BOLETAS_SOBRANTES"));
  g_assert_true (has_focus (f, "PAN"));
  g_assert_false (catd_gui_test_contains_text (f->window, "6012"));
  g_assert_false (catd_gui_test_contains_text (f->window, "6013"));
  type ("6014");
  press (XK_Return, GDK_CONTROL_MASK);
  wait_for_query (f, STATE_OF "'coordinator'", f->clave[0], 1);

  /* The coordinador: every value, with who keyed it. */
  catd_session_set_user (f->session, f->coord);
  wait_for_acta (f, f->clave[0]);
  g_assert_cmpint (catd_capture_form_get_task (f->form)->kind, ==, CATD_TASK_RESOLUTION);
  g_assert_true (catd_gui_test_contains_text (f->window, "6012"));
  g_assert_true (catd_gui_test_contains_text (f->window, "6013"));
  g_assert_true (catd_gui_test_contains_text (f->window, "6014"));
  g_assert_true (catd_gui_test_contains_text (f->window, "Usuario capA (capA)"));
  g_assert_true (catd_gui_test_contains_text (f->window, "Usuario ver (ver)"));
  type ("6013");
  /* No note: refused, the note focused. */
  press (XK_Return, GDK_CONTROL_MASK);
  catd_gui_test_spin (300);
  g_assert_cmpint (catd_test_query_int (f->station, STATE_OF "'coordinator'", f->clave[0]), ==,
                   1);
  g_assert_true (catd_gui_test_contains_text (f->window,
                                              _("A resolution needs a note saying why. "
                                                "Write it, then save.")));
  type ("visto");
  press (XK_Return, GDK_CONTROL_MASK);
  wait_for_query (f, STATE_OF "'verified'", f->clave[0], 1);
  {
    g_autofree char *note = catd_test_query_text (f->station, "SELECT detail FROM audit "
                                                  "WHERE action = 'captura.resolution'", NULL);
    g_assert_nonnull (strstr (note, "\"note\":\"visto\""));
  }
}

int
main (int   argc,
      char *argv[])
{
  const char *crash_dir = g_getenv (CRASH_HELPER);

  catd_gui_test_init (&argc, &argv);
  if (crash_dir != NULL)
    {
      crash_helper (crash_dir);
      return 1;   /* not reached: the helper dies */
    }

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/capture-form/keyboard-flow", test_keyboard_flow);
  ADD ("/capture-form/flag-keys", test_flag_keys);
  ADD ("/capture-form/refuses-non-digits", test_refuses_non_digits);
  ADD ("/capture-form/restore-after-crash", test_restore_after_crash);
  ADD ("/capture-form/switch-user-clears", test_switch_user_clears);
  ADD ("/capture-form/rekey-prompt", test_rekey_prompt);
  ADD ("/capture-form/arbitration-and-resolution", test_arbitration_and_resolution);
  return g_test_run ();
}
