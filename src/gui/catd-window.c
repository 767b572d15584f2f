/* catd-window.c - the station's one main window
 *
 * Copyright 2026 The CATD Station authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "catd-acopio-page.h"
#include "catd-coordination-page.h"
#include "catd-login-page.h"
#include "catd-scan-page.h"
#include "catd-trace.h"
#include "catd-window.h"
#include "catd-work-view.h"

/* The window holds the login page and, once somebody logs in, the pages of
 * that user's role in one stack. It knows nothing of the pages' contents: it
 * hands each the session and shows or hides them. */

typedef enum
{
  PAGE_ACOPIO         = 1 << 0,
  PAGE_DIGITALIZACION = 1 << 1,
  PAGE_CAPTURA        = 1 << 2,
  PAGE_ARBITRAJE      = 1 << 3,
  PAGE_COORDINACION   = 1 << 4,
} PageBit;

static const struct
{
  const char *name;
  PageBit     bit;
} page_names[] = {
  { "acopio", PAGE_ACOPIO },
  { "digitalizacion", PAGE_DIGITALIZACION },
  { "captura", PAGE_CAPTURA },
  { "arbitraje", PAGE_ARBITRAJE },
  { "coordinacion", PAGE_COORDINACION },
};

struct _CatdWindow
{
  GtkApplicationWindow  parent_instance;

  CatdSession          *session;

  GtkStack             *main_stack;
  GtkStack             *work_stack;
  GtkWidget            *page_switcher;
  GtkWidget            *user_button;
  GtkLabel             *user_label;
  GtkLabel             *failure_label;
  GtkLabel             *station_label;
  CatdLoginPage        *login_page;
  GtkWidget            *acopio_page;
  GtkWidget            *scan_page;
  GtkWidget            *capture_page;
  GtkWidget            *arbitration_page;
  GtkWidget            *coordination_page;
};

G_DEFINE_FINAL_TYPE (CatdWindow, catd_window, GTK_TYPE_APPLICATION_WINDOW)

/**
 * catd_window_pages_for_role:
 *
 * Returns: the screens @role works with, as bits in the order of the stack:
 * acopio, digitalización, captura, arbitraje, coordinación. The engine
 * enforces the same rules again on every action; this only keeps screens a
 * user cannot use out of the way.
 */
guint
catd_window_pages_for_role (CatdRole role)
{
  switch (role)
    {
    case CATD_ROLE_ACOPIADOR:
      return PAGE_ACOPIO;
    case CATD_ROLE_DIGITALIZADOR:
      return PAGE_DIGITALIZACION;
    case CATD_ROLE_CAPTURISTA:
      return PAGE_CAPTURA;
    case CATD_ROLE_VERIFICADOR:
      return PAGE_ARBITRAJE;
    case CATD_ROLE_COORDINADOR:
      /* Capture is the capturistas' alone (the engine refuses the others);
       * a coordinator arbitrates and resolves in Arbitraje. */
      return PAGE_ACOPIO | PAGE_DIGITALIZACION | PAGE_ARBITRAJE | PAGE_COORDINACION;
    default:
      return 0;
    }
}

/* A page that knows where work starts (the acopio entry, the capture form's
 * first empty field) takes the focus there; others give it to their first
 * control. */
static void
focus_page (GtkWidget *page)
{
  if (!gtk_widget_grab_focus (page))
    gtk_widget_child_focus (page, GTK_DIR_TAB_FORWARD);
}

static void
user_changed_cb (CatdWindow *self)
{
  CatdUser *user = self->session ? catd_session_get_user (self->session) : NULL;
  GAction *page_action = g_action_map_lookup_action (G_ACTION_MAP (self), "page");
  const char *first = NULL;
  guint pages;

  gtk_widget_set_visible (self->user_button, user != NULL);
  gtk_widget_set_visible (self->page_switcher, user != NULL);
  if (user == NULL)
    {
      gtk_stack_set_visible_child_name (self->main_stack, "login");
      return;
    }

  pages = catd_window_pages_for_role (catd_user_get_role (user));
  for (guint i = 0; i < G_N_ELEMENTS (page_names); i++)
    {
      GtkWidget *child = gtk_stack_get_child_by_name (self->work_stack, page_names[i].name);
      gboolean visible = (pages & page_names[i].bit) != 0;

      gtk_stack_page_set_visible (gtk_stack_get_page (self->work_stack, child), visible);
      if (visible && first == NULL)
        first = page_names[i].name;
    }
  {
    g_autofree char *text = g_strdup_printf ("%s · %s", catd_user_get_name (user),
                                             catd_role_label (catd_user_get_role (user)));

    gtk_label_set_label (self->user_label, text);
  }
  /* One screen needs no switcher. */
  gtk_widget_set_visible (self->page_switcher, (pages & (pages - 1)) != 0);
  gtk_stack_set_visible_child_name (self->work_stack, first);
  gtk_stack_set_visible_child_name (self->main_stack, "work");
  g_simple_action_set_state (G_SIMPLE_ACTION (page_action), g_variant_new_string (first));
  focus_page (gtk_stack_get_visible_child (self->work_stack));
}

static void
switch_user_action (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  CatdWindow *self = CATD_WINDOW (user_data);

  if (self->session != NULL)
    catd_session_set_user (self->session, NULL);
}

static void
page_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  CatdWindow *self = CATD_WINDOW (user_data);
  const char *name = g_variant_get_string (parameter, NULL);
  GtkWidget *child = gtk_stack_get_child_by_name (self->work_stack, name);

  if (child == NULL || !gtk_stack_page_get_visible (gtk_stack_get_page (self->work_stack, child)) ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "work") != 0)
    return;
  gtk_stack_set_visible_child (self->work_stack, child);
  g_simple_action_set_state (action, parameter);
  focus_page (child);
}

static void
visible_page_cb (CatdWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "page");
  const char *name = gtk_stack_get_visible_child_name (self->work_stack);

  if (name != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (name));
}

/* ---- window state ------------------------------------------------------------ */

/* Below this a window restored from a damaged setting could not show a
 * screen; GTK grows it to the pages' own minimum anyway. */
#define MIN_RESTORED_WIDTH  480
#define MIN_RESTORED_HEIGHT 360

static GSettings *
window_settings (CatdWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return CATD_IS_APPLICATION (app) ? catd_application_get_settings (CATD_APPLICATION (app)) : NULL;
}

/* The size and maximized state the window had when it was last closed. */
static void
restore_state (CatdWindow *self)
{
  GSettings *settings = window_settings (self);

  if (settings == NULL)
    return;
  gtk_window_set_default_size (GTK_WINDOW (self),
                               MAX (g_settings_get_int (settings, "window-width"),
                                    MIN_RESTORED_WIDTH),
                               MAX (g_settings_get_int (settings, "window-height"),
                                    MIN_RESTORED_HEIGHT));
  if (g_settings_get_boolean (settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

/* Saved on close (the quit action closes the windows too): the size is
 * that of the window when not maximized, so that un-maximizing after the
 * next start gives it back. */
static void
save_state (CatdWindow *self)
{
  GSettings *settings = window_settings (self);
  gboolean maximized = gtk_window_is_maximized (GTK_WINDOW (self));
  int width, height;

  if (settings == NULL)
    return;
  if (!maximized)
    {
      gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
      if (width > 0 && height > 0)
        {
          g_settings_set_int (settings, "window-width", width);
          g_settings_set_int (settings, "window-height", height);
        }
    }
  g_settings_set_boolean (settings, "window-maximized", maximized);
}

static gboolean
catd_window_close_request (GtkWindow *window)
{
  save_state (CATD_WINDOW (window));

  return GTK_WINDOW_CLASS (catd_window_parent_class)->close_request (window);
}

static void
catd_window_dispose (GObject *object)
{
  CatdWindow *self = (CatdWindow *)object;

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  /* main_stack is the window's child and a template child: taken out
   * through the window first, or dispose_template () would unparent it
   * behind GtkWindow's back and GtkWindow's dispose would unparent it again
   * (a critical, on freed memory, at every close). */
  gtk_window_set_child (GTK_WINDOW (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CATD_TYPE_WINDOW);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (catd_window_parent_class)->dispose (object);
}

static void
catd_window_class_init (CatdWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = catd_window_dispose;
  window_class->close_request = catd_window_close_request;

  g_type_ensure (CATD_TYPE_LOGIN_PAGE);
  g_type_ensure (CATD_TYPE_ACOPIO_PAGE);
  g_type_ensure (CATD_TYPE_SCAN_PAGE);
  g_type_ensure (CATD_TYPE_WORK_VIEW);
  g_type_ensure (CATD_TYPE_COORDINATION_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class, "/mx/catd/Station/catd-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, work_stack);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, page_switcher);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, user_button);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, user_label);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, failure_label);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, station_label);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, login_page);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, acopio_page);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, scan_page);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, capture_page);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, arbitration_page);
  gtk_widget_class_bind_template_child (widget_class, CatdWindow, coordination_page);
  gtk_widget_class_bind_template_callback (widget_class, visible_page_cb);

}

static void
catd_window_init (CatdWindow *self)
{
  static const GActionEntry entries[] = {
    { "switch-user", switch_user_action },
  };
  g_autoptr(GSimpleAction) page = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* In the window's own action map (the "win." group), where the header
   * bar's button and the application's accelerators find them. */
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);

  /* A stateful action so the menu and Alt+N both reach a page by name. */
  page = g_simple_action_new_stateful ("page", G_VARIANT_TYPE_STRING,
                                       g_variant_new_string (""));
  g_signal_connect_object (page, "activate", G_CALLBACK (page_action_cb), self, 0);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (page));

  catd_trace_mark_next_frame (GTK_WIDGET (self), "first-frame");
}

CatdWindow *
catd_window_new (CatdApplication *application)
{
  CatdWindow *self = g_object_new (CATD_TYPE_WINDOW, "application", application, NULL);

  /* "application" is no construct property: it is set after constructed (). */
  restore_state (self);
  return self;
}

/**
 * catd_window_set_session:
 *
 * Hands @session to every page and shows the login screen. Called once,
 * when the station is open.
 */
void
catd_window_set_session (CatdWindow  *self,
                         CatdSession *session)
{
  GtkWidget *pages[] = { GTK_WIDGET (self->login_page), self->acopio_page, self->scan_page,
                         self->capture_page, self->arbitration_page, self->coordination_page };

  g_return_if_fail (CATD_IS_WINDOW (self));
  g_return_if_fail (CATD_IS_SESSION (session));
  g_return_if_fail (self->session == NULL);

  self->session = g_object_ref (session);
  for (guint i = 0; i < G_N_ELEMENTS (pages); i++)
    g_object_set (pages[i], "session", session, NULL);
  g_signal_connect_object (session, "notify::user", G_CALLBACK (user_changed_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_label_set_label (self->station_label,
                       catd_station_get_id (catd_session_get_station (session)));
  user_changed_cb (self);
}

CatdSession *
catd_window_get_session (CatdWindow *self)
{
  g_return_val_if_fail (CATD_IS_WINDOW (self), NULL);

  return self->session;
}

/* Shows why the station cannot open, instead of every screen. */
void
catd_window_show_failure (CatdWindow *self,
                          const char *message)
{
  g_return_if_fail (CATD_IS_WINDOW (self));

  gtk_label_set_label (self->failure_label, message);
  gtk_stack_set_visible_child_name (self->main_stack, "failure");
}
